/*
 * libFuzzer target for tim-ledger import: the input is a CSV register (any
 * bytes: UTF-8 with or without a byte order mark, CP932, broken quotes),
 * imported into a fresh ledger held in a memory file, which must then
 * verify whether the import was taken or refused.
 */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "err.h"
#include "ledger.h"
#include "ledger_json.h"
#include "util.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char header[] = "{\"tim\":\"ledger\",\"v\":1,\"origin\":\"fuzz/import\"}\n";

static int
memfile(const void *data, size_t len, char *path, size_t pathlen)
{
	int fd = memfd_create("fuzz", MFD_CLOEXEC);

	if (fd < 0)
		return -1;
	if (len > 0 && tim_write_all(fd, data, len) < 0) {
		close(fd);
		return -1;
	}
	snprintf(path, pathlen, "/proc/self/fd/%d", fd);
	return fd;
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct tim_ledger_verify_result res;
	struct tim_ledger *l = NULL;
	struct tim_err err;
	char lpath[64], cpath[64];
	uint64_t first;
	size_t n;
	int lfd, cfd;

	lfd = memfile(header, sizeof(header) - 1, lpath, sizeof(lpath));
	if (lfd < 0)
		return 0;
	cfd = memfile(data, size, cpath, sizeof(cpath));
	if (cfd < 0) {
		close(lfd);
		return 0;
	}
	tim_err_clear(&err);
	if (tim_ledger_open(&l, lpath, TIM_LEDGER_NOSYNC, &err) == 0) {
		(void)tim_ledger_import_csv(l, cpath, size && (data[0] & 1) ? "CP932" : NULL,
		    size && (data[0] & 2) ? "note" : NULL, &first, &n, &err);
		tim_ledger_close(l);
		tim_err_clear(&err);
		if (tim_ledger_verify(lpath, NULL, &res, &err) < 0 || !res.ok)
			abort();
	}
	close(lfd);
	close(cfd);
	return 0;
}
