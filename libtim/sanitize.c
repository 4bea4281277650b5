#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/ioctl.h>
#include <time.h>
#include <unistd.h>

#include <linux/fs.h>
#include <linux/nvme_ioctl.h>
#include <scsi/sg.h>

#include "blkdev.h"
#include "err.h"
#include "i18n.h"
#include "sanitize.h"
#include "banned.h"

/* ------------------------------------------------------------ NVMe */

void
tim_nvme_identify_ctrl(struct nvme_admin_cmd *c, void *buf)
{
	memset(c, 0, sizeof(*c));
	c->opcode = 0x06;
	c->addr = (uint64_t)(uintptr_t)buf;
	c->data_len = 4096;
	c->cdw10 = 0x01;	/* CNS 01h: Identify Controller */
}

void
tim_nvme_identify_ns(struct nvme_admin_cmd *c, uint32_t nsid, void *buf)
{
	memset(c, 0, sizeof(*c));
	c->opcode = 0x06;
	c->nsid = nsid;
	c->addr = (uint64_t)(uintptr_t)buf;
	c->data_len = 4096;
	c->cdw10 = 0x00;	/* CNS 00h: Identify Namespace */
}

void
tim_nvme_sanitize(struct nvme_admin_cmd *c, int sanact, int ause, int ndas,
    unsigned owpass, uint32_t pattern)
{
	memset(c, 0, sizeof(*c));
	c->opcode = 0x84;
	/* CDW10: SANACT 2:0, AUSE 3, OWPASS 7:4, OIPBP 8, NDAS 9. */
	c->cdw10 = ((uint32_t)sanact & 0x7) | (ause ? 1u << 3 : 0) |
	    ((owpass & 0xf) << 4) | (ndas ? 1u << 9 : 0);
	c->cdw11 = pattern;	/* OVRPAT, used by the overwrite action */
}

void
tim_nvme_format(struct nvme_admin_cmd *c, uint32_t nsid, unsigned lbaf, int ses)
{
	memset(c, 0, sizeof(*c));
	c->opcode = 0x80;
	c->nsid = nsid;
	/* CDW10: LBAFL 3:0, MSET 4, PI 7:5, PIL 8, SES 11:9, LBAFU 13:12. */
	c->cdw10 = (lbaf & 0xf) | (((uint32_t)ses & 0x7) << 9) |
	    (((lbaf >> 4) & 0x3) << 12);
	c->timeout_ms = 4u * 3600 * 1000;	/* a user-data erase may take hours */
}

void
tim_nvme_sanitize_log(struct nvme_admin_cmd *c, void *buf)
{
	memset(c, 0, sizeof(*c));
	c->opcode = 0x02;
	c->nsid = 0xffffffffu;
	c->addr = (uint64_t)(uintptr_t)buf;
	c->data_len = 512;
	/* CDW10: LID 7:0 = 81h, NUMDL 31:16 = dwords - 1 (0-based). */
	c->cdw10 = 0x81 | ((512u / 4 - 1) << 16);
}

static void
ascii_field(char *out, size_t n, const unsigned char *in, size_t len, int swap)
{
	size_t i, k = 0;

	for (i = 0; i < len && k + 1 < n; i++) {
		unsigned char ch = in[swap ? (i ^ 1) : i];

		out[k++] = ch >= 0x20 && ch < 0x7f ? (char)ch : '?';
	}
	out[k] = '\0';
	while (k > 0 && out[k - 1] == ' ')
		out[--k] = '\0';
	while (out[0] == ' ')
		memmove(out, out + 1, strlen(out));
}

void
tim_nvme_parse_ctrl(const unsigned char *id, struct tim_sanitize_caps *c)
{
	uint32_t sanicap = (uint32_t)id[328] | (uint32_t)id[329] << 8 |
	    (uint32_t)id[330] << 16 | (uint32_t)id[331] << 24;
	unsigned oacs = (unsigned)id[256] | (unsigned)id[257] << 8;

	c->kind = TIM_SAN_NVME;
	ascii_field(c->serial, sizeof(c->serial), id + 4, 20, 0);
	ascii_field(c->model, sizeof(c->model), id + 24, 40, 0);
	ascii_field(c->firmware, sizeof(c->firmware), id + 64, 8, 0);
	c->crypto = !!(sanicap & 0x1);
	c->block = !!(sanicap & 0x2);
	c->overwrite = !!(sanicap & 0x4);
	c->format = !!(oacs & 0x2);
	c->format_crypto = c->format && (id[524] & 0x4);
	snprintf(c->hpa_dco, sizeof(c->hpa_dco), "not applicable (NVMe)");
}

/* ------------------------------------------------------------- ATA */

static void
ata_lba(unsigned char cdb[TIM_ATA_CDB_LEN], uint64_t lba)
{
	/* SAT: low bytes at 8/10/12, the "previous" (HOB) bytes at 7/9/11. */
	cdb[8] = (unsigned char)lba;
	cdb[10] = (unsigned char)(lba >> 8);
	cdb[12] = (unsigned char)(lba >> 16);
	cdb[7] = (unsigned char)(lba >> 24);
	cdb[9] = (unsigned char)(lba >> 32);
	cdb[11] = (unsigned char)(lba >> 40);
}

