#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "buf.h"
#include "err.h"
#include "host.h"
#include "i18n.h"
#include "ledger.h"
#include "util.h"
#include "banned.h"

#define FILE_MAX (1 << 20)
#define CMD_TIMEOUT_MS 5000
#define DAY (24 * 3600)

extern char **environ;

struct host {
	const struct tim_host_opts *o;
	const char *root;
	int live;		/* root is "/": commands and /proc describe this host */
	int container;
};

const char *
tim_host_status_name(int status)
{
	return status == TIM_HOST_PASS ? "pass" : status == TIM_HOST_FAIL ? "fail" : "unknown";
}

static void
say(struct tim_host_result *r, int status, const char *fmt, ...)
{
	size_t len = strlen(r->evidence);
	va_list ap;

	r->status = status;
	if (len && len + 3 < sizeof(r->evidence)) {
		memcpy(r->evidence + len, "; ", 3);
		len += 2;
	}
	va_start(ap, fmt);
	vsnprintf(r->evidence + len, sizeof(r->evidence) - len, fmt, ap);
	va_end(ap);
}

/* The host's file at abs (an absolute path) into b; -1 when unreadable. */
static int
hfile(const struct host *h, const char *abs, struct tim_buf *b)
{
	struct tim_buf p = TIM_BUF_INIT;
	struct tim_err err;
	int r;

	tim_buf_reset(b);
	tim_buf_addf(&p, "%s%s", strcmp(h->root, "/") ? h->root : "", abs);
	r = p.failed ? -1 : tim_read_file(p.buf, FILE_MAX, 0, b, &err);
	tim_buf_release(&p);
	return r;
}

static int
hexists(const struct host *h, const char *abs, struct stat *st)
{
	struct tim_buf p = TIM_BUF_INIT;
	struct stat s;
	int r;

	tim_buf_addf(&p, "%s%s", strcmp(h->root, "/") ? h->root : "", abs);
	r = !p.failed && lstat(p.buf, st ? st : &s) == 0;
	tim_buf_release(&p);
	return r;
}

/* Calls fn for each regular file in the host's folder abs whose name ends in suffix. */
static void
hdir(const struct host *h, const char *abs, const char *suffix,
    void (*fn)(const struct host *, const char *, const char *, void *), void *arg)
{
	struct tim_buf p = TIM_BUF_INIT, f = TIM_BUF_INIT, text = TIM_BUF_INIT;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, i;
	DIR *d;

	tim_buf_addf(&p, "%s%s", strcmp(h->root, "/") ? h->root : "", abs);
	d = p.failed ? NULL : opendir(p.buf);
	while (d && (de = readdir(d)) != NULL) {
		size_t nl = strlen(de->d_name), sl = strlen(suffix);
		char **nn;

		if (de->d_name[0] == '.' || nl < sl || strcmp(de->d_name + nl - sl, suffix) != 0)
			continue;
		nn = realloc(names, (n + 1) * sizeof(*nn));
		if (nn == NULL)
			break;
		names = nn;
		if ((names[n] = strdup(de->d_name)) != NULL)
			n++;
	}
	if (d)
		closedir(d);
	for (i = 0; i < n; i++) {
		tim_buf_reset(&f);
		tim_buf_addf(&f, "%s/%s", abs, names[i]);
		if (!f.failed && hfile(h, f.buf, &text) == 0)
			fn(h, f.buf, tim_buf_str(&text), arg);
		free(names[i]);
	}
	free(names);
	tim_buf_release(&p);
	tim_buf_release(&f);
	tim_buf_release(&text);
}

/*
 * Runs a command by absolute path with the C locale, stdin and stderr on
 * /dev/null, for at most CMD_TIMEOUT_MS. Returns its exit status, or -1
 * when it could not be run or did not finish.
 */
static int
run(const char *const *argv, struct tim_buf *out)
{
	static char *const env[] = { (char *)"LC_ALL=C", (char *)"PATH=/usr/sbin:/usr/bin:/sbin:/bin",
	    (char *)"SYSTEMD_PAGER=", (char *)"SYSTEMD_COLORS=0", NULL };
	posix_spawn_file_actions_t fa;
	struct timespec t0, t1;
	char chunk[4096];
	int pfd[2], st, r = -1;
	pid_t pid;

	tim_buf_reset(out);
	if (access(argv[0], X_OK) < 0 || pipe2(pfd, O_CLOEXEC) < 0)
		return -1;
	posix_spawn_file_actions_init(&fa);
	posix_spawn_file_actions_addopen(&fa, 0, "/dev/null", O_RDONLY, 0);
	posix_spawn_file_actions_adddup2(&fa, pfd[1], 1);
	posix_spawn_file_actions_addopen(&fa, 2, "/dev/null", O_WRONLY, 0);
	if (posix_spawn(&pid, argv[0], &fa, NULL, (char *const *)argv, env) != 0) {
		posix_spawn_file_actions_destroy(&fa);
		close(pfd[0]);
		close(pfd[1]);
		return -1;
	}
	posix_spawn_file_actions_destroy(&fa);
	close(pfd[1]);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = { pfd[0], POLLIN, 0 };
		long left;
		ssize_t n;

		clock_gettime(CLOCK_MONOTONIC, &t1);
		left = CMD_TIMEOUT_MS - ((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000);
		if (left <= 0 || poll(&p, 1, (int)left) <= 0) {
			kill(pid, SIGKILL);
			break;
		}
		n = read(pfd[0], chunk, sizeof(chunk));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		if (out->len < FILE_MAX)
			tim_buf_add(out, chunk, (size_t)n);
	}
	close(pfd[0]);
	while (waitpid(pid, &st, 0) < 0 && errno == EINTR)
		;
	if (WIFEXITED(st))
		r = WEXITSTATUS(st);
	return r;
}

