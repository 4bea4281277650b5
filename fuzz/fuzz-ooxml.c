/*
 * libFuzzer target for the zip package readers: content detection, the
 * OOXML and ODF label readers and the rewriters, on arbitrary bytes.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "carrier.h"
#include "err.h"
#include "label.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -1;
	struct tim_label_scheme s;
	struct tim_label l, mark;
	struct tim_err err;
	char note[256];
	int fd, type;

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	fd = memfd_create("fuzz.docx", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) != (ssize_t)size) {
		close(fd);
		return 0;
	}
	tim_label_scheme_default(&s);
	tim_err_clear(&err);
	if (tim_content_detect(fd, "fuzz.docx", &type, note, &err) == 0 &&
	    type != TIM_CONTENT_TEXT && type != TIM_CONTENT_OTHER) {
		tim_content_read(&s, fd, "fuzz.docx", type, &l, &err);
		tim_label_clear(&mark);
		memcpy(mark.level, "秘", sizeof("秘"));
		memcpy(mark.owner, "設計部", sizeof("設計部"));
		tim_content_write(&s, fd, "fuzz.docx", type, &mark, devnull, &err);
		tim_content_write(&s, fd, "fuzz.docx", type, NULL, devnull, &err);
	}
	close(fd);
	return 0;
}
