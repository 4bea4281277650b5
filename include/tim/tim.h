#ifndef TIM_TIM_H
#define TIM_TIM_H

/*
 * The public API of libtim, all of it: what a program outside tim includes
 * as <tim/tim.h>, or header by header as <tim/ledger.h> and so on, built
 * with `pkg-config --cflags --libs --static libtim`. Only standard C and
 * POSIX headers are needed besides these; every other libtim header is
 * private to tim and never installed.
 */

#include "version.h"
#include "err.h"
#include "buf.h"
#include "hash.h"
#include "merkle.h"
#include "config.h"
#include "label.h"
#include "ledger.h"

#endif
