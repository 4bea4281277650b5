#include <locale.h>
#include <stdlib.h>

#include "cli.h"
#include "i18n.h"
#include "banned.h"

#ifndef TIM_LOCALEDIR
#define TIM_LOCALEDIR "/usr/local/share/locale"
#endif

void
tim_i18n_init(void)
{
	const char *dir = getenv("TIM_LOCALEDIR");

	setlocale(LC_ALL, "");
	bindtextdomain(TIM_TEXTDOMAIN, dir && *dir ? dir : TIM_LOCALEDIR);
	bind_textdomain_codeset(TIM_TEXTDOMAIN, "UTF-8");
}