void
tim_ata_identify(unsigned char cdb[TIM_ATA_CDB_LEN])
{
	memset(cdb, 0, TIM_ATA_CDB_LEN);
	cdb[0] = 0x85;			/* ATA PASS-THROUGH (16) */
	cdb[1] = 4 << 1;		/* PROTOCOL 4: PIO data-in */
	cdb[2] = 0x0e;			/* T_DIR in, BYTE_BLOCK, T_LENGTH in COUNT */
	cdb[6] = 1;			/* one block */
	cdb[14] = 0xec;			/* IDENTIFY DEVICE */
}

void
tim_ata_sanitize(unsigned char cdb[TIM_ATA_CDB_LEN], unsigned feature,
    uint32_t pattern, unsigned count)
{
	uint64_t lba = 0;

	memset(cdb, 0, TIM_ATA_CDB_LEN);
	switch (feature) {
	case TIM_ATA_SAN_CRYPTO: lba = 0x43727970; break;		/* "Cryp" */
	case TIM_ATA_SAN_BLOCK: lba = 0x426b4572; break;		/* "BkEr" */
	case TIM_ATA_SAN_FREEZE: lba = 0x46724c6b; break;		/* "FrLk" */
	case TIM_ATA_SAN_OVERWRITE: lba = (uint64_t)0x4f57 << 32 | pattern; break;
	}
	cdb[0] = 0x85;
	cdb[1] = 3 << 1 | 1;		/* PROTOCOL 3: non-data; EXTEND */
	cdb[2] = feature == TIM_ATA_SAN_STATUS ? 0x20 : 0;	/* CK_COND */
	cdb[3] = (unsigned char)(feature >> 8);
	cdb[4] = (unsigned char)feature;
	cdb[5] = (unsigned char)(count >> 8);
	cdb[6] = (unsigned char)count;
	ata_lba(cdb, lba);
	cdb[13] = 0x40;			/* DEVICE: LBA */
	cdb[14] = 0xb4;			/* SANITIZE DEVICE */
}

static void
ata_pio_out(unsigned char cdb[TIM_ATA_CDB_LEN], unsigned char cmd)
{
	memset(cdb, 0, TIM_ATA_CDB_LEN);
	cdb[0] = 0x85;
	cdb[1] = 5 << 1;		/* PROTOCOL 5: PIO data-out */
	cdb[2] = 0x06;			/* T_DIR out, BYTE_BLOCK, T_LENGTH in COUNT */
	cdb[6] = 1;
	cdb[14] = cmd;
}

void
tim_ata_security_set_password(unsigned char cdb[TIM_ATA_CDB_LEN])
{
	ata_pio_out(cdb, 0xf1);
}

void
tim_ata_security_erase_prepare(unsigned char cdb[TIM_ATA_CDB_LEN])
{
	memset(cdb, 0, TIM_ATA_CDB_LEN);
	cdb[0] = 0x85;
	cdb[1] = 3 << 1;		/* non-data */
	cdb[14] = 0xf3;
}

void
tim_ata_security_erase_unit(unsigned char cdb[TIM_ATA_CDB_LEN])
{
	ata_pio_out(cdb, 0xf4);
}

void
tim_ata_security_block(unsigned char block[512], const char *password,
    int enhanced)
{
	size_t n = strlen(password);

	memset(block, 0, 512);
	/* Word 0: bit 0 identifier (0 user), bit 1 enhanced erase. */
	block[0] = enhanced ? 0x02 : 0x00;
	memcpy(block + 2, password, n > 32 ? 32 : n);
}

static unsigned
word(const unsigned char *id, unsigned w)
{
	return (unsigned)id[2 * w] | (unsigned)id[2 * w + 1] << 8;
}

void
tim_ata_parse_identify(const unsigned char *id, struct tim_sanitize_caps *c)
{
	unsigned w59 = word(id, 59), w82 = word(id, 82), w83 = word(id, 83);
	unsigned w85 = word(id, 85), w128 = word(id, 128), w89 = word(id, 89);

	c->kind = TIM_SAN_ATA;
	ascii_field(c->serial, sizeof(c->serial), id + 20, 20, 1);
	ascii_field(c->firmware, sizeof(c->firmware), id + 46, 8, 1);
	ascii_field(c->model, sizeof(c->model), id + 54, 40, 1);
	if (w59 & (1u << 12)) {
		c->crypto = !!(w59 & (1u << 13));
		c->overwrite = !!(w59 & (1u << 14));
		c->block = !!(w59 & (1u << 15));
	} else
		c->crypto = c->overwrite = c->block = 0;
	c->security = (w82 & 0x2) && (w128 & 0x1);
	c->enabled = !!(w128 & 0x2);
	c->locked = !!(w128 & 0x4);
	c->frozen = !!(w128 & 0x8);
	c->enhanced = !!(w128 & 0x20);
	c->erase_minutes = (w89 & 0xff) * 2;
	c->format = c->format_crypto = 0;
	snprintf(c->hpa_dco, sizeof(c->hpa_dco),
	    "HPA %s%s, DCO %s (hidden size not measured)",
	    (w82 & (1u << 10)) ? "supported" : "not supported",
	    (w82 & (1u << 10)) ? ((w85 & (1u << 10)) ? " and enabled" : ", not enabled") : "",
	    (w83 & (1u << 11)) ? "supported" : "not supported");
}

