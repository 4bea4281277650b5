/*
 * Hardware erase commands against the byte layouts of the standards: SAT-4
 * ATA PASS-THROUGH (16) with ACS-4 IDENTIFY DEVICE, SANITIZE DEVICE and
 * SECURITY commands; SBC-4 SANITIZE; NVMe Base 2.0 Identify, Sanitize,
 * Format NVM and the Sanitize Status log page.
 */
#include <stdint.h>
#include <string.h>

#include "blkdev.h"
#include "err.h"
#include "sanitize.h"
#include "tap.h"

static int
same(const unsigned char *got, const unsigned char *want, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (got[i] != want[i]) {
			printf("#   byte %zu: got %02x, want %02x\n", i, got[i], want[i]);
			return 0;
		}
	return 1;
}

static void
ata(void)
{
	unsigned char cdb[16], block[512];
	static const unsigned char identify[16] = { 0x85, 0x08, 0x0e, 0, 0, 0, 1, 0,
	    0, 0, 0, 0, 0, 0, 0xec, 0 };
	/* LBA 0000_4372_7970h "Cryp": LBA 7:0 at byte 8, 15:8 at 10, 23:16 at 12, 31:24 at 7. */
	static const unsigned char crypto[16] = { 0x85, 0x07, 0x00, 0x00, 0x11, 0, 0,
	    0x43, 0x70, 0x00, 0x79, 0x00, 0x72, 0x40, 0xb4, 0 };
	static const unsigned char blockerase[16] = { 0x85, 0x07, 0x00, 0x00, 0x12, 0, 0,
	    0x42, 0x72, 0x00, 0x45, 0x00, 0x6b, 0x40, 0xb4, 0 };
	/* LBA 47:32 = 4F57h ("OW"), 31:0 the pattern; COUNT bits 3:0 passes. */
	static const unsigned char overwrite[16] = { 0x85, 0x07, 0x00, 0x00, 0x14, 0, 0x01,
	    0xde, 0xef, 0x57, 0xbe, 0x4f, 0xad, 0x40, 0xb4, 0 };
	static const unsigned char status[16] = { 0x85, 0x07, 0x20, 0x00, 0x00, 0, 0x01,
	    0, 0, 0, 0, 0, 0, 0x40, 0xb4, 0 };
	static const unsigned char freeze[16] = { 0x85, 0x07, 0x00, 0x00, 0x20, 0, 0,
	    0x46, 0x6b, 0x00, 0x4c, 0x00, 0x72, 0x40, 0xb4, 0 };
	static const unsigned char setpw[16] = { 0x85, 0x0a, 0x06, 0, 0, 0, 1, 0,
	    0, 0, 0, 0, 0, 0, 0xf1, 0 };
	static const unsigned char prepare[16] = { 0x85, 0x06, 0x00, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0, 0xf3, 0 };
	static const unsigned char erase[16] = { 0x85, 0x0a, 0x06, 0, 0, 0, 1, 0,
	    0, 0, 0, 0, 0, 0, 0xf4, 0 };

	tim_ata_identify(cdb);
	ok(same(cdb, identify, 16), "ATA IDENTIFY DEVICE: PIO data-in, one block, ECh");
	tim_ata_sanitize(cdb, TIM_ATA_SAN_CRYPTO, 0, 0);
	ok(same(cdb, crypto, 16), "SANITIZE CRYPTO SCRAMBLE EXT: feature 0011h, LBA \"Cryp\"");
	tim_ata_sanitize(cdb, TIM_ATA_SAN_BLOCK, 0, 0);
	ok(same(cdb, blockerase, 16), "SANITIZE BLOCK ERASE EXT: feature 0012h, LBA \"BkEr\"");
	tim_ata_sanitize(cdb, TIM_ATA_SAN_OVERWRITE, 0xdeadbeef, 1);
	ok(same(cdb, overwrite, 16), "SANITIZE OVERWRITE EXT: feature 0014h, LBA 4F57h:pattern, 1 pass");
	tim_ata_sanitize(cdb, TIM_ATA_SAN_STATUS, 0, 1);
	ok(same(cdb, status, 16), "SANITIZE STATUS EXT: CK_COND set to get the registers back");
	tim_ata_sanitize(cdb, TIM_ATA_SAN_FREEZE, 0, 0);
	ok(same(cdb, freeze, 16), "SANITIZE FREEZE LOCK EXT: LBA \"FrLk\"");
	tim_ata_security_set_password(cdb);
	ok(same(cdb, setpw, 16), "SECURITY SET PASSWORD: PIO data-out, F1h");
	tim_ata_security_erase_prepare(cdb);
	ok(same(cdb, prepare, 16), "SECURITY ERASE PREPARE: non-data, F3h");
	tim_ata_security_erase_unit(cdb);
	ok(same(cdb, erase, 16), "SECURITY ERASE UNIT: PIO data-out, F4h");
	tim_ata_security_block(block, "tim-wipe", 1);
	ok(block[0] == 0x02 && block[1] == 0 && memcmp(block + 2, "tim-wipe", 8) == 0 &&
	    block[10] == 0 && block[34] == 0, "security block: enhanced bit, user password at byte 2");
	tim_ata_security_block(block, "0123456789abcdef0123456789abcdefTOOLONG", 0);
	ok(block[0] == 0 && block[33] == 'f' && block[34] == 0, "security block: password cut at 32 bytes");
}

