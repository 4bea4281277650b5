#include <sys/prctl.h>
#include <sys/resource.h>

#include "secret.h"
#include "secrets.h"
#include "banned.h"

void
tim_cli_hold_secrets(void)
{
	static const struct rlimit none = { 0, 0 };
	static int done;

	if (done)
		return;
	done = 1;
	/*
	 * Issue 18: a password read for a decrypt appeared in a core dump.
	 * PR_SET_DUMPABLE 0 stops the kernel writing one (fs.suid_dumpable 0)
	 * and other processes of the user reading our memory; RLIMIT_CORE 0
	 * covers the same for a helper we might exec.
	 */
	(void)prctl(PR_SET_DUMPABLE, 0, 0, 0, 0);
	(void)setrlimit(RLIMIT_CORE, &none);
	(void)tim_secret_heap_init();
}