void
tim_ata_read_native_max(unsigned char cdb[TIM_ATA_CDB_LEN])
{
	memset(cdb, 0, TIM_ATA_CDB_LEN);
	cdb[0] = 0x85;
	cdb[1] = 3 << 1 | 1;		/* non-data, EXTEND */
	cdb[2] = 0x20;			/* CK_COND: the address comes back */
	cdb[13] = 0x40;
	cdb[14] = 0x27;			/* READ NATIVE MAX ADDRESS EXT */
}

void
tim_ata_dco_identify(unsigned char cdb[TIM_ATA_CDB_LEN])
{
	memset(cdb, 0, TIM_ATA_CDB_LEN);
	cdb[0] = 0x85;
	cdb[1] = 4 << 1;		/* PIO data-in */
	cdb[2] = 0x0e;
	cdb[4] = 0xc2;			/* DEVICE CONFIGURATION IDENTIFY */
	cdb[6] = 1;
	cdb[14] = 0xb1;			/* DEVICE CONFIGURATION */
}

int
tim_ata_return_lba(const unsigned char *sense, size_t len, uint64_t *lba)
{
	size_t i = 8;

	if (len < 8 || (sense[0] & 0x7f) != 0x72)
		return -1;
	while (i + 14 <= len) {
		const unsigned char *d = sense + i;

		if (d[0] == 0x09) {
			*lba = (uint64_t)d[7] | (uint64_t)d[9] << 8 | (uint64_t)d[11] << 16 |
			    (uint64_t)d[6] << 24 | (uint64_t)d[8] << 32 | (uint64_t)d[10] << 40;
			return 0;
		}
		i += 2 + (size_t)d[1];
	}
	return -1;
}

uint64_t
tim_ata_identify_sectors(const unsigned char *id)
{
	return (uint64_t)word(id, 100) | (uint64_t)word(id, 101) << 16 |
	    (uint64_t)word(id, 102) << 32 | (uint64_t)word(id, 103) << 48;
}

uint64_t
tim_ata_dco_max_lba(const unsigned char *dco)
{
	return (uint64_t)word(dco, 3) | (uint64_t)word(dco, 4) << 16 |
	    (uint64_t)word(dco, 5) << 32 | (uint64_t)word(dco, 6) << 48;
}

void
tim_ata_hidden_text(char *out, size_t n, uint64_t sectors, uint64_t native_max,
    uint64_t dco_max)
{
	uint64_t hpa = native_max + 1 > sectors ? native_max + 1 - sectors : 0;
	uint64_t dco = dco_max > native_max ? dco_max - native_max : 0;
	size_t len;

	if (native_max == 0) {
		snprintf(out, n, "unknown (native max address not readable)");
		return;
	}
	len = (size_t)snprintf(out, n, hpa ? "HPA hides %llu sectors" : "no HPA",
	    (unsigned long long)hpa);
	if (len >= n)
		return;
	if (dco_max == 0)
		snprintf(out + len, n - len, ", DCO unknown");
	else
		snprintf(out + len, n - len, dco ? ", DCO hides %llu sectors" : ", no DCO",
		    (unsigned long long)dco);
}

/* ------------------------------------------------------------ SCSI */

void
tim_scsi_sanitize(unsigned char cdb[10], unsigned action, int ause,
    unsigned param_len)
{
	memset(cdb, 0, 10);
	cdb[0] = 0x48;
	cdb[1] = 0x80 | (ause ? 0x20 : 0) | (action & 0x1f);	/* IMMED */
	cdb[7] = (unsigned char)(param_len >> 8);
	cdb[8] = (unsigned char)param_len;
}

size_t
tim_scsi_sanitize_overwrite_params(unsigned char *out, size_t n,
    unsigned passes, int invert, unsigned char pattern)
{
	if (n < 5)
		return 0;
	memset(out, 0, 5);
	out[0] = (unsigned char)((invert ? 0x80 : 0) | (passes & 0x1f));
	out[2] = 0;
	out[3] = 1;			/* INITIALIZATION PATTERN LENGTH */
	out[4] = pattern;
	return 5;
}

void
tim_scsi_request_sense(unsigned char cdb[6], unsigned char len)
{
	memset(cdb, 0, 6);
	cdb[0] = 0x03;
	cdb[4] = len;
}

/* ----------------------------------------------------------- SG_IO */

struct sg {
	unsigned char sense[64];
	int sense_len;
};