static void
hidden(void)
{
	unsigned char cdb[16], id[512], sense[32];
	static const unsigned char nmax[16] = { 0x85, 0x07, 0x20, 0, 0, 0, 0, 0,
	    0, 0, 0, 0, 0, 0x40, 0x27, 0 };
	static const unsigned char dcoid[16] = { 0x85, 0x08, 0x0e, 0, 0xc2, 0, 1, 0,
	    0, 0, 0, 0, 0, 0, 0xb1, 0 };
	uint64_t lba = 0;
	char text[96];

	tim_ata_read_native_max(cdb);
	ok(same(cdb, nmax, 16), "READ NATIVE MAX ADDRESS EXT: non-data, EXTEND, CK_COND, 27h");
	tim_ata_dco_identify(cdb);
	ok(same(cdb, dcoid, 16), "DEVICE CONFIGURATION IDENTIFY: B1h feature C2h, PIO data-in");
	/* Descriptor sense with an ATA Status Return descriptor for LBA 0x0000_1D1C_5970. */
	memset(sense, 0, sizeof(sense));
	sense[0] = 0x72;
	sense[7] = 14;
	sense[8] = 0x09;
	sense[9] = 0x0c;
	sense[10] = 1;			/* EXTEND */
	sense[8 + 7] = 0x70;		/* LBA 7:0 */
	sense[8 + 9] = 0x59;		/* LBA 15:8 */
	sense[8 + 11] = 0x1c;		/* LBA 23:16 */
	sense[8 + 6] = 0x1d;		/* LBA 31:24 */
	ok(tim_ata_return_lba(sense, 22, &lba) == 0 && lba == 0x1d1c5970ULL,
	    "ATA Status Return descriptor: 48-bit LBA from split bytes");
	sense[0] = 0x70;
	ok(tim_ata_return_lba(sense, 22, &lba) < 0, "fixed-format sense has no descriptor");
	memset(id, 0, sizeof(id));
	/* words 100-101: 0x1d1c5970 sectors */
	id[200] = 0x70; id[201] = 0x59; id[202] = 0x1c; id[203] = 0x1d;
	is_int(tim_ata_identify_sectors(id), 0x1d1c5970, "IDENTIFY words 100-103");
	tim_ata_hidden_text(text, sizeof(text), 1000, 999, 999);
	is_str(text, "no HPA, no DCO", "nothing hidden");
	tim_ata_hidden_text(text, sizeof(text), 1000, 1099, 1299);
	is_str(text, "HPA hides 100 sectors, DCO hides 200 sectors", "HPA and DCO both hide sectors");
	tim_ata_hidden_text(text, sizeof(text), 1000, 999, 0);
	is_str(text, "no HPA, DCO unknown", "DCO not readable");
}

static void
put_word(unsigned char *id, unsigned w, unsigned v)
{
	id[2 * w] = (unsigned char)v;
	id[2 * w + 1] = (unsigned char)(v >> 8);
}

static void
ata_parse(void)
{
	struct tim_sanitize_caps c;
	unsigned char id[512];

	memset(id, 0, sizeof(id));
	memset(&c, 0, sizeof(c));
	/* ATA strings swap the bytes in each word: "EXAMPLE DISK" */
	memcpy(id + 54, "XEMALP EIDKS", 12);
	memset(id + 66, ' ', 28);
	memcpy(id + 20, "21436587", 8);
	memset(id + 28, ' ', 12);
	put_word(id, 59, 1u << 12 | 1u << 13 | 1u << 15);	/* sanitize: crypto, block */
	put_word(id, 82, 1u << 1 | 1u << 10);		/* security, HPA */
	put_word(id, 83, 1u << 11);				/* DCO */
	put_word(id, 85, 1u << 10);				/* HPA enabled */
	put_word(id, 128, 0x1 | 0x8 | 0x20);		/* supported, frozen, enhanced */
	put_word(id, 89, 30);
	tim_ata_parse_identify(id, &c);
	is_int(c.kind, TIM_SAN_ATA, "ATA identify: kind");
	is_str(c.model, "EXAMPLE DISK", "ATA identify: model from words 27-46, bytes swapped");
	is_str(c.serial, "12345678", "ATA identify: serial from words 10-19");
	ok(c.crypto == 1 && c.block == 1 && c.overwrite == 0, "ATA identify: word 59 sanitize bits");
	ok(c.security == 1 && c.frozen == 1 && c.enhanced == 1 && c.enabled == 0 && c.locked == 0,
	    "ATA identify: word 128 security status");
	is_int(c.erase_minutes, 60, "ATA identify: word 89 erase time in 2-minute units");
	is_str(c.hpa_dco, "HPA supported and enabled, DCO supported (hidden size not measured)",
	    "ATA identify: HPA and DCO from words 82, 83, 85");
}

