# tim — one GNU make file. `make`, `make check`, `make demo`, `make install`.
# Knobs: PREFIX DESTDIR CC CFLAGS LDFLAGS DEV=1 SANITIZE=address,undefined

PREFIX     ?= /usr/local
BINDIR     ?= $(PREFIX)/bin
LIBDIR     ?= $(PREFIX)/lib
INCLUDEDIR ?= $(PREFIX)/include
DATADIR    ?= $(PREFIX)/share
MANDIR     ?= $(DATADIR)/man
LOCALEDIR  ?= $(DATADIR)/locale
DOCDIR     ?= $(DATADIR)/doc/tim
BASHCOMPDIR ?= $(DATADIR)/bash-completion/completions
ZSHCOMPDIR ?= $(DATADIR)/zsh/vendor-completions

CC      ?= cc
CFLAGS  ?= -O2 -g
PKG_CONFIG ?= pkg-config
PKGS     = libarchive libcrypto libxml-2.0 zlib jansson inih libmicrohttpd libcurl libzip yajl
VERSION  = $(shell sed -n 's/^\#define TIM_VERSION "\(.*\)"/\1/p' include/tim/version.h)

# A missing library stops the build with one line naming it, not with a
# compiler error about a header (pkg-config would empty every flag).
ifeq ($(filter clean pot update-po deps check-deps lint,$(MAKECMDGOALS)),)
PKG_MISSING := $(shell for m in $(PKGS); do $(PKG_CONFIG) --exists $$m 2>/dev/null || echo $$m; done)
ifneq ($(PKG_MISSING),)
PKG_DEB_libarchive = libarchive-dev
PKG_DEB_libcrypto = libssl-dev
PKG_DEB_libxml-2.0 = libxml2-dev
PKG_DEB_zlib = zlib1g-dev
PKG_DEB_jansson = libjansson-dev
PKG_DEB_yajl = libyajl-dev
PKG_DEB_inih = libinih-dev
PKG_DEB_libmicrohttpd = libmicrohttpd-dev
PKG_DEB_libcurl = libcurl4-openssl-dev
PKG_DEB_libzip = libzip-dev
$(error missing pkg-config module(s) $(PKG_MISSING): install $(foreach m,$(PKG_MISSING),$(PKG_DEB_$(m))) (apt-get install), or run 'make deps')
endif
endif

B = build
TIM_CPPFLAGS = -D_GNU_SOURCE -D_FILE_OFFSET_BITS=64 -Ilibtim -Iinclude/tim \
	-DTIM_LOCALEDIR='"$(LOCALEDIR)"' -DTIM_DATADIR='"$(DATADIR)/tim"' $(shell $(PKG_CONFIG) --cflags $(PKGS) 2>/dev/null)
TIM_CFLAGS = -std=c11 -fPIC -pthread
TIM_LIBS = $(shell $(PKG_CONFIG) --libs $(PKGS) 2>/dev/null) -pthread

ifdef DEV
TIM_CFLAGS += -Werror -Wall -Wextra -Wshadow -Wstrict-prototypes \
	-Wmissing-prototypes -Wformat=2 -Wvla -Wno-format-nonliteral
endif
ifdef SANITIZE
TIM_CFLAGS += -fsanitize=$(SANITIZE) -fno-sanitize-recover=all -fno-omit-frame-pointer
LDFLAGS += -fsanitize=$(SANITIZE)
endif

ALL_CFLAGS = $(TIM_CPPFLAGS) $(CPPFLAGS) $(TIM_CFLAGS) $(CFLAGS)

