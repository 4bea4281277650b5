#ifndef TIM_SANITIZE_H
#define TIM_SANITIZE_H

#include <stddef.h>
#include <stdint.h>

#include <linux/nvme_ioctl.h>

struct tim_blkdev;
struct tim_err;

/*
 * The device's own erase (NIST SP 800-88 Purge): NVMe Sanitize and Format
 * NVM through NVME_IOCTL_ADMIN_CMD, ATA SANITIZE and SECURITY ERASE UNIT in
 * SAT ATA PASS-THROUGH (16) CDBs through SG_IO, SCSI SANITIZE, and
 * BLKSECDISCARD. The builders are pure functions so the byte layouts are
 * tested against the specifications without a device.
 */

/* --- NVMe (NVM Express Base Specification 2.0, 5.x admin commands) --- */

enum {
	TIM_NVME_SANACT_EXIT_FAILURE = 1,
	TIM_NVME_SANACT_BLOCK = 2,
	TIM_NVME_SANACT_OVERWRITE = 3,
	TIM_NVME_SANACT_CRYPTO = 4
};

enum { TIM_NVME_SES_NONE = 0, TIM_NVME_SES_USER = 1, TIM_NVME_SES_CRYPTO = 2 };

/* Identify (06h) with CNS 01h: the controller data structure, 4096 bytes. */
void tim_nvme_identify_ctrl(struct nvme_admin_cmd *c, void *buf);
/* Identify (06h) with CNS 00h: a namespace, 4096 bytes. */
void tim_nvme_identify_ns(struct nvme_admin_cmd *c, uint32_t nsid, void *buf);
/* Sanitize (84h): action, allow unrestricted exit, no-deallocate. */
void tim_nvme_sanitize(struct nvme_admin_cmd *c, int sanact, int ause,
    int ndas, unsigned owpass, uint32_t pattern);
/* Format NVM (80h) keeping LBA format lbaf, with secure erase setting ses. */
void tim_nvme_format(struct nvme_admin_cmd *c, uint32_t nsid, unsigned lbaf,
    int ses);
/* Get Log Page (02h), Sanitize Status (81h), 512 bytes. */
void tim_nvme_sanitize_log(struct nvme_admin_cmd *c, void *buf);

/* --- ATA in SAT-4 ATA PASS-THROUGH (16), ACS-4 commands --- */

#define TIM_ATA_CDB_LEN 16

/* IDENTIFY DEVICE (ECh), PIO data-in, one 512-byte block. */
void tim_ata_identify(unsigned char cdb[TIM_ATA_CDB_LEN]);

enum {
	TIM_ATA_SAN_STATUS = 0x0000,
	TIM_ATA_SAN_CRYPTO = 0x0011,
	TIM_ATA_SAN_BLOCK = 0x0012,
	TIM_ATA_SAN_OVERWRITE = 0x0014,
	TIM_ATA_SAN_FREEZE = 0x0020
};

/*
 * SANITIZE DEVICE (B4h) with a feature: the LBA carries the signature the
 * standard asks for ("Cryp", "BkEr", "FrLk", OW + pattern). STATUS sets
 * CK_COND so the registers come back in the sense data.
 */
void tim_ata_sanitize(unsigned char cdb[TIM_ATA_CDB_LEN], unsigned feature,
    uint32_t pattern, unsigned count);

/* SECURITY SET PASSWORD (F1h) and ERASE UNIT (F4h): PIO data-out, 512 bytes. */
void tim_ata_security_set_password(unsigned char cdb[TIM_ATA_CDB_LEN]);
void tim_ata_security_erase_prepare(unsigned char cdb[TIM_ATA_CDB_LEN]);
void tim_ata_security_erase_unit(unsigned char cdb[TIM_ATA_CDB_LEN]);
/* The 512-byte data block of both: user password, enhanced bit for erase. */
void tim_ata_security_block(unsigned char block[512], const char *password,
    int enhanced);

/*
 * HPA and DCO (ACS-3): READ NATIVE MAX ADDRESS EXT (27h, non-data, CK_COND
 * so the address comes back in the sense data) and DEVICE CONFIGURATION
 * IDENTIFY (B1h feature C2h, PIO data-in). Both only read.
 */
void tim_ata_read_native_max(unsigned char cdb[TIM_ATA_CDB_LEN]);
void tim_ata_dco_identify(unsigned char cdb[TIM_ATA_CDB_LEN]);
/* The LBA in an ATA Status Return descriptor (09h) of descriptor sense. */
int tim_ata_return_lba(const unsigned char *sense, size_t len, uint64_t *lba);
/* IDENTIFY words 100-103: sectors a host can address (48-bit). */
uint64_t tim_ata_identify_sectors(const unsigned char *id);
/* DEVICE CONFIGURATION IDENTIFY words 3-6: the factory maximum LBA. */
uint64_t tim_ata_dco_max_lba(const unsigned char *dco);
/*
 * "no hidden area", "HPA hides N sectors", "DCO hides N sectors" ... from
 * the addressable sector count, the native max LBA and the DCO max LBA (0
 * when unknown).
 */
