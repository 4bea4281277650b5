/*
 * libFuzzer: extraction of a tar or zip bundle (tim-seal -d -C DIR) from
 * the plaintext of an envelope that opened, so from whoever sealed it.
 * Beyond memory errors it checks what the man page promises: nothing is
 * written outside DIR, and no symbolic link left in DIR leads out of it.
 */
#include <limits.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/mman.h>

#include <jansson.h>

#include "err.h"
#include "seal.h"
#include "seal_impl.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static char root_real[PATH_MAX];
static size_t root_len;

static int
check_link(const char *p, const struct stat *st, int type, struct FTW *f)
{
	char real[PATH_MAX];

	(void)st;
	(void)f;
	if (type != FTW_SL)
		return 0;
	/* A link whose target exists must resolve below DIR. */
	if (realpath(p, real) != NULL &&
	    (strncmp(real, root_real, root_len) != 0 ||
	    (real[root_len] != '/' && real[root_len] != '\0'))) {
		fprintf(stderr, "fuzz-bundle: link %s leads out of the folder to %s\n", p, real);
		abort();
	}
	return 0;
}

static size_t
count_entries(const char *dir)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	size_t n = 0;

	if (d == NULL)
		return 0;
	while ((e = readdir(d)) != NULL)
		n++;
	closedir(d);
	return n;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	const char *dir = fuzz_path("out");
	struct tim_err err;
	json_t *info;
	size_t before;
	int fd;

	fuzz_rm_tree(dir);
	if (mkdir(dir, 0700) < 0)
		abort();
	before = count_entries(fuzz_scratch());
	if (realpath(dir, root_real) == NULL)
		abort();
	root_len = strlen(root_real);
	fd = memfd_create("bundle", MFD_CLOEXEC);
	if (fd < 0 || (size && write(fd, data, size) != (ssize_t)size))
		abort();
	info = json_object();
	tim_err_clear(&err);
	(void)tim_seal_extract_bundle(fd, dir, 1 << 20, info, &err);
	json_decref(info);
	close(fd);
	nftw(dir, check_link, 16, FTW_PHYS);
	if (count_entries(fuzz_scratch()) != before) {
		fprintf(stderr, "fuzz-bundle: something was written beside the folder\n");
		abort();
	}
	fuzz_rm_tree(dir);
	return 0;
}