LIB_SRC  = $(sort $(wildcard libtim/*.c))
LIB_OBJ  = $(LIB_SRC:%.c=$(B)/%.o)
# The public API is include/tim/, installed as <tim/...>: standard C and
# POSIX besides each other, extern "C", no _ or N_. libtim/*.h are private
# to tim and never installed. Both are found by "name.h".
API_HDR  = $(sort $(wildcard include/tim/*.h))
LIB_HDR  = $(sort $(wildcard libtim/*.h)) $(API_HDR)
# The front-end library: options, printing, prompts, signals and exit
# statuses shared by the tools. Linked into the binaries, never installed.
FE_SRC   = $(sort $(filter-out cmd/tim-%.c,$(wildcard cmd/*.c)))
FE_OBJ   = $(FE_SRC:%.c=$(B)/%.o)
CMDS     = $(sort $(patsubst cmd/%.c,%,$(wildcard cmd/tim-*.c)))
BINS     = $(CMDS:%=$(B)/bin/%)
# Test builds of tools with fault injection (tests/hooks/), for the tests
# only: built beside the tools, never installed.
TEST_BINS = $(B)/test-bin/tim-wipe
UNIT_SRC = $(sort $(wildcard tests/unit/test-*.c))
UNITS    = $(UNIT_SRC:tests/unit/%.c=$(B)/tests/%)
MANS     = $(sort $(wildcard man/*.[1-8]))
MANS_JA  = $(sort $(wildcard man/ja/*.[1-8]))
# po/ja.po first: with msgcat --use-first its wording (the glossary's terms)
# wins; po/ja-AREA.po files add the messages a branch brought.
PO       = po/ja.po $(filter-out po/ja.po,$(sort $(wildcard po/*.po)))
MO       = $(B)/locale/ja/LC_MESSAGES/tim.mo
FUZZ_SRC = $(sort $(wildcard fuzz/fuzz-*.c))
FUZZERS  = $(FUZZ_SRC:fuzz/%.c=$(B)/fuzz/%)

.PHONY: all deps check-deps check test demo install uninstall clean fuzz fuzz-long bench lint pot update-po
.DELETE_ON_ERROR:

all: $(BINS) $(TEST_BINS) $(B)/libtim.a $(B)/libtim.pc $(MO)

# Compiler flags are part of every object's recipe: rebuild when they change
# (git's GIT-CFLAGS).
$(B)/FLAGS: FORCE
	@mkdir -p $(B)
	@echo '$(CC) $(ALL_CFLAGS) $(LDFLAGS) $(TIM_LIBS) $(PREFIX) $(LIBDIR) $(INCLUDEDIR)' > $@.new
	@cmp -s $@.new $@ && rm -f $@.new || mv -f $@.new $@
FORCE:

$(B)/%.o: %.c $(B)/FLAGS
	@mkdir -p $(dir $@)
	$(CC) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

# Front ends and tests see cmd/; the library does not.
$(B)/cmd/%.o: cmd/%.c $(B)/FLAGS
	@mkdir -p $(dir $@)
	$(CC) -Icmd $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/tests/unit/%.o: tests/unit/%.c $(B)/FLAGS
	@mkdir -p $(dir $@)
	$(CC) -Icmd $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(B)/libtimfe.a: $(FE_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/libtim.a: $(LIB_OBJ)
	rm -f $@
	$(AR) rcs $@ $^

$(B)/bin/%: $(B)/cmd/%.o $(B)/libtimfe.a $(B)/libtim.a
	@mkdir -p $(dir $@)
	$(CC) $(TIM_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libtimfe.a $(B)/libtim.a $(TIM_LIBS)

$(B)/test-obj/tim-wipe.o: cmd/tim-wipe.c $(B)/FLAGS
	@mkdir -p $(dir $@)
	$(CC) -Icmd -Itests/hooks -DTIM_TEST_HOOKS $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/test-obj/wipe-faults.o: tests/hooks/wipe-faults.c $(B)/FLAGS
	@mkdir -p $(dir $@)
	$(CC) -Itests/hooks $(ALL_CFLAGS) -MMD -MP -c -o $@ $<
$(B)/test-bin/tim-wipe: $(B)/test-obj/tim-wipe.o $(B)/test-obj/wipe-faults.o $(B)/libtimfe.a $(B)/libtim.a
	@mkdir -p $(dir $@)
	$(CC) $(TIM_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $(B)/test-obj/tim-wipe.o $(B)/test-obj/wipe-faults.o $(B)/libtimfe.a $(B)/libtim.a $(TIM_LIBS)

$(B)/tests/%: $(B)/tests/unit/%.o $(B)/libtimfe.a $(B)/libtim.a
	@mkdir -p $(dir $@)
	$(CC) $(TIM_CFLAGS) $(CFLAGS) $(LDFLAGS) -o $@ $< $(B)/libtimfe.a $(B)/libtim.a $(TIM_LIBS)

# The public structs hold off_t: a program gets the library's 64-bit one.
# The libraries libtim.a needs are the -l flags it was built with, in
# Libs.private (`pkg-config --libs --static libtim`), not Requires.private:
# that would also pull in the static-only dependencies of libarchive and
# libxml2 (-lacl, -lzstd, ...), which their -dev packages do not install.
$(B)/libtim.pc: Makefile include/tim/version.h $(B)/FLAGS
	@mkdir -p $(B)
	printf '%s\n' 'prefix=$(PREFIX)' 'libdir=$(LIBDIR)' 'includedir=$(INCLUDEDIR)' '' \
	  'Name: libtim' 'Description: technology information management controls (tim)' \
	  'Version: $(VERSION)' \
	  'Libs: -L$${libdir} -ltim' 'Libs.private: $(strip $(TIM_LIBS))' \
	  'Cflags: -I$${includedir} -D_FILE_OFFSET_BITS=64' > $@

# The Japanese catalogue.
$(MO): $(PO)
	@mkdir -p $(dir $@)
	msgcat --use-first $(PO) | msgfmt --check-format -o $@ -

# Messages: `make pot` extracts them, `make update-po` merges them into
# po/ja.po for translation (tests/i18n.bats fails while any is untranslated).
pot:
	xgettext --from-code=UTF-8 -k_ -kN_ --package-name=tim --package-version=$(VERSION) \
	    -o po/tim.pot $(LIB_SRC) $(sort $(wildcard cmd/*.c))

update-po: pot
	msgmerge -q --update --backup=none po/ja.po po/tim.pot

deps:
	@sh scripts/deps.sh

check-deps:
	@sh scripts/deps.sh check

# The README's two commands install what is missing first, then build. The
# recursive make reads pkg-config again after the install.
check: check-deps
	@$(MAKE) --no-print-directory all $(UNITS)
	@sh tests/run

test: all $(UNITS)
	@sh tests/run

demo: deps
	@$(MAKE) --no-print-directory all
	@sh examples/quickstart.sh

lint:
	mandoc -Tlint -Wwarning $(MANS) $(MANS_JA)

fuzz: $(FUZZERS)

# Every target for FUZZ_TIME seconds (default 600) on its corpus in the repo;
# coverage-adding inputs are merged back into fuzz/corpus/NAME, findings go
# to $(B)/fuzz/findings/NAME/. FUZZ_TARGETS="config bundle" for some only.
fuzz-long: $(FUZZERS)
	@sh scripts/fuzz-long.sh $(B) $(FUZZ_TARGETS)

# The library is built once with the fuzzing instrumentation, then linked
# into each target.
FUZZ_CC = clang
FUZZ_FLAGS = -g -O1 -fsanitize=fuzzer-no-link,address,undefined $(TIM_CPPFLAGS)
FUZZ_OBJ = $(LIB_SRC:libtim/%.c=$(B)/fuzz/obj/%.o)
$(B)/fuzz/obj/%.o: libtim/%.c $(LIB_HDR)
	@mkdir -p $(dir $@)
	$(FUZZ_CC) $(FUZZ_FLAGS) -c -o $@ $<
$(B)/fuzz/libtim-fuzz.a: $(FUZZ_OBJ)
	rm -f $@
	$(AR) rcs $@ $^
$(B)/fuzz/%: fuzz/%.c $(wildcard fuzz/*.h) $(B)/fuzz/libtim-fuzz.a
	@mkdir -p $(dir $@)
	$(FUZZ_CC) -g -O1 -fsanitize=fuzzer,address,undefined -Werror=implicit-function-declaration \
	    $(TIM_CPPFLAGS) -o $@ $< \
	    $(B)/fuzz/libtim-fuzz.a $(TIM_LIBS)

bench: all
	@for s in bench/*.sh; do sh $$s || exit 1; done

# NOBUILD=1 installs what the build dir already holds without remaking it
# (tests/api.bats installs a build made with other flags).
install: $(if $(NOBUILD),,all)
	install -d $(DESTDIR)$(BINDIR) $(DESTDIR)$(LIBDIR)/pkgconfig \
	  $(DESTDIR)$(INCLUDEDIR)/tim $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(MANDIR)/man5 \
	  $(DESTDIR)$(MANDIR)/man7 $(DESTDIR)$(MANDIR)/ja/man1 \
  $(DESTDIR)$(MANDIR)/ja/man5 $(DESTDIR)$(MANDIR)/ja/man7 \
	  $(DESTDIR)$(LOCALEDIR)/ja/LC_MESSAGES \
	  $(DESTDIR)$(BASHCOMPDIR) $(DESTDIR)$(ZSHCOMPDIR) $(DESTDIR)$(DOCDIR)/examples \
	  $(DESTDIR)$(DATADIR)/tim
	install -m 755 $(BINS) $(DESTDIR)$(BINDIR)
	install -m 644 $(B)/libtim.a $(DESTDIR)$(LIBDIR)
	install -m 644 $(B)/libtim.pc $(DESTDIR)$(LIBDIR)/pkgconfig
	install -m 644 $(API_HDR) $(DESTDIR)$(INCLUDEDIR)/tim
	for m in $(MANS); do install -m 644 $$m $(DESTDIR)$(MANDIR)/man$${m##*.}; done
	for m in $(MANS_JA); do install -m 644 $$m $(DESTDIR)$(MANDIR)/ja/man$${m##*.}; done
	install -m 644 $(MO) $(DESTDIR)$(LOCALEDIR)/ja/LC_MESSAGES/tim.mo
	install -m 644 data/common-passwords.txt $(DESTDIR)$(DATADIR)/tim
	install -m 644 completions/bash/* $(DESTDIR)$(BASHCOMPDIR)
	install -m 644 completions/zsh/* $(DESTDIR)$(ZSHCOMPDIR)
	cp -R examples/. $(DESTDIR)$(DOCDIR)/examples
	install -m 644 README.md README.ja.md $(DESTDIR)$(DOCDIR)

uninstall:
	for c in $(CMDS); do rm -f $(DESTDIR)$(BINDIR)/$$c; done
	rm -f $(DESTDIR)$(LIBDIR)/libtim.a $(DESTDIR)$(LIBDIR)/pkgconfig/libtim.pc
	rm -rf $(DESTDIR)$(INCLUDEDIR)/tim $(DESTDIR)$(DOCDIR)
	for m in $(MANS); do rm -f $(DESTDIR)$(MANDIR)/man$${m##*.}/$${m##*/}; done
	for m in $(MANS_JA); do rm -f $(DESTDIR)$(MANDIR)/ja/man$${m##*.}/$${m##*/}; done
	rm -f $(DESTDIR)$(LOCALEDIR)/ja/LC_MESSAGES/tim.mo
	rm -rf $(DESTDIR)$(DATADIR)/tim
	for f in completions/bash/*; do rm -f $(DESTDIR)$(BASHCOMPDIR)/$${f##*/}; done
	for f in completions/zsh/*; do rm -f $(DESTDIR)$(ZSHCOMPDIR)/$${f##*/}; done

clean:
	rm -rf $(B)

-include $(LIB_OBJ:.o=.d) $(FE_OBJ:.o=.d) $(CMDS:%=$(B)/cmd/%.d) $(UNIT_SRC:%.c=$(B)/%.d) $(B)/test-obj/tim-wipe.d $(B)/test-obj/wipe-faults.d
