#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <linux/fs.h>

#include "blkdev.h"
#include "buf.h"
#include "err.h"
#include "i18n.h"
#include "banned.h"

/* snprintf for paths and names: a cut result is harmless here (it names nothing). */
static int __attribute__((format(printf, 3, 4)))
bsnprintf(char *out, size_t n, const char *fmt, ...)
{
	va_list ap;
	int r;

	va_start(ap, fmt);
	r = vsnprintf(out, n, fmt, ap);
	va_end(ap);
	return r;
}

/*
 * Where /sys and /proc are: "" on a running system; a folder holding a
 * fake sys/ and proc/ for the fuzz target (tim_blkdev_set_root).
 */
static char sysroot[PATH_MAX];

void
tim_blkdev_set_root(const char *root)
{
	bsnprintf(sysroot, sizeof(sysroot), "%s", root ? root : "");
}

static FILE *
proc_open(const char *abs)
{
	char path[PATH_MAX];

	bsnprintf(path, sizeof(path), "%s%s", sysroot, abs);
	return fopen(path, "re");
}

/* One sysfs attribute, trimmed; "" when absent. */
static void
attr(const char *dir, const char *name, char *out, size_t n)
{
	char path[PATH_MAX];
	ssize_t r;
	size_t len;
	int fd;

	out[0] = '\0';
	if ((size_t)bsnprintf(path, sizeof(path), "%s/%s", dir, name) >= sizeof(path))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	r = read(fd, out, n - 1);
	close(fd);
	if (r < 0)
		r = 0;
	out[r] = '\0';
	len = (size_t)r;
	while (len > 0 && (out[len - 1] == '\n' || out[len - 1] == ' ' ||
	    out[len - 1] == '\t'))
		out[--len] = '\0';
	/* sysfs pads vendor and model with spaces on both ends. */
	while (out[0] == ' ')
		memmove(out, out + 1, strlen(out));
	/* Keep only printable ASCII: these strings end up in certificates. */
	for (len = 0; out[len]; len++)
		if ((unsigned char)out[len] < 0x20 || (unsigned char)out[len] > 0x7e)
			out[len] = '?';
}

/*
 * The unit serial number page (SCSI VPD 80h) that sd keeps in sysfs for
 * SCSI disks and, through libata's translation, for SATA disks: a 4-byte
 * header (byte 3 the length), then the serial in ASCII. "" when absent.
 */
