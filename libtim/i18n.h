#ifndef TIM_I18N_H
#define TIM_I18N_H

#include <libintl.h>

#define TIM_TEXTDOMAIN "tim"

/*
 * Messages are looked up in tim's own domain, so the library translates even
 * inside a program that set another text domain.
 */
#define _(s) dgettext(TIM_TEXTDOMAIN, s)
#define N_(s) (s)

/*
 * Set the locale from the environment and bind the catalogue directory:
 * TIM_LOCALEDIR when set (tests run from the build tree), else the one
 * fixed at build time.
 */
void tim_i18n_init(void);

#endif