/* One SCSI command; 0 GOOD, 1 CHECK CONDITION (sense kept), -1 errno. */
static int
sg_cmd(int fd, const unsigned char *cdb, size_t cdblen, int dir, void *data,
    size_t len, unsigned timeout_ms, struct sg *s)
{
	struct sg_io_hdr h;

	memset(&h, 0, sizeof(h));
	memset(s, 0, sizeof(*s));
	h.interface_id = 'S';
	h.dxfer_direction = dir;
	h.cmd_len = (unsigned char)cdblen;
	h.cmdp = (unsigned char *)cdb;
	h.dxferp = data;
	h.dxfer_len = (unsigned)len;
	h.sbp = s->sense;
	h.mx_sb_len = sizeof(s->sense);
	h.timeout = timeout_ms;
	if (ioctl(fd, SG_IO, &h) < 0)
		return -1;
	s->sense_len = h.sb_len_wr;
	if (h.host_status || (h.driver_status & ~0x08)) {
		errno = EIO;
		return -1;
	}
	return h.status == 0 ? 0 : 1;
}

/* The ATA Status Return descriptor (09h) in descriptor-format sense. */
static const unsigned char *
ata_return(const struct sg *s)
{
	int i = 8;

	if (s->sense_len < 8 || (s->sense[0] & 0x7f) != 0x72)
		return NULL;
	while (i + 14 <= s->sense_len) {
		if (s->sense[i] == 0x09)
			return s->sense + i;
		i += 2 + s->sense[i + 1];
	}
	return NULL;
}

static unsigned
sense_key(const struct sg *s)
{
	if (s->sense_len < 3)
		return 0;
	if ((s->sense[0] & 0x7f) >= 0x72)
		return s->sense[1] & 0xf;
	return s->sense[2] & 0xf;
}

/*
 * Why an ATA command in ATA PASS-THROUGH did not succeed: the drive's own
 * status and error registers when the SAT layer returned them (an abort is
 * ERR in status, ABRT in error), else the sense key or the system error.
 */
static int
ata_failed(struct tim_err *err, const char *command, int r, const struct sg *s)
{
	const unsigned char *ret = r > 0 ? ata_return(s) : NULL;
	int status = -1, error = 0;

	if (ret) {
		status = ret[13];
		error = ret[3];
	} else if (r > 0 && s->sense_len >= 12 && (s->sense[0] & 0x7f) == 0x70) {
		/*
		 * Fixed format (SAT-4 12.2.2.6): ERROR and STATUS are the first
		 * bytes of the INFORMATION field (3, 4). Linux before 6.10 wrote
		 * them at 8 and 9 ("ata: libata-scsi: Fix offsets for the fixed
		 * format sense data"); a failed command has ERR (bit 0) in STATUS.
		 */
		if (s->sense[4] & 0x01) {
			error = s->sense[3];
			status = s->sense[4];
		} else if (s->sense[9] & 0x01) {
			error = s->sense[8];
			status = s->sense[9];
		}
	}
	if (status >= 0)
		return tim_errorf(err, 0, _("the drive aborted %s (ATA status 0x%02x, error 0x%02x%s)"),
		    command, (unsigned)status, (unsigned)error, error & 0x04 ? ", ABRT" : "");
	if (r > 0)
		return tim_errorf(err, 0, _("the drive did not complete %s (sense key %u)"),
		    command, sense_key(s));
	return tim_errorf(err, errno, _("%s did not reach the drive"), command);
}

/* ----------------------------------------------------------- probe */

static long long
sysnum(const char *disk, const char *attr)
{
	char path[512], v[64];
	ssize_t n;
	int fd;

	snprintf(path, sizeof(path), "/sys/class/block/%s/%s", disk, attr);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return -1;
	n = read(fd, v, sizeof(v) - 1);
	close(fd);
	if (n <= 0)
		return -1;
	v[n] = '\0';
	return strtoll(v, NULL, 10);
}

/*
 * Sectors hidden from the host: the native max address against what
 * IDENTIFY offers (HPA), the DCO maximum against the native one. Only
 * 48-bit drives are asked; a drive that aborts leaves the IDENTIFY text.
 */
static void
ata_hidden(int fd, const unsigned char *id, struct tim_sanitize_caps *c)
{
	unsigned char cdb[TIM_ATA_CDB_LEN], dco[512];
	uint64_t native = 0, dmax = 0;
	struct sg s;

	if (!(word(id, 83) & (1u << 10)))
		return;
	tim_ata_read_native_max(cdb);
	if (sg_cmd(fd, cdb, sizeof(cdb), SG_DXFER_NONE, NULL, 0, 10000, &s) < 0 ||
	    tim_ata_return_lba(s.sense, (size_t)s.sense_len, &native) < 0)
		return;
	if (word(id, 83) & (1u << 11)) {
		tim_ata_dco_identify(cdb);
		memset(dco, 0, sizeof(dco));
		if (sg_cmd(fd, cdb, sizeof(cdb), SG_DXFER_FROM_DEV, dco, sizeof(dco), 10000, &s) == 0)
			dmax = tim_ata_dco_max_lba(dco);
	}
	tim_ata_hidden_text(c->hpa_dco, sizeof(c->hpa_dco), tim_ata_identify_sectors(id),
	    native, dmax);
}