static void
vpd_serial(const char *dir, char *out, size_t n)
{
	unsigned char pg[256];
	char path[PATH_MAX];
	size_t len, i, k = 0;
	ssize_t r;
	int fd;

	out[0] = '\0';
	if ((size_t)bsnprintf(path, sizeof(path), "%s/vpd_pg80", dir) >= sizeof(path))
		return;
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return;
	r = read(fd, pg, sizeof(pg));
	close(fd);
	if (r < 4 || pg[1] != 0x80)
		return;
	len = pg[3];
	if (len > (size_t)r - 4)
		len = (size_t)r - 4;
	for (i = 0; i < len && k + 1 < n; i++) {
		unsigned char ch = pg[4 + i];

		if (ch == '\0')
			break;
		if (k == 0 && ch == ' ')
			continue;
		out[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[k] = '\0';
	while (k > 0 && out[k - 1] == ' ')
		out[--k] = '\0';
}

static long long
attr_num(const char *dir, const char *name, long long dflt)
{
	char v[64], *end;
	long long x;

	attr(dir, name, v, sizeof(v));
	if (!v[0])
		return dflt;
	errno = 0;
	x = strtoll(v, &end, 10);
	return errno || *end ? dflt : x;
}

static int
parse_devnum(const char *s, dev_t *d)
{
	unsigned ma, mi;
	char extra;

	if (sscanf(s, "%u:%u%c", &ma, &mi, &extra) != 2)
		return -1;
	*d = makedev(ma, mi);
	return 0;
}

/* The kernel name of a device number: basename of /sys/dev/block/M:m. */
static int
devname_of(dev_t dev, char *name, size_t n, int *partition, char *disk,
    size_t dn)
{
	char link[PATH_MAX], target[PATH_MAX], probe[PATH_MAX];
	ssize_t len;
	char *slash;

	bsnprintf(link, sizeof(link), "%s/sys/dev/block/%u:%u", sysroot, major(dev), minor(dev));
	len = readlink(link, target, sizeof(target) - 1);
	if (len < 0)
		return -1;
	target[len] = '\0';
	slash = strrchr(target, '/');
	bsnprintf(name, n, "%s", slash ? slash + 1 : target);
	bsnprintf(probe, sizeof(probe), "%s/partition", link);
	*partition = access(probe, F_OK) == 0;
	if (disk) {
		bsnprintf(disk, dn, "%s", name);
		if (*partition && slash) {
			char *p;

			*slash = '\0';
			p = strrchr(target, '/');
			bsnprintf(disk, dn, "%s", p ? p + 1 : target);
		}
	}
	return 0;
}

static void
transport_of(struct tim_blkdev *d, const char *sys)
{
	const char *n = d->disk;
	char sub[PATH_MAX], link[PATH_MAX];
	ssize_t len;

	if (strncmp(n, "nvme", 4) == 0)
		bsnprintf(d->transport, sizeof(d->transport), "nvme");
	else if (strncmp(n, "loop", 4) == 0)
		bsnprintf(d->transport, sizeof(d->transport), "loop");
	else if (strncmp(n, "vd", 2) == 0)
		bsnprintf(d->transport, sizeof(d->transport), "virtio");
	else if (strncmp(n, "mmcblk", 6) == 0)
		bsnprintf(d->transport, sizeof(d->transport), "mmc");
	else if (strncmp(n, "md", 2) == 0)
		bsnprintf(d->transport, sizeof(d->transport), "md");
	else if (strncmp(n, "dm-", 3) == 0)
		bsnprintf(d->transport, sizeof(d->transport), "dm");
	else if (strncmp(n, "zram", 4) == 0)
		bsnprintf(d->transport, sizeof(d->transport), "zram");
	else if (strncmp(n, "sd", 2) == 0 || strncmp(n, "sr", 2) == 0) {
		/* libata disks show up as SCSI disks whose vendor is "ATA". */
		bsnprintf(d->transport, sizeof(d->transport), "%s",
		    strcmp(d->vendor, "ATA") == 0 ? "ata" : "scsi");
		bsnprintf(sub, sizeof(sub), "%s/device", sys);
		len = readlink(sub, link, sizeof(link) - 1);
		if (len > 0) {
			link[len] = '\0';
			if (strstr(link, "/usb"))
				bsnprintf(d->transport, sizeof(d->transport), "usb");
		}
	} else
		bsnprintf(d->transport, sizeof(d->transport), "other");
}

int
tim_blkdev_probe(const char *path, struct tim_blkdev *d, struct tim_err *err)
{
	char sys[PATH_MAX], dsys[PATH_MAX], dev[PATH_MAX], v[64];
	unsigned long long size = 0;
	struct stat st;
	int fd;

	memset(d, 0, sizeof(*d));
	bsnprintf(d->path, sizeof(d->path), "%s", path);
	if (realpath(path, d->node) == NULL)
		return tim_errorf(err, errno, _("cannot resolve '%s'"), path);
	if (stat(d->node, &st) < 0)
		return tim_errorf(err, errno, _("cannot stat '%s'"), path);
	if (!S_ISBLK(st.st_mode))
		return tim_invalidf(err, _("'%s' is not a block device"), path);
	d->rdev = st.st_rdev;
	if (devname_of(d->rdev, d->name, sizeof(d->name), &d->partition,
	    d->disk, sizeof(d->disk)) < 0)
		return tim_errorf(err, errno, _("'%s' is not in /sys/dev/block"), path);
	bsnprintf(sys, sizeof(sys), "%s/sys/class/block/%s", sysroot, d->name);
	bsnprintf(dsys, sizeof(dsys), "%s/sys/class/block/%s", sysroot, d->disk);
	bsnprintf(dev, sizeof(dev), "%s/device", dsys);
	fd = open(d->node, O_RDONLY | O_CLOEXEC | O_NONBLOCK);
	if (fd >= 0) {
		if (ioctl(fd, BLKGETSIZE64, &size) == 0)
			d->size = size;
		close(fd);
	}
	if (d->size == 0)
		d->size = (uint64_t)attr_num(sys, "size", 0) * 512;
	bsnprintf(v, sizeof(v), "queue/logical_block_size");
	d->logical = (unsigned)attr_num(dsys, v, 512);
	d->physical = (unsigned)attr_num(dsys, "queue/physical_block_size", d->logical);
	d->rotational = (int)attr_num(dsys, "queue/rotational", -1);
	d->removable = (int)attr_num(dsys, "removable", -1);
	d->readonly = (int)attr_num(sys, "ro", 0);
	d->diskseq = (uint64_t)attr_num(dsys, "diskseq", 0);
	attr(dev, "vendor", d->vendor, sizeof(d->vendor));
	attr(dev, "model", d->model, sizeof(d->model));
	attr(dev, "serial", d->serial, sizeof(d->serial));
	if (!d->serial[0])
		attr(dsys, "serial", d->serial, sizeof(d->serial));
	if (!d->serial[0])
		vpd_serial(dev, d->serial, sizeof(d->serial));
	attr(dev, "firmware_rev", d->firmware, sizeof(d->firmware));
	if (!d->firmware[0])
		attr(dev, "rev", d->firmware, sizeof(d->firmware));
	attr(dsys, "wwid", d->wwid, sizeof(d->wwid));
	if (!d->wwid[0])
		attr(dev, "wwid", d->wwid, sizeof(d->wwid));
	attr(dsys, "loop/backing_file", d->backing, sizeof(d->backing));
	transport_of(d, dsys);
	/* virtio reports 0x1af4 as vendor; a model says more. */
	if (strcmp(d->transport, "virtio") == 0 && !d->model[0])
		bsnprintf(d->model, sizeof(d->model), "virtio block device");
	if (strcmp(d->transport, "loop") == 0 && !d->model[0])
		bsnprintf(d->model, sizeof(d->model), "loop device");
	return 0;
}

int
tim_blkdev_rotational_of(dev_t dev, char *name, size_t n)
{
	char disk[64], dsys[PATH_MAX];
	int part;

	if (major(dev) == 0 ||
	    devname_of(dev, name, n, &part, disk, sizeof(disk)) < 0)
		return -1;
	bsnprintf(dsys, sizeof(dsys), "%s/sys/class/block/%s", sysroot, disk);
	return (int)attr_num(dsys, "queue/rotational", -1);
}

int
tim_blkdev_use_init(struct tim_blkdev_use *u)
{
	struct tim_buf **b[] = { &u->mounted, &u->swap, &u->holders, &u->system,
	    &u->partitions };
	size_t i;

	memset(u, 0, sizeof(*u));
	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		*b[i] = calloc(1, sizeof(struct tim_buf));
		if (*b[i] == NULL) {
			tim_blkdev_use_release(u);
			return -1;
		}
	}
	return 0;
}

void
tim_blkdev_use_release(struct tim_blkdev_use *u)
{
	struct tim_buf *b[] = { u->mounted, u->swap, u->holders, u->system,
	    u->partitions };
	size_t i;

	for (i = 0; i < sizeof(b) / sizeof(b[0]); i++) {
		if (b[i])
			tim_buf_release(b[i]);
		free(b[i]);
	}
	memset(u, 0, sizeof(*u));
}

/* The device and its partitions: numbers and names. */
struct devset {
	dev_t dev[256];
	char name[256][64];
	size_t n;
};

static void
set_add(struct devset *s, dev_t d, const char *name)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->dev[i] == d)
			return;
	if (s->n == 256)
		return;
	s->dev[s->n] = d;
	bsnprintf(s->name[s->n], sizeof(s->name[0]), "%s", name);
	s->n++;
}