void tim_ata_hidden_text(char *out, size_t n, uint64_t sectors,
    uint64_t native_max, uint64_t dco_max);

/* --- SCSI (SBC-4) --- */

enum {
	TIM_SCSI_SAN_OVERWRITE = 0x01,
	TIM_SCSI_SAN_BLOCK = 0x02,
	TIM_SCSI_SAN_CRYPTO = 0x03,
	TIM_SCSI_SAN_EXIT_FAILURE = 0x1f
};

/* SANITIZE (48h), 10 bytes, IMMED set so progress is polled. */
void tim_scsi_sanitize(unsigned char cdb[10], unsigned action, int ause,
    unsigned param_len);
/* The OVERWRITE parameter list for a one-byte pattern; returns its length. */
size_t tim_scsi_sanitize_overwrite_params(unsigned char *out, size_t n,
    unsigned passes, int invert, unsigned char pattern);
/* REQUEST SENSE (03h), 6 bytes. */
void tim_scsi_request_sense(unsigned char cdb[6], unsigned char len);

/* --- what a device offers --- */

enum { TIM_SAN_NONE, TIM_SAN_NVME, TIM_SAN_ATA, TIM_SAN_SCSI };

struct tim_sanitize_caps {
	int kind;		/* TIM_SAN_*: the command set that answered */
	/* -1 unknown, 0 no, 1 yes */
	int crypto, block, overwrite;	/* sanitize actions */
	int format, format_crypto;	/* NVMe Format NVM with SES */
	int security, enhanced, frozen, locked, enabled;	/* ATA security */
	int secdiscard;		/* BLKSECDISCARD: only trying tells */
	unsigned erase_minutes;	/* ATA: normal erase time estimate, 0 unknown */
	uint32_t nsid;		/* NVMe namespace */
	unsigned lbaf;		/* NVMe current LBA format */
	int dlfeat;		/* NVMe: deallocated blocks read as 1 zeros, 2 0xff, 0 not said, -1 unknown */
	char model[48], serial[32], firmware[16];	/* from Identify */
	char hpa_dco[96];	/* "unknown" unless IDENTIFY told */
	char why[160];		/* why capabilities are unknown */
};

/* Parses an NVMe Identify Controller structure (4096 bytes). */
void tim_nvme_parse_ctrl(const unsigned char *id, struct tim_sanitize_caps *c);
/* Parses an ATA IDENTIFY DEVICE block (512 bytes, words little-endian). */
void tim_ata_parse_identify(const unsigned char *id, struct tim_sanitize_caps *c);

/*
 * Asks the device what it offers, as far as possible without changing
 * anything. A device that does not speak NVMe, ATA or SCSI (loop, virtio)
 * gets kind TIM_SAN_NONE and why says so.
 */
void tim_sanitize_probe(const struct tim_blkdev *d, struct tim_sanitize_caps *c);

/*
 * Takes the model, serial and firmware the device's Identify gave (when it
 * gave them) into d, so that --info, the header of an erase, the resume
 * check and the certificate all name the device the same way.
 */
void tim_sanitize_identity(struct tim_blkdev *d, const struct tim_sanitize_caps *c);

/* The hardware erase actions tim-wipe can run. */
enum {
	TIM_HW_AUTO, TIM_HW_CRYPTO, TIM_HW_BLOCK, TIM_HW_OVERWRITE,
	TIM_HW_SECURITY, TIM_HW_SECDISCARD
};

int tim_hw_kind_parse(const char *s, int *kind, struct tim_err *err);
const char *tim_hw_kind_name(int kind);

/* For the records: "crypto erase", ..., and "NVMe Sanitize", ... */
const char *tim_hw_technique(int action);
const char *tim_hw_command(const struct tim_sanitize_caps *c, int action);
/*
 * The command with its settings as sent, for the certificate: "Format NVM
 * (80h), SES 1 (user data erase), LBAF 0, NSID 1"; the command's name for
 * the other command sets.
 */
void tim_hw_command_detail(const struct tim_sanitize_caps *c, int action,
    char *out, size_t n);

/*
 * Picks the action for kind from caps (auto: crypto, then block, then
 * overwrite, then security erase); -1 with err (status 1) when the device
 * does not offer it, saying why.
 */
int tim_sanitize_choose(const struct tim_blkdev *d,
    const struct tim_sanitize_caps *c, int kind, int *chosen,
    struct tim_err *err);

typedef void tim_sanitize_progress_fn(void *ctx, unsigned permille);

/*
 * Runs the chosen action on the open device fd and polls until the device
 * reports the end. -1 with err when the device refuses or fails.
 */
int tim_sanitize_run(int fd, const struct tim_blkdev *d,
    const struct tim_sanitize_caps *c, int action,
    tim_sanitize_progress_fn *progress, void *ctx, struct tim_err *err);

#endif