void
tim_sanitize_probe(const struct tim_blkdev *d, struct tim_sanitize_caps *c)
{
	unsigned char *id = NULL, cdb[TIM_ATA_CDB_LEN];
	struct nvme_admin_cmd nc;
	struct sg s;
	int fd, r;

	memset(c, 0, sizeof(*c));
	c->kind = TIM_SAN_NONE;
	c->crypto = c->block = c->overwrite = c->format = c->format_crypto = -1;
	c->security = c->enhanced = c->frozen = c->locked = c->enabled = -1;
	c->dlfeat = -1;
	c->secdiscard = sysnum(d->disk, "queue/discard_max_bytes") > 0 ? -1 : 0;
	snprintf(c->hpa_dco, sizeof(c->hpa_dco), "unknown");
	if (strcmp(d->transport, "nvme") != 0 && strcmp(d->transport, "ata") != 0 &&
	    strcmp(d->transport, "scsi") != 0 && strcmp(d->transport, "usb") != 0) {
		snprintf(c->why, sizeof(c->why),
		    _("a %s device has no NVMe, ATA or SCSI command set to ask"), d->transport);
		return;
	}
	fd = open(d->node, O_RDONLY | O_NONBLOCK | O_CLOEXEC);
	if (fd < 0 || posix_memalign((void **)&id, 4096, 4096) != 0) {
		snprintf(c->why, sizeof(c->why), _("cannot open the device: %s"), strerror(errno));
		if (fd >= 0)
			close(fd);
		return;
	}
	memset(id, 0, 4096);
	if (strcmp(d->transport, "nvme") == 0) {
		tim_nvme_identify_ctrl(&nc, id);
		if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &nc) != 0) {
			snprintf(c->why, sizeof(c->why), _("NVMe Identify failed: %s (it needs root)"),
			    strerror(errno));
			goto out;
		}
		tim_nvme_parse_ctrl(id, c);
		r = ioctl(fd, NVME_IOCTL_ID);
		c->nsid = r > 0 ? (uint32_t)r : 1;
		memset(id, 0, 4096);
		tim_nvme_identify_ns(&nc, c->nsid, id);
		if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &nc) == 0) {
			c->lbaf = (id[26] & 0xf) | ((id[26] >> 5) & 0x3) << 4;
			c->dlfeat = id[33] & 0x7;
			if (c->dlfeat > 2)
				c->dlfeat = 0;
		}
		goto out;
	}
	tim_ata_identify(cdb);
	r = sg_cmd(fd, cdb, sizeof(cdb), SG_DXFER_FROM_DEV, id, 512, 10000, &s);
	if (r == 0) {
		tim_ata_parse_identify(id, c);
		ata_hidden(fd, id, c);
		goto out;
	}
	if (r < 0) {
		snprintf(c->why, sizeof(c->why), _("SG_IO failed: %s (it needs root)"), strerror(errno));
		goto out;
	}
	/* It answers SCSI but not ATA PASS-THROUGH: a SCSI or SAS disk, or a bridge. */
	c->kind = TIM_SAN_SCSI;
	snprintf(c->why, sizeof(c->why),
	    _("SCSI device: SANITIZE support shows only when tried (USB bridges usually refuse)"));
out:
	free(id);
	close(fd);
}

/* -------------------------------------------------------- choosing */

static const char *const hw_names[] = { "auto", "crypto", "block", "overwrite",
    "security-erase", "secdiscard" };

int
tim_hw_kind_parse(const char *s, int *kind, struct tim_err *err)
{
	int i;

	for (i = 0; i < 6; i++)
		if (strcmp(s, hw_names[i]) == 0) {
			*kind = i;
			return 0;
		}
	return tim_invalidf(err, _("invalid hardware erase '%s': use auto, crypto, block, overwrite, security-erase or secdiscard"), s);
}

const char *
tim_hw_kind_name(int kind)
{
	return kind >= 0 && kind < 6 ? hw_names[kind] : "?";
}

/* What each kind is called in a sentence (hw_names are the option's words). */
static const char *
hw_what(int kind)
{
	static const char *const what[] = { N_("a hardware erase"), N_("crypto erase"),
	    N_("block erase"), N_("sanitize overwrite"), N_("ATA security erase"),
	    N_("secure discard") };

	return kind >= 0 && kind < 6 ? _(what[kind]) : "?";
}

void
tim_sanitize_identity(struct tim_blkdev *d, const struct tim_sanitize_caps *c)
{
	if (c->model[0])
		snprintf(d->model, sizeof(d->model), "%s", c->model);
	if (c->serial[0])
		snprintf(d->serial, sizeof(d->serial), "%s", c->serial);
	if (c->firmware[0])
		snprintf(d->firmware, sizeof(d->firmware), "%s", c->firmware);
}

