/*
 * libFuzzer: device probing for tim-wipe (identity from sysfs, the device
 * in use from /proc/self/mountinfo, /proc/swaps and holders), over a fake
 * sys/ and proc/ (tim_blkdev_set_root) and a block device node made here
 * (7:250; only stat()ed, never written). The input is split at 0xff bytes
 * into the files below, in order; its first byte chooses a disk or a
 * partition of it.
 */
#include <stddef.h>
#include <stdint.h>
#include <sys/sysmacros.h>

#include "blkdev.h"
#include "buf.h"
#include "err.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {
	"size", "ro", "removable", "diskseq", "serial", "wwid",
	"queue/logical_block_size", "queue/physical_block_size", "queue/rotational",
	"loop/backing_file", "device/vendor", "device/model", "device/serial",
	"device/firmware_rev", "device/rev", "device/wwid",
	"../../../proc/self/mountinfo", "../../../proc/swaps",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

static void
parents(char *path)
{
	char *s;

	for (s = strchr(path + strlen(fuzz_scratch()) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		(void)mkdir(path, 0700);
		*s = '/';
	}
}

static void
link_at(const char *target, const char *rel)
{
	char path[8192];

	snprintf(path, sizeof(path), "%s/%s", fuzz_scratch(), rel);
	parents(path);
	if (symlink(target, path) < 0)
		abort();
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int node_ok = -1, made;
	const uint8_t *p = data + 1, *end = data + size, *e;
	struct tim_blkdev d;
	struct tim_blkdev_use u;
	struct tim_err err;
	char path[8192], root[4096];
	const char *disk;
	size_t i;
	int part;

	if (size < 1)
		return 0;
	if (node_ok < 0) {
		node_ok = mknod(fuzz_path("node"), S_IFBLK | 0600, makedev(7, 250)) == 0;
		if (!node_ok) {
			fprintf(stderr, "fuzz-blkdev: cannot make a block device node (needs root)\n");
			abort();
		}
	}
	part = data[0] & 1;
	snprintf(root, sizeof(root), "%s/root", fuzz_scratch());
	/* The kernel's layout, made once: the disk's folder, its partition inside. */
	disk = "root/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda";
	if (!made) {
		snprintf(path, sizeof(path), "%s/%s/sda1/partition", fuzz_scratch(), disk);
		parents(path);
		fuzz_write(path, "1", 1, 0600);
		link_at("../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda",
		    "root/sys/class/block/sda");
		link_at("../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1",
		    "root/sys/class/block/sda1");
		link_at("../../../0:0:0:0", "root/sys/devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/device");
		made = 1;
	}
	unlink(fuzz_path("root/sys/dev/block/7:250"));
	link_at(part ? "../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda/sda1" :
	    "../../devices/pci0000:00/0000:00:1f.2/ata1/host0/target0:0:0/0:0:0:0/block/sda",
	    "root/sys/dev/block/7:250");
	for (i = 0; i < NFILES; i++) {
		e = p <= end ? memchr(p, 0xff, (size_t)(end - p)) : NULL;
		if (e == NULL)
			e = end;
		snprintf(path, sizeof(path), "%s/%s/%s", fuzz_scratch(), disk, files[i]);
		if (strncmp(files[i], "../", 3) == 0)	/* proc/ beside sys/ */
			snprintf(path, sizeof(path), "%s/root/%s", fuzz_scratch(), files[i] + 9);
		if (p <= end && e > p) {
			parents(path);
			fuzz_write(path, p, (size_t)(e - p), 0600);
		} else
			unlink(path);
		p = e + 1;
	}
	tim_blkdev_set_root(root);
	tim_err_clear(&err);
	if (tim_blkdev_probe(fuzz_path("node"), &d, &err) == 0 &&
	    tim_blkdev_use_init(&u) == 0) {
		tim_err_clear(&err);
		(void)tim_blkdev_usage(&d, &u, &err);
		tim_blkdev_use_release(&u);
	}
	tim_blkdev_set_root(NULL);
	return 0;
}