/* The first of the usual places of a program, or NULL. */
static const char *
prog(const char *name)
{
	static const char *dirs[] = { "/usr/sbin/", "/usr/bin/", "/sbin/", "/bin/" };
	static char path[256];
	size_t i;

	for (i = 0; i < 4; i++) {
		snprintf(path, sizeof(path), "%s%s", dirs[i], name);
		if (access(path, X_OK) == 0)
			return path;
	}
	return NULL;
}

/* Whether a process with this comm runs (live hosts only). */
static int
running(const struct host *h, const char *comm)
{
	struct dirent *de;
	char path[300], buf[64];
	int found = 0, fd;
	ssize_t n;
	DIR *d;

	if (!h->live || (d = opendir("/proc")) == NULL)
		return 0;
	while (!found && (de = readdir(d)) != NULL) {
		if (!isdigit((unsigned char)de->d_name[0]))
			continue;
		snprintf(path, sizeof(path), "/proc/%s/comm", de->d_name);
		fd = open(path, O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			continue;
		n = read(fd, buf, sizeof(buf) - 1);
		close(fd);
		if (n <= 0)
			continue;
		buf[n] = '\0';
		buf[strcspn(buf, "\n")] = '\0';
		found = strcmp(buf, comm) == 0;
	}
	closedir(d);
	return found;
}

/* The value of "key = value" or "key value" in text (first match), into out. */
static int
conf_value(const char *text, const char *key, const char *seps, char *out, size_t outlen)
{
	const char *p = text, *nl, *q;
	size_t kl = strlen(key);

	while (*p) {
		nl = strchr(p, '\n');
		q = p;
		while (*q == ' ' || *q == '\t')
			q++;
		if (*q != '#' && *q != ';' && strncasecmp(q, key, kl) == 0 && q[kl] && strchr(seps, q[kl])) {
			size_t len;

			q += kl;
			while (*q && strchr(seps, *q))
				q++;
			len = nl ? (size_t)(nl - q) : strlen(q);
			while (len && (q[len - 1] == ' ' || q[len - 1] == '\t' || q[len - 1] == '\r'))
				len--;
			if (len && (q[0] == '"' || q[0] == '\'') && q[len - 1] == q[0] && len >= 2) {
				q++;
				len -= 2;
			}
			snprintf(out, outlen, "%.*s", (int)len, q);
			return 1;
		}
		if (nl == NULL)
			break;
		p = nl + 1;
	}
	return 0;
}

static void
c_firewall(struct host *h, struct tim_host_result *r)
{
	struct tim_buf out = TIM_BUF_INIT, f = TIM_BUF_INIT;
	const char *nft = NULL, *ipt = NULL;
	char v[64];

	if (h->live && (nft = prog("nft")) != NULL) {
		const char *argv[] = { nft, "list", "ruleset", NULL };

		if (run(argv, &out) == 0) {
			if (strstr(tim_buf_str(&out), "hook input") || strstr(tim_buf_str(&out), "hook forward"))
				say(r, TIM_HOST_PASS, _("nft: filter chains hooked (input/forward)"));
			else if (out.len == 0)
				say(r, TIM_HOST_FAIL, _("nft: the ruleset is empty"));
			else
				say(r, TIM_HOST_FAIL, _("nft: no input or forward chain"));
			goto out;
		}
	}
	if (h->live && (ipt = prog("iptables")) != NULL) {
		const char *argv[] = { ipt, "-S", NULL };

		if (run(argv, &out) == 0) {
			const char *s = tim_buf_str(&out);

			if (strstr(s, "\n-A ") || strncmp(s, "-A ", 3) == 0 || strstr(s, "-P INPUT DROP"))
				say(r, TIM_HOST_PASS, _("iptables: rules present"));
			else
				say(r, TIM_HOST_FAIL, _("iptables: no rules, every policy ACCEPT"));
			goto out;
		}
	}
	if (hfile(h, "/etc/ufw/ufw.conf", &f) == 0 && conf_value(f.buf, "ENABLED", "= ", v, sizeof(v))) {
		say(r, strcasecmp(v, "yes") == 0 ? TIM_HOST_PASS : TIM_HOST_FAIL,
		    _("/etc/ufw/ufw.conf ENABLED=%s (configuration; rules not read)"), v);
		goto out;
	}
	if (!h->live)
		say(r, TIM_HOST_UNKNOWN, _("rulesets are only read on the running host"));
	else if (nft == NULL && ipt == NULL)
		say(r, TIM_HOST_UNKNOWN, _("neither nft nor iptables is installed, so no ruleset can be read (no ufw either)"));
	else if (geteuid() != 0)
		say(r, TIM_HOST_UNKNOWN, _("cannot read the ruleset: %s needs root"), nft ? "nft list ruleset" : "iptables -S");
	else
		say(r, TIM_HOST_UNKNOWN, _("cannot read the ruleset: %s failed"), nft ? "nft list ruleset" : "iptables -S");
out:
	tim_buf_release(&out);
	tim_buf_release(&f);
}

static void
c_time(struct host *h, struct tim_host_result *r)
{
	static const char *daemons[] = { "chronyd", "ntpd", "systemd-timesyn", "openntpd", "ntpd-rs" };
	struct tim_buf out = TIM_BUF_INIT;
	const char *td;
	size_t i;

	if (h->live && (td = prog("timedatectl")) != NULL) {
		const char *argv[] = { td, "show", "-p", "NTPSynchronized", "--value", NULL };

		if (run(argv, &out) == 0 && strncmp(tim_buf_str(&out), "yes", 3) == 0) {
			say(r, TIM_HOST_PASS, _("timedatectl: NTPSynchronized=yes"));
			goto out;
		}
	}
	if (hexists(h, "/run/systemd/timesync/synchronized", NULL)) {
		say(r, TIM_HOST_PASS, _("/run/systemd/timesync/synchronized exists"));
		goto out;
	}
	for (i = 0; i < sizeof(daemons) / sizeof(daemons[0]); i++)
		if (running(h, daemons[i])) {
			say(r, TIM_HOST_PASS, _("%s is running (synchronisation state not read)"), daemons[i]);
			goto out;
		}
	if (h->container)
		say(r, TIM_HOST_UNKNOWN, _("in a container the host keeps the clock"));
	else if (!h->live)
		say(r, TIM_HOST_UNKNOWN, _("not the running host: processes not visible"));
	else
		say(r, TIM_HOST_FAIL, _("no time synchronisation found (timesyncd, chrony, ntpd)"));
out:
	tim_buf_release(&out);
}

static void
c_audit(struct host *h, struct tim_host_result *r)
{
	struct stat st;

	if (running(h, "auditd"))
		say(r, TIM_HOST_PASS, _("auditd is running"));
	else if (running(h, "systemd-journal") && hexists(h, "/var/log/journal", &st) && S_ISDIR(st.st_mode))
		say(r, TIM_HOST_PASS, _("no auditd; systemd-journald keeps a persistent journal (logons via PAM)"));
	else if (running(h, "rsyslogd") || running(h, "syslog-ng"))
		say(r, TIM_HOST_PASS, _("no auditd; a syslog daemon records logons"));
	else if (h->container)
		say(r, TIM_HOST_UNKNOWN, _("in a container; audit logging is the host's"));
	else if (!h->live)
		say(r, TIM_HOST_UNKNOWN, _("not the running host: processes not visible"));
	else
		say(r, TIM_HOST_FAIL, _("no auditd, persistent journal or syslog daemon running"));
}

/* Parses journald's time spans ("3month", "90d", "1y"); seconds, or -1. */
static long
timespan(const char *s)
{
	static const struct { const char *u; long sec; } units[] = {
		{ "months", 2630016 }, { "month", 2630016 }, { "M", 2630016 },
		{ "years", 31557600 }, { "year", 31557600 }, { "y", 31557600 },
		{ "weeks", 604800 }, { "week", 604800 }, { "w", 604800 },
		{ "days", DAY }, { "day", DAY }, { "d", DAY },
		{ "hours", 3600 }, { "hour", 3600 }, { "h", 3600 },
		{ "minutes", 60 }, { "min", 60 }, { "m", 60 },
		{ "seconds", 1 }, { "sec", 1 }, { "s", 1 }, { "", 1 },
	};
	long total = 0, n;
	char *end;
	size_t i;

	while (*s) {
		while (*s == ' ')
			s++;
		if (!isdigit((unsigned char)*s))
			return -1;
		n = strtol(s, &end, 10);
		s = end;
		while (*s == ' ')
			s++;
		for (i = 0; i < sizeof(units) / sizeof(units[0]); i++) {
			size_t ul = strlen(units[i].u);

			if (strncmp(s, units[i].u, ul) == 0 && !isalpha((unsigned char)s[ul])) {
				total += n * units[i].sec;
				s += ul;
				break;
			}
		}
		if (i == sizeof(units) / sizeof(units[0]))
			return -1;
	}
	return total;
}

/* The oldest file's age in days under the host's folder abs, or -1. */
static long
oldest_days(const struct host *h, const char *abs, const char *prefix)
{
	struct tim_buf p = TIM_BUF_INIT;
	struct dirent *de;
	struct stat st;
	time_t oldest = 0;
	DIR *d;
	int dfd;

	tim_buf_addf(&p, "%s%s", strcmp(h->root, "/") ? h->root : "", abs);
	d = p.failed ? NULL : opendir(p.buf);
	tim_buf_release(&p);
	if (d == NULL)
		return -1;
	dfd = dirfd(d);
	while ((de = readdir(d)) != NULL)
		if (strncmp(de->d_name, prefix, strlen(prefix)) == 0 &&
		    fstatat(dfd, de->d_name, &st, AT_SYMLINK_NOFOLLOW) == 0 && S_ISREG(st.st_mode) &&
		    (oldest == 0 || st.st_mtime < oldest))
			oldest = st.st_mtime;
	closedir(d);
	return oldest ? (long)((time(NULL) - oldest) / DAY) : -1;
}

static void
c_retention(struct host *h, struct tim_host_result *r)
{
	struct tim_buf f = TIM_BUF_INIT;
	char v[128], storage[64] = "";
	long days, sec;

	if (hfile(h, "/etc/systemd/journald.conf", &f) == 0) {
		if (conf_value(f.buf, "MaxRetentionSec", "= ", v, sizeof(v)) && (sec = timespan(v)) > 0 &&
		    sec < 90L * DAY) {
			say(r, TIM_HOST_FAIL, _("journald.conf MaxRetentionSec=%s is under three months"), v);
			goto out;
		}
		conf_value(f.buf, "Storage", "= ", storage, sizeof(storage));
	}
	if (hfile(h, "/etc/audit/auditd.conf", &f) == 0 &&
	    conf_value(f.buf, "max_log_file_action", "= ", v, sizeof(v))) {
		if (strcasecmp(v, "keep_logs") == 0) {
			say(r, TIM_HOST_PASS, _("auditd.conf max_log_file_action=keep_logs: audit logs are never rotated away"));
			goto out;
		}
		if ((days = oldest_days(h, "/var/log/audit", "audit.log")) >= 90) {
			say(r, TIM_HOST_PASS, _("auditd rotates (%s); the oldest audit log is %ld days old"), v, days);
			goto out;
		}
		say(r, TIM_HOST_UNKNOWN, _("auditd rotates (max_log_file_action=%s): retention in time depends on volume"), v);
	}
	if (strcasecmp(storage, "volatile") == 0 || strcasecmp(storage, "none") == 0) {
		say(r, TIM_HOST_FAIL, _("journald.conf Storage=%s: the journal does not survive a reboot"), storage);
		goto out;
	}
	if ((days = oldest_days(h, "/var/log", "auth.log")) >= 90 ||
	    (days = oldest_days(h, "/var/log", "secure")) >= 90) {
		say(r, TIM_HOST_PASS, _("the oldest logon log in /var/log is %ld days old"), days);
		goto out;
	}
	if (r->status != TIM_HOST_UNKNOWN || r->evidence[0] == '\0')
		say(r, TIM_HOST_UNKNOWN, _("no retention setting or log older than 90 days found"));
out:
	tim_buf_release(&f);
}

struct usb {
	int blocked;
	char where[256];
};

static void
usb_conf(const struct host *h, const char *path, const char *text, void *arg)
{
	struct usb *u = arg;
	const char *p = text;

	(void)h;
	while (p && *p) {
		const char *q = p;

		while (*q == ' ' || *q == '\t')
			q++;
		if ((strncmp(q, "blacklist", 9) == 0 || strncmp(q, "install", 7) == 0) &&
		    (strncmp(q + (q[0] == 'b' ? 9 : 7), " usb-storage", 12) == 0 ||
		    strncmp(q + (q[0] == 'b' ? 9 : 7), " usb_storage", 12) == 0)) {
			const char *e = strchr(q, '\n');
			size_t len = e ? (size_t)(e - q) : strlen(q);

			if (q[0] == 'b' || memmem(q, len, "/false", 6) || memmem(q, len, "/true", 5)) {
				u->blocked = 1;
				snprintf(u->where, sizeof(u->where), "%s: %.*s", path, (int)(len > 120 ? 120 : len), q);
			}
		}
		p = strchr(p, '\n');
		if (p)
			p++;
	}
}

static void
c_usb(struct host *h, struct tim_host_result *r)
{
	static const char *dirs[] = { "/etc/modprobe.d", "/run/modprobe.d",
	    "/usr/lib/modprobe.d", "/lib/modprobe.d" };
	struct tim_buf f = TIM_BUF_INIT;
	struct usb u = { 0, "" };
	size_t i;

	for (i = 0; i < 4 && !u.blocked; i++)
		hdir(h, dirs[i], ".conf", usb_conf, &u);
	if (hfile(h, "/proc/cmdline", &f) == 0 && h->live &&
	    (strstr(f.buf, "modprobe.blacklist=usb-storage") || strstr(f.buf, "modprobe.blacklist=usb_storage") ||
	    strstr(f.buf, "usbcore.authorized_default=0"))) {
		u.blocked = 1;
		snprintf(u.where, sizeof(u.where), "%s", _("the kernel command line"));
	}
	if (h->live && hfile(h, "/proc/modules", &f) == 0 && strncmp(f.buf, "usb_storage ", 12) != 0 &&
	    strstr(f.buf, "\nusb_storage ") == NULL && hexists(h, "/sys/module/usb_storage", NULL) && !u.blocked)
		say(r, TIM_HOST_FAIL, _("usb-storage is built into the kernel and not blocked"));
	else if (h->live && hfile(h, "/proc/modules", &f) == 0 &&
	    (strncmp(f.buf, "usb_storage ", 12) == 0 || strstr(f.buf, "\nusb_storage "))) {
		if (u.blocked)
			say(r, TIM_HOST_FAIL, _("the usb_storage module is loaded despite %s"), u.where);
		else
			say(r, TIM_HOST_FAIL, _("the usb_storage module is loaded"));
	} else if (u.blocked && h->container)
		say(r, TIM_HOST_UNKNOWN, _("%s (in a container; the host kernel decides)"), u.where);
	else if (u.blocked)
		say(r, TIM_HOST_PASS, "%s", u.where);
	else if (h->container)
		say(r, TIM_HOST_UNKNOWN, _("in a container; the host kernel decides about USB storage"));
	else
		say(r, TIM_HOST_FAIL, _("usb-storage is neither blacklisted nor installed as /bin/false in modprobe.d"));
	tim_buf_release(&f);
}

/* Listening sockets from /proc/net: each port once. */
struct sock {
	unsigned port;
	int udp;
	int exposed;		/* not only on loopback */
};

static size_t
listening(const struct host *h, const char *abs, int udp, int v6, struct sock *s, size_t n, size_t max)
{
	struct tim_buf f = TIM_BUF_INIT;
	const char *p;

	if (hfile(h, abs, &f) < 0)
		return n;
	p = strchr(f.buf, '\n');
	while (p && *++p && n < max) {
		char local[64], rem[64];
		unsigned st, port, i;
		char *colon;
		int loop;

		if (sscanf(p, "%*u: %63s %63s %x", local, rem, &st) != 3)
			goto next;
		if ((!udp && st != 0x0a) || (udp && st != 0x07))
			goto next;
		colon = strchr(local, ':');
		if (colon == NULL || sscanf(colon + 1, "%x", &port) != 1)
			goto next;
		*colon = '\0';
		loop = v6 ? strcmp(local, "00000000000000000000000001000000") == 0 :
		    strcmp(local + 6, "7F") == 0 || strncmp(local + 6, "7F", 2) == 0;
		for (i = 0; i < n; i++)
			if (s[i].port == port && s[i].udp == udp)
				break;
		if (i == n) {
			s[n].port = port;
			s[n].udp = udp;
			s[n].exposed = 0;
			n++;
		}
		s[i].exposed |= !loop;
next:
		p = strchr(p, '\n');
	}
	tim_buf_release(&f);
	return n;
}

static void
c_anonymous(struct host *h, struct tim_host_result *r)
{
	struct tim_buf f = TIM_BUF_INIT, list = TIM_BUF_INIT;
	struct sock s[512];
	size_t n = 0, i;
	int fail = 0, unknown = 0;
	char v[64];

	n = listening(h, "/proc/net/tcp", 0, 0, s, n, 512);
	n = listening(h, "/proc/net/tcp6", 0, 1, s, n, 512);
	n = listening(h, "/proc/net/udp", 1, 0, s, n, 512);
	n = listening(h, "/proc/net/udp6", 1, 1, s, n, 512);
	if (n == 0 && !hexists(h, "/proc/net/tcp", NULL)) {
		say(r, TIM_HOST_UNKNOWN, _("/proc/net/tcp cannot be read"));
		goto out;
	}
	for (i = 0; i < n; i++) {
		if (!s[i].exposed)
			continue;
		tim_buf_addf(&list, "%s%u/%s", list.len ? " " : "", s[i].port, s[i].udp ? "udp" : "tcp");
		if (!s[i].udp && s[i].port == 21) {
			if (hfile(h, "/etc/vsftpd.conf", &f) == 0 &&
			    conf_value(f.buf, "anonymous_enable", "=", v, sizeof(v))) {
				if (strcasecmp(v, "YES") == 0) {
					say(r, TIM_HOST_FAIL, _("ftp (21/tcp) with vsftpd anonymous_enable=YES"));
					fail = 1;
				}
			} else {
				say(r, TIM_HOST_UNKNOWN, _("ftp (21/tcp) listening; anonymous login not determined"));
				unknown = 1;
			}
		} else if (!s[i].udp && s[i].port == 23) {
			say(r, TIM_HOST_FAIL, _("telnet (23/tcp) listening"));
			fail = 1;
		} else if (!s[i].udp && (s[i].port == 512 || s[i].port == 513 || s[i].port == 514)) {
			say(r, TIM_HOST_FAIL, _("rexec/rlogin/rsh (%u/tcp) listening"), s[i].port);
			fail = 1;
		} else if (s[i].udp && s[i].port == 69) {
			say(r, TIM_HOST_FAIL, _("tftp (69/udp) listening: no authentication at all"));
			fail = 1;
		} else if (!s[i].udp && (s[i].port == 445 || s[i].port == 139)) {
			if (hfile(h, "/etc/samba/smb.conf", &f) == 0 &&
			    (strstr(f.buf, "guest ok = yes") || strstr(f.buf, "map to guest = bad user") ||
			    strstr(f.buf, "map to guest = Bad User") || strstr(f.buf, "public = yes"))) {
				say(r, TIM_HOST_FAIL, _("smb (%u/tcp) with guest access in smb.conf"), s[i].port);
				fail = 1;
			} else if (f.len == 0) {
				say(r, TIM_HOST_UNKNOWN, _("smb (%u/tcp) listening; guest access not determined"), s[i].port);
				unknown = 1;
			}
		} else if (!s[i].udp && s[i].port == 873) {
			say(r, TIM_HOST_UNKNOWN, _("rsync daemon (873/tcp) listening; module auth not read"));
			unknown = 1;
		}
	}
	if (!fail && !unknown)
		say(r, TIM_HOST_PASS, _("no anonymous service listening (exposed: %s)"),
		    list.len ? list.buf : _("none"));
	else if (fail)
		r->status = TIM_HOST_FAIL;
out:
	tim_buf_release(&f);
	tim_buf_release(&list);
}

struct tmout {
	long secs;
	char where[256];
};

static void
tmout_conf(const struct host *h, const char *path, const char *text, void *arg)
{
	struct tmout *t = arg;
	const char *p = text;

	(void)h;
	while ((p = strstr(p, "TMOUT=")) != NULL) {
		long v = strtol(p + 6, NULL, 10);

		if (v > 0 && (t->secs == 0 || v < t->secs)) {
			t->secs = v;
			snprintf(t->where, sizeof(t->where), "%s", path);
		}
		p += 6;
	}
}

static void
c_idle(struct host *h, struct tim_host_result *r)
{
	struct tim_buf f = TIM_BUF_INIT;
	struct tmout t = { 0, "" };
	char v[64];
	long sec;

	if (hfile(h, "/etc/profile", &f) == 0)
		tmout_conf(h, "/etc/profile", f.buf, &t);
	if (hfile(h, "/etc/bash.bashrc", &f) == 0)
		tmout_conf(h, "/etc/bash.bashrc", f.buf, &t);
	hdir(h, "/etc/profile.d", ".sh", tmout_conf, &t);
	if (t.secs > 0 && t.secs <= 3600)
		say(r, TIM_HOST_PASS, _("TMOUT=%ld in %s"), t.secs, t.where);
	else if (t.secs > 3600)
		say(r, TIM_HOST_FAIL, _("TMOUT=%ld in %s is over an hour"), t.secs, t.where);
	else if (hfile(h, "/etc/systemd/logind.conf", &f) == 0 &&
	    conf_value(f.buf, "StopIdleSessionSec", "=", v, sizeof(v)) && (sec = timespan(v)) > 0)
		say(r, TIM_HOST_PASS, _("logind.conf StopIdleSessionSec=%s"), v);
	else
		say(r, TIM_HOST_FAIL, _("no idle logout (TMOUT in /etc/profile*, logind StopIdleSessionSec); a desktop screen lock is not visible to tim"));
	tim_buf_release(&f);
}

static void
c_password(struct host *h, struct tim_host_result *r)
{
	static const char *pam[] = { "/etc/pam.d/common-password", "/etc/pam.d/system-auth",
	    "/etc/pam.d/password-auth" };
	struct tim_buf f = TIM_BUF_INIT;
	char maxdays[32] = "";
	int quality = 0, history = 0, any = 0;
	size_t i;

	if (hfile(h, "/etc/login.defs", &f) == 0)
		conf_value(f.buf, "PASS_MAX_DAYS", " \t", maxdays, sizeof(maxdays));
	for (i = 0; i < 3; i++) {
		if (hfile(h, pam[i], &f) < 0)
			continue;
		any = 1;
		quality |= strstr(f.buf, "pam_pwquality") != NULL || strstr(f.buf, "pam_cracklib") != NULL ||
		    strstr(f.buf, "pam_passwdqc") != NULL;
		history |= strstr(f.buf, "pam_pwhistory") != NULL || strstr(f.buf, "remember=") != NULL;
	}
	if (!any) {
		say(r, TIM_HOST_UNKNOWN, _("no PAM password stack found"));
		goto out;
	}
	say(r, quality && (history || (maxdays[0] && atol(maxdays) < 99999)) ? TIM_HOST_PASS : TIM_HOST_FAIL,
	    _("quality check %s, reuse prevention %s, PASS_MAX_DAYS %s"),
	    quality ? "pam_pwquality/cracklib" : _("missing"), history ? "pam_pwhistory/remember" : _("missing"),
	    maxdays[0] ? maxdays : _("unset"));
out:
	tim_buf_release(&f);
}

struct apt {
	int unattended;
	char where[256];
};

static void
apt_conf(const struct host *h, const char *path, const char *text, void *arg)
{
	struct apt *a = arg;
	const char *p = strstr(text, "APT::Periodic::Unattended-Upgrade");

	(void)h;
	if (p && (strstr(p, "\"1\"") || strstr(p, "\"true\""))) {
		a->unattended = 1;
		snprintf(a->where, sizeof(a->where), "%s", path);
	}
}

static void
c_updates(struct host *h, struct tim_host_result *r)
{
	struct tim_buf f = TIM_BUF_INIT;
	struct apt a = { 0, "" };
	char v[32];

	if (hexists(h, "/usr/bin/apt-get", NULL)) {
		hdir(h, "/etc/apt/apt.conf.d", "", apt_conf, &a);
		if (a.unattended && hexists(h, "/usr/bin/unattended-upgrade", NULL))
			say(r, TIM_HOST_PASS, _("unattended-upgrades enabled in %s"), a.where);
		else if (a.unattended)
			say(r, TIM_HOST_FAIL, _("enabled in %s but unattended-upgrades is not installed"), a.where);
		else
			say(r, TIM_HOST_FAIL, _("APT::Periodic::Unattended-Upgrade is not enabled"));
	} else if (hfile(h, "/etc/dnf/automatic.conf", &f) == 0) {
		if (conf_value(f.buf, "apply_updates", "= ", v, sizeof(v)) && strcasecmp(v, "yes") == 0)
			say(r, TIM_HOST_PASS, _("dnf-automatic apply_updates=yes (timer state not read)"));
		else
			say(r, TIM_HOST_FAIL, _("dnf-automatic does not apply updates"));
	} else
		say(r, TIM_HOST_UNKNOWN, _("neither apt nor dnf-automatic found"));
	tim_buf_release(&f);
}

/* Whether the block device maj:min or one below it is a dm-crypt mapping. */
static int
crypt_below(unsigned maj, unsigned min, int depth)
{
	struct tim_buf p = TIM_BUF_INIT, uuid = TIM_BUF_INIT;
	struct tim_err err;
	struct dirent *de;
	int found = 0;
	DIR *d;

	if (depth > 8)
		return 0;
	tim_buf_addf(&p, "/sys/dev/block/%u:%u/dm/uuid", maj, min);
	if (tim_read_file(p.buf, 4096, 0, &uuid, &err) == 0 && strncmp(uuid.buf, "CRYPT-", 6) == 0)
		found = 1;
	tim_buf_reset(&p);
	tim_buf_addf(&p, "/sys/dev/block/%u:%u/slaves", maj, min);
	d = found ? NULL : opendir(p.buf);
	while (d && !found && (de = readdir(d)) != NULL) {
		struct tim_buf dev = TIM_BUF_INIT, v = TIM_BUF_INIT;
		unsigned a, b;

		if (de->d_name[0] == '.')
			continue;
		tim_buf_addf(&dev, "/sys/class/block/%s/dev", de->d_name);
		if (tim_read_file(dev.buf, 64, 0, &v, &err) == 0 && sscanf(v.buf, "%u:%u", &a, &b) == 2)
			found = crypt_below(a, b, depth + 1);
		tim_buf_release(&dev);
		tim_buf_release(&v);
	}
	if (d)
		closedir(d);
	tim_buf_release(&p);
	tim_buf_release(&uuid);
	return found;
}

static void
c_disk(struct host *h, struct tim_host_result *r)
{
	struct tim_buf mi = TIM_BUF_INIT;
	const char *p, *e;
	struct tim_err err;
	int any = 0, fail = 0, unknown = 0;

	if (h->o->data == NULL || *h->o->data == '\0') {
		say(r, TIM_HOST_UNKNOWN, _("no controlled data paths given ([host] data-paths or --data)"));
		return;
	}
	if (!h->live || tim_read_file("/proc/self/mountinfo", FILE_MAX, 0, &mi, &err) < 0) {
		say(r, TIM_HOST_UNKNOWN, _("mounts are only read on the running host"));
		goto out;
	}
	for (p = h->o->data; *p; p = *e ? e + 1 : e) {
		char path[4096], best[4096] = "", fstype[64] = "", real[4096];
		unsigned maj = 0, min = 0;
		const char *line;
		size_t bestlen = 0, len;

		e = strchr(p, ',');
		if (e == NULL)
			e = p + strlen(p);
		len = (size_t)(e - p);
		if (len == 0 || len >= sizeof(path))
			continue;
		memcpy(path, p, len);
		path[len] = '\0';
		if (realpath(path, real) == NULL) {
			say(r, TIM_HOST_UNKNOWN, "%s: %s", path, strerror(errno));
			unknown = 1;
			continue;
		}
		any = 1;
		/* The longest mount point that holds the path. */
		for (line = mi.buf; line && *line; line = strchr(line, '\n') ? strchr(line, '\n') + 1 : NULL) {
			char mnt[4096], fs[64];
			unsigned a, b;
			size_t ml;
			const char *dash;

			if (sscanf(line, "%*u %*u %u:%u %*s %4095s", &a, &b, mnt) != 3)
				continue;
			dash = strstr(line, " - ");
			if (dash == NULL || sscanf(dash + 3, "%63s", fs) != 1)
				continue;
			ml = strlen(mnt);
			if ((strcmp(mnt, "/") == 0 || (strncmp(real, mnt, ml) == 0 &&
			    (real[ml] == '/' || real[ml] == '\0'))) && ml >= bestlen) {
				bestlen = ml;
				snprintf(best, sizeof(best), "%s", mnt);
				snprintf(fstype, sizeof(fstype), "%s", fs);
				maj = a;
				min = b;
			}
		}
		if (strcmp(fstype, "ecryptfs") == 0 || strcmp(fstype, "fuse.gocryptfs") == 0)
			say(r, TIM_HOST_PASS, _("%s: on %s (%s)"), path, best, fstype);
		else if (maj != 0 && crypt_below(maj, min, 0))
			say(r, TIM_HOST_PASS, _("%s: on %s, dm-crypt below device %u:%u"), path, best, maj, min);
		else if (maj == 0 || strcmp(fstype, "overlay") == 0 || strcmp(fstype, "zfs") == 0) {
			say(r, TIM_HOST_UNKNOWN, _("%s: on %s (%s); encryption not visible"), path, best, fstype);
			unknown = 1;
		} else {
			say(r, TIM_HOST_FAIL, _("%s: on %s (%s, device %u:%u) without dm-crypt"), path, best, fstype, maj, min);
			fail = 1;
		}
	}
	r->status = fail ? TIM_HOST_FAIL : unknown || !any ? TIM_HOST_UNKNOWN : TIM_HOST_PASS;
out:
	tim_buf_release(&mi);
}

static void
c_ledger(struct host *h, struct tim_host_result *r)
{
	struct tim_ledger_verify_result res;
	struct tim_err err;

	if (h->o->ledger == NULL || *h->o->ledger == '\0') {
		say(r, TIM_HOST_UNKNOWN, _("no ledger configured ([ledger] path, TIM_LEDGER or --ledger)"));
		return;
	}
	memset(&res, 0, sizeof(res));
	tim_err_clear(&err);
	if (tim_ledger_verify(h->o->ledger, NULL, &res, &err) < 0)
		say(r, TIM_HOST_FAIL, "%s", err.msg);
	else if (!res.ok)
		say(r, TIM_HOST_FAIL, _("%s: line %llu: %s"), h->o->ledger, (unsigned long long)res.bad_line, res.reason);
	else
		say(r, TIM_HOST_PASS, _("%s verifies: %llu records"), h->o->ledger,
		    (unsigned long long)(res.lines ? res.lines - 1 : 0));
	free(res.leaves);
}

static int
in_container(void)
{
	struct tim_buf b = TIM_BUF_INIT;
	struct tim_err err;
	struct stat st;
	int r = 0;

	if (getenv("container") || stat("/.dockerenv", &st) == 0 || stat("/run/.containerenv", &st) == 0)
		return 1;
	if (tim_read_file("/proc/1/cgroup", FILE_MAX, 0, &b, &err) == 0)
		r = strstr(b.buf, "docker") || strstr(b.buf, "kubepods") || strstr(b.buf, "lxc") ||
		    strstr(b.buf, "containerd");
	tim_buf_release(&b);
	return r;
}

static const struct {
	const char *id, *clause, *title;
	void (*fn)(struct host *, struct tim_host_result *);
} checks[TIM_HOST_NCHECKS] = {
	{ "firewall", "告示 V 第一 2", N_("a firewall is active"), c_firewall },
	{ "time-sync", "告示 V 第一 36", N_("the clock is synchronised"), c_time },
	{ "audit-log", "告示 V 第一 32", N_("audit logging is running"), c_audit },
	{ "audit-retention", "告示 V 第一 33", N_("audit logs are kept three months or more"), c_retention },
	{ "usb-storage", "告示 V 第一 21", N_("USB storage is disabled"), c_usb },
	{ "anonymous-services", "告示 V 第一 8", N_("no anonymous network service"), c_anonymous },
	{ "idle-logout", "告示 V 第一 42", N_("idle sessions are locked or logged out"), c_idle },
	{ "password-policy", "告示 V 第二 6、V 第二 7", N_("passwords are checked and not reused"), c_password },
	{ "auto-updates", "告示 V 第一 12", N_("updates are applied automatically"), c_updates },
	{ "disk-encryption", "告示 V 第二 11、V 第三 3", N_("controlled data paths are encrypted at rest"), c_disk },
	{ "ledger", "告示 I 第四 1", N_("the ledger is present and verifies"), c_ledger },
};

void
tim_host_check(const struct tim_host_opts *o, struct tim_host_result out[TIM_HOST_NCHECKS])
{
	struct host h;
	size_t i;

	memset(&h, 0, sizeof(h));
	h.o = o;
	h.root = o->root && *o->root ? o->root : "/";
	h.live = strcmp(h.root, "/") == 0;
	h.container = h.live && in_container();
	for (i = 0; i < TIM_HOST_NCHECKS; i++) {
		memset(&out[i], 0, sizeof(out[i]));
		out[i].id = checks[i].id;
		out[i].clause = checks[i].clause;
		out[i].title = checks[i].title;
		out[i].status = TIM_HOST_UNKNOWN;
		checks[i].fn(&h, &out[i]);
	}
}