static int
offers(const struct tim_sanitize_caps *c, int kind)
{
	switch (kind) {
	case TIM_HW_CRYPTO:
		return c->crypto == 1 || (c->kind == TIM_SAN_NVME && c->format_crypto == 1) ||
		    (c->kind == TIM_SAN_SCSI);
	case TIM_HW_BLOCK:
		return c->block == 1 || (c->kind == TIM_SAN_NVME && c->format == 1) ||
		    (c->kind == TIM_SAN_SCSI);
	case TIM_HW_OVERWRITE:
		return c->overwrite == 1 || c->kind == TIM_SAN_SCSI;
	case TIM_HW_SECURITY:
		return c->kind == TIM_SAN_ATA && c->security == 1;
	case TIM_HW_SECDISCARD:
		return c->secdiscard != 0;
	}
	return 0;
}

int
tim_sanitize_choose(const struct tim_blkdev *d, const struct tim_sanitize_caps *c,
    int kind, int *chosen, struct tim_err *err)
{
	static const int order[] = { TIM_HW_CRYPTO, TIM_HW_BLOCK, TIM_HW_OVERWRITE,
	    TIM_HW_SECURITY };
	size_t i;

	if (kind == TIM_HW_AUTO) {
		for (i = 0; i < sizeof(order) / sizeof(order[0]); i++)
			if (c->kind != TIM_SAN_NONE && offers(c, order[i])) {
				*chosen = order[i];
				return 0;
			}
		if (c->kind == TIM_SAN_NONE)
			return tim_failf(err, _("'%s' offers no hardware erase: %s; use an overwrite method instead (or --hardware=secdiscard to try a secure discard)"),
			    d->path, c->why);
		return tim_failf(err, _("'%s' offers no sanitize or security erase%s%s; use an overwrite method instead"),
		    d->path, c->why[0] ? ": " : "", c->why);
	}
	if (!offers(c, kind))
		return tim_failf(err, _("'%s' does not offer %s (--hardware=%s)%s%s"), d->path,
		    hw_what(kind), tim_hw_kind_name(kind), c->why[0] ? ": " : "", c->why);
	if (kind == TIM_HW_SECURITY && c->frozen == 1)
		return tim_failf(err, _("'%s' is security-frozen by the firmware: suspend and resume the machine (or re-plug the drive) and try again"), d->path);
	if (kind == TIM_HW_SECURITY && (c->enabled == 1 || c->locked == 1))
		return tim_failf(err, _("'%s' already has an ATA password set; tim-wipe does not guess passwords"), d->path);
	*chosen = kind;
	return 0;
}

/* ------------------------------------------------------------- running */

static void
nap(void)
{
	struct timespec ts = { 1, 0 };

	nanosleep(&ts, NULL);
}

/*
 * The NVMe command for action: a Sanitize action (sanact), or 0 and Format
 * NVM with secure erase setting ses. One place, for the run and the record.
 */
static void
nvme_plan(const struct tim_sanitize_caps *c, int action, int *sanact, int *ses)
{
	*sanact = 0;
	*ses = action == TIM_HW_CRYPTO ? TIM_NVME_SES_CRYPTO : TIM_NVME_SES_USER;
	if (action == TIM_HW_CRYPTO && c->crypto == 1)
		*sanact = TIM_NVME_SANACT_CRYPTO;
	else if (action == TIM_HW_BLOCK && c->block == 1)
		*sanact = TIM_NVME_SANACT_BLOCK;
	else if (action == TIM_HW_OVERWRITE && c->overwrite == 1)
		*sanact = TIM_NVME_SANACT_OVERWRITE;
}

void
tim_hw_command_detail(const struct tim_sanitize_caps *c, int action, char *out,
    size_t n)
{
	static const char *const sesname[] = { "no secure erase", "user data erase",
	    "cryptographic erase" };
	int sanact, ses;

	if (c->kind != TIM_SAN_NVME || action == TIM_HW_SECDISCARD) {
		snprintf(out, n, "%s", tim_hw_command(c, action));
		return;
	}
	nvme_plan(c, action, &sanact, &ses);
	if (sanact)
		snprintf(out, n, "Sanitize (84h), SANACT %d (%s), NSID all", sanact,
		    tim_hw_technique(action));
	else
		snprintf(out, n, "Format NVM (80h), SES %d (%s), LBAF %u, NSID %u", ses,
		    sesname[ses], c->lbaf, (unsigned)c->nsid);
}