static const char *
set_find(const struct devset *s, dev_t d)
{
	size_t i;

	for (i = 0; i < s->n; i++)
		if (s->dev[i] == d)
			return s->name[i];
	return NULL;
}

static void
add_partitions(const struct tim_blkdev *d, struct devset *s,
    struct tim_blkdev_use *u)
{
	char dir[PATH_MAX], sub[PATH_MAX], v[64];
	struct dirent *e;
	dev_t pd;
	DIR *dp;

	set_add(s, d->rdev, d->name);
	if (d->partition)
		return;
	bsnprintf(dir, sizeof(dir), "%s/sys/class/block/%s", sysroot, d->name);
	dp = opendir(dir);
	if (dp == NULL)
		return;
	while ((e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		bsnprintf(sub, sizeof(sub), "%s/%s/partition", dir, e->d_name);
		if (access(sub, F_OK) != 0)
			continue;
		bsnprintf(sub, sizeof(sub), "%s/%s", dir, e->d_name);
		attr(sub, "dev", v, sizeof(v));
		if (parse_devnum(v, &pd) == 0) {
			set_add(s, pd, e->d_name);
			tim_buf_addf(u->partitions, "%s%s", u->n_partitions ? " " : "",
			    e->d_name);
			u->n_partitions++;
		}
	}
	closedir(dp);
}

/* Device number of a mount source path, when it is a block device node. */
static int
source_dev(const char *src, dev_t *d)
{
	struct stat st;

	if (strncmp(src, "/dev/", 5) != 0 || stat(src, &st) < 0 ||
	    !S_ISBLK(st.st_mode))
		return -1;
	*d = st.st_rdev;
	return 0;
}

/*
 * mountinfo: "36 35 98:0 /root /mnt rw - ext3 /dev/root rw". btrfs and
 * others show an anonymous 0:N there, so the source is checked too.
 */
static int
check_mounts(const struct devset *s, struct tim_blkdev_use *u, struct tim_err *err)
{
	char *line = NULL;
	size_t cap = 0;
	FILE *f;

	f = proc_open("/proc/self/mountinfo");
	if (f == NULL)
		return tim_errorf(err, errno, _("cannot read '%s'"), "/proc/self/mountinfo");
	while (getline(&line, &cap, f) > 0) {
		char devs[32], mnt[PATH_MAX], fstype[64], src[PATH_MAX];
		const char *name = NULL, *dash;
		dev_t d;

		if (sscanf(line, "%*s %*s %31s %*s %4095s", devs, mnt) != 2)
			continue;
		if (parse_devnum(devs, &d) == 0)
			name = set_find(s, d);
		dash = strstr(line, " - ");
		if (name == NULL && dash &&
		    sscanf(dash + 3, "%63s %4095s", fstype, src) == 2 &&
		    source_dev(src, &d) == 0)
			name = set_find(s, d);
		if (name) {
			tim_buf_addf(u->mounted, "%s%s on %s", u->n_mounted ? "\n" : "",
			    name, mnt);
			u->n_mounted++;
		}
	}
	free(line);
	fclose(f);
	return 0;
}

static int
check_swaps(const struct devset *s, struct tim_blkdev_use *u)
{
	char *line = NULL, path[PATH_MAX];
	size_t cap = 0;
	FILE *f;

	f = proc_open("/proc/swaps");
	if (f == NULL)
		return 0;	/* no swap support at all */
	while (getline(&line, &cap, f) > 0) {
		const char *name;
		dev_t d;

		if (sscanf(line, "%4095s", path) != 1 || source_dev(path, &d) < 0)
			continue;
		if ((name = set_find(s, d)) != NULL) {
			tim_buf_addf(u->swap, "%s%s", u->n_swap ? "\n" : "", name);
			u->n_swap++;
		}
	}
	free(line);
	fclose(f);
	return 0;
}

static void
check_holders(const struct devset *s, struct tim_blkdev_use *u)
{
	char dir[PATH_MAX];
	struct dirent *e;
	size_t i;
	DIR *dp;

	for (i = 0; i < s->n; i++) {
		bsnprintf(dir, sizeof(dir), "%s/sys/class/block/%s/holders", sysroot, s->name[i]);
		dp = opendir(dir);
		if (dp == NULL)
			continue;
		while ((e = readdir(dp)) != NULL) {
			if (e->d_name[0] == '.')
				continue;
			tim_buf_addf(u->holders, "%s%s is held by %s",
			    u->n_holders ? "\n" : "", s->name[i], e->d_name);
			u->n_holders++;
		}
		closedir(dp);
	}
}

/* Walks slaves/ down from a stacked device (dm, md) to the real devices. */
static int
backs(dev_t d, const struct devset *s, int depth)
{
	char dir[PATH_MAX], sub[PATH_MAX], v[64];
	struct dirent *e;
	int hit = 0;
	dev_t sd;
	DIR *dp;

	if (set_find(s, d))
		return 1;
	if (depth > 8)
		return 0;
	bsnprintf(dir, sizeof(dir), "%s/sys/dev/block/%u:%u/slaves", sysroot, major(d), minor(d));
	dp = opendir(dir);
	if (dp == NULL)
		return 0;
	while (!hit && (e = readdir(dp)) != NULL) {
		if (e->d_name[0] == '.')
			continue;
		bsnprintf(sub, sizeof(sub), "%s/sys/class/block/%s", sysroot, e->d_name);
		attr(sub, "dev", v, sizeof(v));
		if (parse_devnum(v, &sd) == 0)
			hit = backs(sd, s, depth + 1);
	}
	closedir(dp);
	return hit;
}

/* The device number a mount point's file system lives on, or 0. */
static dev_t
mount_dev(const char *mp)
{
	char *line = NULL;
	size_t cap = 0;
	struct stat st;
	dev_t found = 0;
	FILE *f;

	if (stat(mp, &st) < 0)
		return 0;
	if (major(st.st_dev) != 0)
		return st.st_dev;
	/* btrfs and friends: find the mount's source device instead. */
	f = proc_open("/proc/self/mountinfo");
	if (f == NULL)
		return 0;
	while (getline(&line, &cap, f) > 0) {
		char devs[32], mnt[PATH_MAX], fstype[64], src[PATH_MAX];
		const char *dash = strstr(line, " - ");
		dev_t d;

		if (sscanf(line, "%*s %*s %31s %*s %4095s", devs, mnt) != 2 ||
		    strcmp(mnt, mp) != 0 || parse_devnum(devs, &d) < 0 ||
		    d != st.st_dev || dash == NULL ||
		    sscanf(dash + 3, "%63s %4095s", fstype, src) != 2)
			continue;
		if (source_dev(src, &d) == 0)
			found = d;
	}
	free(line);
	fclose(f);
	return found;
}

int
tim_blkdev_usage(const struct tim_blkdev *d, struct tim_blkdev_use *u,
    struct tim_err *err)
{
	static const char *const sysmounts[] = { "/", "/usr", "/boot", "/boot/efi", NULL };
	struct devset *s;
	size_t i;

	s = calloc(1, sizeof(*s));
	if (s == NULL)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	add_partitions(d, s, u);
	if (check_mounts(s, u, err) < 0) {
		free(s);
		return -1;
	}
	check_swaps(s, u);
	check_holders(s, u);
	for (i = 0; sysmounts[i]; i++) {
		dev_t md = mount_dev(sysmounts[i]);

		if (md != 0 && backs(md, s, 0)) {
			tim_buf_addf(u->system, "%s%s", u->n_system ? ", " : "", sysmounts[i]);
			u->n_system++;
		}
	}
	free(s);
	if (u->mounted->failed || u->swap->failed || u->holders->failed ||
	    u->system->failed || u->partitions->failed)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	return 0;
}
