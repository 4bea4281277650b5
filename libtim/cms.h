#ifndef TIM_CMS_H
#define TIM_CMS_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>
#include <openssl/cms.h>
#include <openssl/evp.h>
#include <openssl/x509.h>

struct tim_buf;
struct tim_err;

/*
 * CMS pieces that tim-seal builds around OpenSSL: certificate and key policy
 * (CRYPTREC algorithms only), RFC 3211 password recipients with a SHA-256
 * PRF (OpenSSL 3.0's CMS_add0_recipient_password always writes the default
 * HMAC-SHA1 PRF), and the content-encryption key handed over through a
 * KEKRecipientInfo so that the content itself can be streamed with EVP.
 */

#define TIM_CMS_KEK_ID		"tim-seal content key transfer"
#define TIM_CMS_MAX_KEY		64
#define TIM_CMS_MAX_RECIPINFOS	(1 << 20)

/* Certificates (PEM or DER) and private keys (PEM, not readable by others). */
int tim_cms_load_cert(const char *path, X509 **out, struct tim_err *err);
int tim_cms_load_key(const char *path, EVP_PKEY **out, struct tim_err *err);

/*
 * A recipient certificate may be used when it is within its validity (unless
 * allow_expired), holds an RSA key of at least 2048 bits or an EC key on
 * P-256, P-384 or P-521, and its key usage, when present, allows key
 * encipherment (RSA) or key agreement (EC). Refusals are status 1.
 */
int tim_cms_check_recipient(X509 *x, const char *path, int allow_expired,
    struct tim_err *err);
/* A signer: the key matches, RSA >= 2048 or an allowed curve, may sign. */
int tim_cms_check_signer(X509 *x, EVP_PKEY *k, const char *path,
    struct tim_err *err);

/* "CN=..., O=..." of a name (malloc'd) and the hex SHA-256 of a certificate. */
char *tim_cms_name(const X509_NAME *n);
void tim_cms_fingerprint(X509 *x, char hex[65]);

/* DER helpers. */
int tim_cms_der_oid(struct tim_buf *b, int nid);
int tim_cms_der_uint(struct tim_buf *b, uint64_t v);

/* Adds a recipient certificate with OAEP SHA-256 or an ECDH SHA-256 KDF. */
int tim_cms_add_recipient(CMS_ContentInfo *cms, X509 *x, struct tim_err *err);

/* Adds the transfer KEKRecipientInfo with a fresh key kek[32]. */
CMS_RecipientInfo *tim_cms_add_transfer(CMS_ContentInfo *cms,
    unsigned char kek[32], struct tim_err *err);

/*
 * From the DER of an envelope holding the transfer RecipientInfo:
 * the content-encryption key (unwrapped with kek) and, in others, the DER of
 * every other RecipientInfo.
 */
int tim_cms_take_cek(const unsigned char *der, size_t len,
    const unsigned char kek[32], unsigned char *cek, size_t *ceklen,
    struct tim_buf *others, struct tim_err *err);

/* A PasswordRecipientInfo (RFC 3211) for cek, PBKDF2-HMAC-SHA256. */
int tim_cms_pwri(struct tim_buf *out, const unsigned char *cek, size_t ceklen,
    const unsigned char *pass, size_t passlen, unsigned iter,
    struct tim_err *err);

/*
 * Describes one RecipientInfo (ri from OpenSSL, raw its DER) as a JSON
 * object, and says whether its algorithms are permitted (*why otherwise).
 */
json_t *tim_cms_describe_ri(CMS_RecipientInfo *ri, const unsigned char *raw,
    size_t rawlen, int allow_legacy, int *permitted, const char **why);

/*
 * The OpenSSL error queue's last reason, for messages; clears the queue.
 * The text lives in a static buffer: single-threaded callers only.
 */
const char *tim_cms_ssl_error(void);

#endif