static int
run_nvme(int fd, const struct tim_sanitize_caps *c, int action,
    tim_sanitize_progress_fn *progress, void *ctx, struct tim_err *err)
{
	unsigned char *log = NULL;
	struct nvme_admin_cmd nc;
	int sanact, ses, r = -1, i;

	nvme_plan(c, action, &sanact, &ses);
	if (sanact == 0) {
		/* No Sanitize for it, but Format NVM with a secure erase setting. */
		tim_nvme_format(&nc, c->nsid, c->lbaf, ses);
		if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &nc) != 0)
			return tim_errorf(err, errno < 0 ? 0 : errno, _("NVMe Format NVM failed"));
		if (progress)
			progress(ctx, 1000);
		return 0;
	}
	tim_nvme_sanitize(&nc, sanact, 0, 0, 1, 0);
	if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &nc) != 0)
		return tim_errorf(err, errno, _("NVMe Sanitize was refused"));
	if (posix_memalign((void **)&log, 4096, 4096) != 0)
		return tim_errorf(err, ENOMEM, _("out of memory"));
	for (i = 0;; i++) {
		unsigned sstat, sprog;

		memset(log, 0, 512);
		tim_nvme_sanitize_log(&nc, log);
		if (ioctl(fd, NVME_IOCTL_ADMIN_CMD, &nc) != 0) {
			tim_errorf(err, errno, _("cannot read the NVMe sanitize status"));
			break;
		}
		sprog = (unsigned)log[0] | (unsigned)log[1] << 8;
		sstat = log[2] & 0x7;
		if (sstat == 1 || sstat == 4) {
			r = 0;
			break;
		}
		if (sstat == 3) {
			tim_errorf(err, 0, _("the device reports that the sanitize failed"));
			break;
		}
		if (sstat == 0 && i > 10) {
			tim_errorf(err, 0, _("the device never started the sanitize"));
			break;
		}
		if (progress && sstat == 2)
			progress(ctx, (unsigned)((uint64_t)sprog * 1000 / 65536));
		nap();
	}
	free(log);
	return r;
}

static int
run_ata(int fd, const struct tim_sanitize_caps *c, int action,
    tim_sanitize_progress_fn *progress, void *ctx, struct tim_err *err)
{
	unsigned char cdb[TIM_ATA_CDB_LEN], block[512];
	const unsigned char *ret;
	struct sg s;
	unsigned feature = 0;
	int r;

	if (action == TIM_HW_SECURITY) {
		unsigned minutes = c->erase_minutes ? c->erase_minutes * 2 + 30 : 12 * 60;
		const char *pw = "tim-wipe";

		tim_ata_security_block(block, pw, c->enhanced == 1);
		block[0] = 0;	/* SET PASSWORD: user password, high security */
		tim_ata_security_set_password(cdb);
		if ((r = sg_cmd(fd, cdb, sizeof(cdb), SG_DXFER_TO_DEV, block, 512, 30000, &s)) != 0)
			return ata_failed(err, "SECURITY SET PASSWORD", r, &s);
		tim_ata_security_erase_prepare(cdb);
		r = sg_cmd(fd, cdb, sizeof(cdb), SG_DXFER_NONE, NULL, 0, 30000, &s);
		if (r == 0) {
			tim_ata_security_block(block, pw, c->enhanced == 1);
			tim_ata_security_erase_unit(cdb);
			r = sg_cmd(fd, cdb, sizeof(cdb), SG_DXFER_TO_DEV, block, 512,
			    minutes * 60 * 1000, &s);
		}
		if (r != 0) {
			char why[sizeof(err->msg)];

			ata_failed(err, "SECURITY ERASE UNIT", r, &s);
			snprintf(why, sizeof(why), "%s", err->msg);
			return tim_errorf(err, 0, _("%s; the drive may still have the user password 'tim-wipe' (hdparm --user-master u --security-disable tim-wipe)"), why);
		}
		if (progress)
			progress(ctx, 1000);
		return 0;
	}
	switch (action) {
	case TIM_HW_CRYPTO: feature = TIM_ATA_SAN_CRYPTO; break;
	case TIM_HW_BLOCK: feature = TIM_ATA_SAN_BLOCK; break;
	case TIM_HW_OVERWRITE: feature = TIM_ATA_SAN_OVERWRITE; break;
	}
	tim_ata_sanitize(cdb, feature, 0, feature == TIM_ATA_SAN_OVERWRITE ? 1 : 0);
	if ((r = sg_cmd(fd, cdb, sizeof(cdb), SG_DXFER_NONE, NULL, 0, 60000, &s)) != 0)
		return ata_failed(err, "SANITIZE DEVICE", r, &s);
	for (;;) {
		unsigned count, prog;

		nap();
		tim_ata_sanitize(cdb, TIM_ATA_SAN_STATUS, 0, 0);
		r = sg_cmd(fd, cdb, sizeof(cdb), SG_DXFER_NONE, NULL, 0, 30000, &s);
		if (r < 0 || (ret = ata_return(&s)) == NULL)
			return tim_errorf(err, errno, _("cannot read the sanitize status"));
		count = (unsigned)ret[4] << 8 | ret[5];
		prog = (unsigned)ret[9] << 8 | ret[7];
		if (ret[13] & 0x01)
			return tim_errorf(err, 0, _("the drive reports that the sanitize failed"));
		if (count & 0x8000)
			break;
		if (!(count & 0x4000))
			return tim_errorf(err, 0, _("the drive reports no sanitize in progress and none completed"));
		if (progress)
			progress(ctx, (unsigned)((uint64_t)prog * 1000 / 65536));
	}
	if (progress)
		progress(ctx, 1000);
	return 0;
}

