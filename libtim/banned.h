#ifndef TIM_BANNED_H
#define TIM_BANNED_H

/*
 * Functions that make buffer overflows easy. Including this header last turns
 * every use into a compile error that names the function (git's banned.h).
 */
#define TIM_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) TIM_BANNED(strcpy)
#undef strcat
#define strcat(x, y) TIM_BANNED(strcat)
#undef sprintf
#define sprintf(...) TIM_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) TIM_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) TIM_BANNED(strtok)
#undef gets
#define gets(x) TIM_BANNED(gets)
#undef mktemp
#define mktemp(x) TIM_BANNED(mktemp)

#endif
