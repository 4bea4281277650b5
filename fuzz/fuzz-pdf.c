/*
 * libFuzzer target for the PDF object reader and the incremental update:
 * open, look objects up, read the label, write a label and remove it.
 */
#include <fcntl.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "buf.h"
#include "carrier.h"
#include "err.h"
#include "label.h"
#include "pdf.h"
#include "banned.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static int devnull = -1;
	struct tim_label_scheme s;
	struct tim_label l, mark;
	struct tim_err err;
	struct tim_pdf p;
	int fd;

	if (devnull < 0)
		devnull = open("/dev/null", O_WRONLY | O_CLOEXEC);
	tim_err_clear(&err);
	if (tim_pdf_open(&p, data, size, "fuzz.pdf", &err) == 0) {
		struct tim_pdf_obj o;
		struct tim_buf b = TIM_BUF_INIT;
		long n;

		for (n = 1; n < 12 && n < p.size; n++) {
			if (tim_pdf_get(&p, n, &o, &err) == 1) {
				if (o.stream)
					tim_pdf_stream(&p, &o, &b, &err);
				tim_pdf_text(o.p, o.len, &b);
			}
			tim_pdf_obj_release(&o);
		}
		tim_buf_release(&b);
	}
	tim_pdf_release(&p);
	if (size == 0)
		return 0;
	fd = memfd_create("fuzz.pdf", MFD_CLOEXEC);
	if (fd < 0)
		return 0;
	if (write(fd, data, size) == (ssize_t)size) {
		tim_label_scheme_default(&s);
		tim_label_clear(&mark);
		memcpy(mark.level, "秘", sizeof("秘"));
		tim_pdf_read_label(&s, fd, "fuzz.pdf", &l, &err);
		tim_pdf_write_label(&s, fd, "fuzz.pdf", &mark, devnull, &err);
		tim_pdf_write_label(&s, fd, "fuzz.pdf", NULL, devnull, &err);
	}
	close(fd);
	return 0;
}