static void
nvme(void)
{
	struct nvme_admin_cmd c;
	unsigned char buf[16];

	tim_nvme_identify_ctrl(&c, buf);
	ok(c.opcode == 0x06 && c.cdw10 == 1 && c.nsid == 0 && c.data_len == 4096 &&
	    c.addr == (uint64_t)(uintptr_t)buf, "NVMe Identify Controller: 06h, CNS 01h, 4 KiB");
	tim_nvme_identify_ns(&c, 3, buf);
	ok(c.opcode == 0x06 && c.cdw10 == 0 && c.nsid == 3, "NVMe Identify Namespace: CNS 00h");
	tim_nvme_sanitize(&c, TIM_NVME_SANACT_CRYPTO, 0, 0, 0, 0);
	ok(c.opcode == 0x84 && c.cdw10 == 0x4 && c.cdw11 == 0 && c.nsid == 0,
	    "NVMe Sanitize crypto erase: 84h, SANACT 100b");
	tim_nvme_sanitize(&c, TIM_NVME_SANACT_BLOCK, 0, 0, 0, 0);
	is_int(c.cdw10, 0x2, "NVMe Sanitize block erase: SANACT 010b");
	tim_nvme_sanitize(&c, TIM_NVME_SANACT_OVERWRITE, 1, 1, 1, 0xa5a5a5a5);
	ok(c.cdw10 == (0x3 | 1u << 3 | 1u << 4 | 1u << 9) && c.cdw11 == 0xa5a5a5a5,
	    "NVMe Sanitize overwrite: AUSE bit 3, OWPASS 7:4, NDAS bit 9, pattern in CDW11");
	tim_nvme_format(&c, 1, 0, TIM_NVME_SES_CRYPTO);
	ok(c.opcode == 0x80 && c.nsid == 1 && c.cdw10 == 0x400,
	    "NVMe Format NVM: 80h, SES 010b in bits 11:9");
	tim_nvme_format(&c, 0xffffffff, 0x11, TIM_NVME_SES_USER);
	ok(c.nsid == 0xffffffff && c.cdw10 == (0x1 | 0x200 | 0x1000),
	    "NVMe Format NVM: LBAF 17 split into LBAFL 3:0 and LBAFU 13:12");
	tim_nvme_sanitize_log(&c, buf);
	ok(c.opcode == 0x02 && c.cdw10 == 0x007f0081 && c.data_len == 512 &&
	    c.nsid == 0xffffffff, "NVMe Get Log Page 81h: 128 dwords (NUMDL 127)");
}

static void
nvme_parse(void)
{
	struct tim_sanitize_caps c;
	static unsigned char id[4096];

	memset(id, ' ', 72);
	memcpy(id + 4, "S3EVNX0K123456", 14);
	memcpy(id + 24, "Samsung SSD 970 EVO 500GB", 25);
	memcpy(id + 64, "2B2QEXE7", 8);
	id[256] = 0x02;			/* OACS: Format NVM */
	id[328] = 0x03;			/* SANICAP: crypto, block */
	id[524] = 0x04;			/* FNA: crypto erase in format */
	memset(&c, 0, sizeof(c));
	tim_nvme_parse_ctrl(id, &c);
	is_str(c.serial, "S3EVNX0K123456", "NVMe identify: serial bytes 4-23");
	is_str(c.model, "Samsung SSD 970 EVO 500GB", "NVMe identify: model bytes 24-63");
	is_str(c.firmware, "2B2QEXE7", "NVMe identify: firmware bytes 64-71");
	ok(c.crypto == 1 && c.block == 1 && c.overwrite == 0, "NVMe identify: SANICAP bits");
	ok(c.format == 1 && c.format_crypto == 1, "NVMe identify: OACS and FNA");
}

