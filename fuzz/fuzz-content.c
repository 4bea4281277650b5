/*
 * libFuzzer target for the content carriers of issue 13: text in UTF-8,
 * CP932 and EUC-JP, CSV, DXF, STEP, e-mail, PNG and JPEG. The first byte
 * picks the file name (and so the syntax); the rest is the file. Detect,
 * read, mark and unmark.
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
	static const char *const names[] = { "a.txt", "a.csv", "a.dxf", "a.stp",
	    "a.eml", "a.png", "a.jpg", "a.md", "a.igs", "a" };
	static int devnull = -1;
	struct tim_label_scheme s;
	struct tim_label l, mark;
	struct tim_err err;
	const char *name;
	char note[256];
	int fd, type;

	if (size < 1)
		return 0;
	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	name = names[data[0] % (sizeof(names) / sizeof(names[0]))];
	fd = memfd_create(name, MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data + 1, size - 1) == (ssize_t)(size - 1)) {
		tim_label_scheme_default(&s);
		tim_label_clear(&mark);
		memcpy(mark.level, "秘", sizeof("秘"));
		memcpy(mark.owner, "設計部", sizeof("設計部"));
		tim_err_clear(&err);
		if (tim_content_detect(fd, name, &type, note, &err) == 0 &&
		    type != TIM_CONTENT_OTHER && type != TIM_CONTENT_NONE &&
		    type != TIM_CONTENT_PDF && (type < TIM_CONTENT_DOCX || type > TIM_CONTENT_ODP)) {
			tim_content_read(&s, fd, name, type, &l, &err);
			lseek(fd, 0, SEEK_SET);
			tim_content_write(&s, fd, name, type, &mark, devnull, &err);
			lseek(fd, 0, SEEK_SET);
			tim_content_write(&s, fd, name, type, NULL, devnull, &err);
		}
	}
	close(fd);
	return 0;
}
