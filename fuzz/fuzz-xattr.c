/*
 * libFuzzer: labels in extended attributes (user.tim.*), which anyone who
 * can write a file can set to anything. The input is split at 0xff bytes
 * into the five values: label (the level), owner, entrusted, id, until.
 */
#include <errno.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/xattr.h>

#include "carrier.h"
#include "err.h"
#include "label.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const char *const names[5] = { "user.tim.label", "user.tim.owner",
	    "user.tim.entrusted", "user.tim.id", "user.tim.until" };
	const char *path = fuzz_path("f");
	const uint8_t *p = data, *end = data + size, *e;
	struct tim_label l;
	struct tim_err err;
	int i;

	fuzz_write(path, "x", 1, 0600);
	for (i = 0; i < 5; i++) {
		(void)removexattr(path, names[i]);
		if (p > end)
			continue;
		e = memchr(p, 0xff, (size_t)(end - p));
		if (e == NULL)
			e = end;
		if (setxattr(path, names[i], p, (size_t)(e - p), 0) < 0 &&
		    (errno == ENOTSUP || errno == EOPNOTSUPP)) {
			fprintf(stderr, "fuzz-xattr: %s keeps no user xattrs; set TMPDIR\n", path);
			abort();
		}
		p = e + 1;
	}
	tim_err_clear(&err);
	(void)tim_carrier_xattr_read(path, &l, &err);
	return 0;
}