static int
run_scsi(int fd, int action, tim_sanitize_progress_fn *progress, void *ctx,
    struct tim_err *err)
{
	unsigned char cdb[10], rs[6], params[8], sense[32];
	unsigned sa = action == TIM_HW_CRYPTO ? TIM_SCSI_SAN_CRYPTO :
	    action == TIM_HW_BLOCK ? TIM_SCSI_SAN_BLOCK : TIM_SCSI_SAN_OVERWRITE;
	size_t plen = 0;
	struct sg s;
	int r;

	if (sa == TIM_SCSI_SAN_OVERWRITE)
		plen = tim_scsi_sanitize_overwrite_params(params, sizeof(params), 1, 0, 0);
	tim_scsi_sanitize(cdb, sa, 0, (unsigned)plen);
	r = sg_cmd(fd, cdb, sizeof(cdb), plen ? SG_DXFER_TO_DEV : SG_DXFER_NONE,
	    plen ? params : NULL, plen, 60000, &s);
	if (r != 0)
		return tim_errorf(err, 0, _("the device refused SANITIZE (sense key %u)"), sense_key(&s));
	for (;;) {
		nap();
		tim_scsi_request_sense(rs, sizeof(sense));
		memset(sense, 0, sizeof(sense));
		if (sg_cmd(fd, rs, sizeof(rs), SG_DXFER_FROM_DEV, sense, sizeof(sense), 30000, &s) < 0)
			return tim_errorf(err, errno, _("cannot read the sanitize progress"));
		/* NOT READY, 04h/1Bh: sanitize in progress; anything else: done. */
		if ((sense[0] & 0x7f) == 0x70 && (sense[2] & 0xf) == 2 &&
		    sense[12] == 0x04 && sense[13] == 0x1b) {
			if (progress && (sense[15] & 0x80))
				progress(ctx, (unsigned)(((unsigned)sense[16] << 8 | sense[17]) * 1000u / 65536));
			continue;
		}
		if ((sense[0] & 0x7f) == 0x70 && (sense[2] & 0xf) != 0)
			return tim_errorf(err, 0, _("the device reports that the sanitize failed (sense key %u, %02x/%02x)"),
			    sense[2] & 0xfu, sense[12], sense[13]);
		break;
	}
	if (progress)
		progress(ctx, 1000);
	return 0;
}

int
tim_sanitize_run(int fd, const struct tim_blkdev *d,
    const struct tim_sanitize_caps *c, int action,
    tim_sanitize_progress_fn *progress, void *ctx, struct tim_err *err)
{
	uint64_t range[2];

	if (action == TIM_HW_SECDISCARD) {
		range[0] = 0;
		range[1] = d->size;
		if (ioctl(fd, BLKSECDISCARD, range) != 0) {
			if (errno == EOPNOTSUPP || errno == ENOTTY || errno == EINVAL)
				return tim_failf(err, _("'%s' does not support secure discard (BLKSECDISCARD: %s); use an overwrite method instead"),
				    d->path, strerror(errno));
			return tim_errorf(err, errno, _("secure discard of '%s' failed"), d->path);
		}
		if (progress)
			progress(ctx, 1000);
		return 0;
	}
	switch (c->kind) {
	case TIM_SAN_NVME:
		return run_nvme(fd, c, action, progress, ctx, err);
	case TIM_SAN_ATA:
		return run_ata(fd, c, action, progress, ctx, err);
	case TIM_SAN_SCSI:
		return run_scsi(fd, action, progress, ctx, err);
	}
	return tim_failf(err, _("'%s' offers no hardware erase: %s"), d->path, c->why);
}

const char *
tim_hw_technique(int action)
{
	switch (action) {
	case TIM_HW_CRYPTO: return "crypto erase";
	case TIM_HW_BLOCK: return "block erase";
	case TIM_HW_OVERWRITE: return "overwrite (device)";
	case TIM_HW_SECURITY: return "security erase";
	}
	return "secure discard";
}

const char *
tim_hw_command(const struct tim_sanitize_caps *c, int action)
{
	if (action == TIM_HW_SECDISCARD)
		return "BLKSECDISCARD";
	switch (c->kind) {
	case TIM_SAN_NVME:
		if ((action == TIM_HW_CRYPTO && c->crypto == 1) ||
		    (action == TIM_HW_BLOCK && c->block == 1) || action == TIM_HW_OVERWRITE)
			return "NVMe Sanitize";
		return "NVMe Format NVM";
	case TIM_SAN_ATA:
		return action == TIM_HW_SECURITY ? "ATA SECURITY ERASE UNIT" : "ATA SANITIZE DEVICE";
	case TIM_SAN_SCSI:
		return "SCSI SANITIZE";
	}
	return "?";
}
