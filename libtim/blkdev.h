#ifndef TIM_BLKDEV_H
#define TIM_BLKDEV_H

#include <limits.h>
#include <stdint.h>
#include <sys/types.h>

struct tim_buf;
struct tim_err;

/*
 * Facts about a block device from sysfs, the udev-free parts of /dev and
 * two read-only ioctls, and the checks that keep tim-wipe off devices in
 * use. Nothing here needs more than read access to the device node.
 */
struct tim_blkdev {
	char path[PATH_MAX];	/* the node as given */
	char node[PATH_MAX];	/* resolved, e.g. /dev/sda1 */
	char name[64];		/* kernel name: sda1, loop0, nvme0n1p2 */
	char disk[64];		/* whole disk: sda, nvme0n1 */
	dev_t rdev;
	int partition;		/* 1: a partition of disk */
	uint64_t size;		/* bytes */
	unsigned logical;	/* logical sector size */
	unsigned physical;	/* physical sector size */
	int rotational;		/* 1 spinning, 0 flash, -1 unknown */
	int removable;		/* -1 unknown */
	int readonly;
	char transport[16];	/* nvme ata scsi virtio mmc loop md dm zram other */
	char vendor[64];
	char model[128];
	char serial[128];
	char firmware[64];
	char wwid[160];
	char backing[PATH_MAX];	/* loop: the backing file */
	uint64_t diskseq;	/* 0 when the kernel has none */
};

/* Fills d for the block device at path (symlinks such as /dev/disk/by-id allowed). */
int tim_blkdev_probe(const char *path, struct tim_blkdev *d, struct tim_err *err);

/*
 * Reads /sys and /proc under root instead ("" or NULL: the real ones). For
 * the fuzz target of device probing; the tools never call it.
 */
void tim_blkdev_set_root(const char *root);

/* Why a device is in use; each list is "what: detail" lines. */
struct tim_blkdev_use {
	struct tim_buf *mounted;	/* "sda1 on /home" */
	struct tim_buf *swap;		/* "sda2" */
	struct tim_buf *holders;	/* "sda3 is held by dm-0" */
	struct tim_buf *system;		/* "/ is on sda2" */
	struct tim_buf *partitions;	/* "sda1 sda2" */
	int n_mounted, n_swap, n_holders, n_system, n_partitions;
};

int tim_blkdev_use_init(struct tim_blkdev_use *u);
void tim_blkdev_use_release(struct tim_blkdev_use *u);

/*
 * Looks at the device and its partitions: mounts (/proc/self/mountinfo),
 * active swap (/proc/swaps), holders (md, dm, LVM) and whether /, /usr or
 * /boot live on it.
 */
int tim_blkdev_usage(const struct tim_blkdev *d, struct tim_blkdev_use *u,
    struct tim_err *err);

/*
 * The block device under a file system (by st_dev): its rotational flag
 * (-1 unknown) and name, for the flash-media warning of file wipes.
 */
int tim_blkdev_rotational_of(dev_t dev, char *name, size_t n);

#endif