static void
scsi(void)
{
	unsigned char cdb[10], p[8], rs[6];
	static const unsigned char crypto[10] = { 0x48, 0x83, 0, 0, 0, 0, 0, 0, 0, 0 };
	static const unsigned char over[10] = { 0x48, 0xa1, 0, 0, 0, 0, 0, 0, 5, 0 };
	static const unsigned char params[5] = { 0x81, 0, 0, 1, 0x00 };
	static const unsigned char sense[6] = { 0x03, 0, 0, 0, 32, 0 };

	tim_scsi_sanitize(cdb, TIM_SCSI_SAN_CRYPTO, 0, 0);
	ok(same(cdb, crypto, 10), "SCSI SANITIZE cryptographic erase: 48h, IMMED, SA 03h");
	tim_scsi_sanitize(cdb, TIM_SCSI_SAN_OVERWRITE, 1, 5);
	ok(same(cdb, over, 10), "SCSI SANITIZE overwrite: AUSE, SA 01h, parameter list length 5");
	is_int(tim_scsi_sanitize_overwrite_params(p, sizeof(p), 1, 1, 0), 5,
	    "SCSI overwrite parameters: 4 bytes and a 1-byte pattern");
	ok(same(p, params, 5), "SCSI overwrite parameters: INVERT, count 1, pattern length 1");
	is_int(tim_scsi_sanitize_overwrite_params(p, 4, 1, 0, 0), 0,
	    "SCSI overwrite parameters: no room, nothing built");
	tim_scsi_request_sense(rs, 32);
	ok(same(rs, sense, 6), "REQUEST SENSE: 03h, allocation length");
}

static void
choose(void)
{
	struct tim_sanitize_caps c;
	struct tim_blkdev d;
	struct tim_err err;
	int k;

	memset(&d, 0, sizeof(d));
	snprintf(d.path, sizeof(d.path), "/dev/loop7");
	memset(&c, 0, sizeof(c));
	c.kind = TIM_SAN_NONE;
	c.crypto = c.block = c.overwrite = c.security = -1;
	c.secdiscard = -1;
	snprintf(c.why, sizeof(c.why), "a loop device has no NVMe, ATA or SCSI command set to ask");
	tim_err_clear(&err);
	ok(tim_sanitize_choose(&d, &c, TIM_HW_AUTO, &k, &err) < 0 && err.kind == TIM_ERR_REFUSED &&
	    strstr(err.msg, "offers no hardware erase") != NULL, "loop device: auto refused, saying why");
	tim_err_clear(&err);
	ok(tim_sanitize_choose(&d, &c, TIM_HW_SECDISCARD, &k, &err) == 0 && k == TIM_HW_SECDISCARD,
	    "loop device: secure discard may be tried");
	c.kind = TIM_SAN_ATA;
	c.crypto = 0;
	c.block = 1;
	c.security = 1;
	c.frozen = 1;
	ok(tim_sanitize_choose(&d, &c, TIM_HW_AUTO, &k, &err) == 0 && k == TIM_HW_BLOCK,
	    "ATA: auto takes block erase when crypto is missing");
	tim_err_clear(&err);
	ok(tim_sanitize_choose(&d, &c, TIM_HW_SECURITY, &k, &err) < 0 &&
	    strstr(err.msg, "frozen") != NULL, "ATA: a frozen drive is refused with the way out");
	ok(tim_hw_kind_parse("security-erase", &k, &err) == 0 && k == TIM_HW_SECURITY,
	    "kind names parse");
	ok(tim_hw_kind_parse("magic", &k, &err) < 0 && err.kind == TIM_ERR_INVALID, "unknown kind is a usage error");
}

int
main(void)
{
	ata();
	hidden();
	ata_parse();
	nvme();
	nvme_parse();
	scsi();
	choose();
	{
		struct tim_sanitize_caps c;
		char d[128];

		memset(&c, 0, sizeof(c));
		c.kind = TIM_SAN_NVME;
		c.crypto = c.block = c.overwrite = 0;
		c.nsid = 1;
		c.lbaf = 2;
		tim_hw_command_detail(&c, TIM_HW_BLOCK, d, sizeof(d));
		is_str(d, "Format NVM (80h), SES 1 (user data erase), LBAF 2, NSID 1",
		    "block erase without Sanitize: Format NVM with SES 1");
		tim_hw_command_detail(&c, TIM_HW_CRYPTO, d, sizeof(d));
		is_str(d, "Format NVM (80h), SES 2 (cryptographic erase), LBAF 2, NSID 1",
		    "crypto erase without Sanitize: Format NVM with SES 2");
		c.block = 1;
		tim_hw_command_detail(&c, TIM_HW_BLOCK, d, sizeof(d));
		is_str(d, "Sanitize (84h), SANACT 2 (block erase), NSID all", "block erase with Sanitize");
		c.kind = TIM_SAN_SCSI;
		tim_hw_command_detail(&c, TIM_HW_BLOCK, d, sizeof(d));
		is_str(d, "SCSI SANITIZE", "other command sets: the command's name");
	}
	return tap_done();
}
