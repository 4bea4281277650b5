/*
 * libFuzzer: the readers of tim-check host, over a fake root (--root DIR):
 * the /proc/net tables, sysfs and the configuration files they parse. The
 * input is split at 0xff bytes into the files below, in order; an empty
 * piece leaves the file out. (/proc/self/mountinfo, /proc/cmdline and
 * /proc/modules are read on the running host only, never under --root.)
 */
#include <stddef.h>
#include <stdint.h>

#include "host.h"
#include "scratch.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

static const char *const files[] = {
	"proc/net/tcp", "proc/net/tcp6", "proc/net/udp", "proc/net/udp6",
	"etc/ufw/ufw.conf", "etc/systemd/journald.conf", "etc/audit/auditd.conf",
	"etc/modprobe.d/usb.conf", "etc/vsftpd.conf", "etc/samba/smb.conf",
	"etc/profile", "etc/bash.bashrc", "etc/profile.d/tmout.sh",
	"etc/systemd/logind.conf", "etc/pam.d/common-password", "etc/login.defs",
	"etc/apt/apt.conf.d/20auto-upgrades", "etc/dnf/automatic.conf",
	"etc/passwd", "etc/shadow", "etc/ssh/sshd_config", "etc/chrony/chrony.conf",
	"sys/dev/block/253:0/dm/uuid", "sys/class/block/sda/dev",
	"var/log/audit/audit.log", "var/log/auth.log",
};
#define NFILES (sizeof(files) / sizeof(files[0]))

/* Makes every folder above path (below the scratch root). */
static void
parents(char *path)
{
	char *s;

	for (s = strchr(path + strlen(fuzz_scratch()) + 1, '/'); s; s = strchr(s + 1, '/')) {
		*s = '\0';
		(void)mkdir(path, 0700);
		*s = '/';
	}
}

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static char root[4096];
	struct tim_host_result out[TIM_HOST_NCHECKS];
	struct tim_host_opts o = { NULL, NULL, NULL };
	const uint8_t *p = data, *end = data + size, *e;
	char path[8192];
	size_t i;

	snprintf(root, sizeof(root), "%s/root", fuzz_scratch());
	fuzz_rm_tree(root);
	(void)mkdir(root, 0700);
	(void)mkdir(fuzz_path("root/usr"), 0700);
	(void)mkdir(fuzz_path("root/usr/bin"), 0700);
	fuzz_write(fuzz_path("root/usr/bin/apt-get"), "", 0, 0700);
	for (i = 0; i < NFILES && p <= end; i++) {
		e = memchr(p, 0xff, (size_t)(end - p));
		if (e == NULL)
			e = end;
		if (e > p) {
			snprintf(path, sizeof(path), "%s/%s", root, files[i]);
			parents(path);
			fuzz_write(path, p, (size_t)(e - p), 0600);
		}
		p = e + 1;
	}
	o.root = root;
	o.data = "/srv/data";
	tim_host_check(&o, out);
	return 0;
}
