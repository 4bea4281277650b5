#ifndef TIM_I18N_H
#define TIM_I18N_H

#include <libintl.h>

/*
 * Private to libtim and cmd/, never installed: a program that uses libtim
 * keeps its own _ and N_. The front end binds the catalogue (cmd/i18n.c).
 */
#define TIM_TEXTDOMAIN "tim"

/*
 * Messages are looked up in tim's own domain, so the library translates even
 * inside a program that set another text domain.
 */
#define _(s) dgettext(TIM_TEXTDOMAIN, s)
#define N_(s) (s)

#endif
