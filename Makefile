# hustings: GNU Make with pkg-config.  See README.md.
#
#   make            build build/hustings (and build/libstv.a)
#   make run        install missing Debian packages (as root), build, count
#                   the bundled example election, then serve the election
#                   service on 127.0.0.1:8080 with a demo database
#   make check      build and run every test, then again under ASan+UBSan;
#                   the last line is "N passed, N failed"
#   make bench      benchmarks (not tests): speed and memory on large files
#   make fuzz       libFuzzer harnesses (clang), each run for FUZZ_SECONDS=30
#   make lint       banned functions and floating point in the count, then
#                   gcc -fanalyzer, clang-tidy and cppcheck (see below)
#   make browser-test  the HTML report in headless Chromium (make check runs
#                   it too, or says SKIP where chromium is not installed)

VERSION   := 0.1.0
CC        ?= cc
BUILD     ?= build
SAN       ?=
PKGS      := pkg-config libcmocka-dev libgmp-dev libjansson-dev libsodium-dev \
             libmicrohttpd-dev libsqlite3-dev sqlite3 libcmark-dev tzdata \
             libxml2-utils
FUZZPKGS  := clang libclang-rt-14-dev
BROWSERPKGS := chromium
LINTPKGS  := cppcheck clang-tidy

HAVE_GMP  := $(shell pkg-config --exists gmp 2>/dev/null && echo 1)
WARN      := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes \
             -Wmissing-prototypes -Wno-missing-field-initializers
CFLAGS    ?= -O2 -g
ALLCFLAGS := -std=c17 $(WARN) $(CFLAGS) -D_DEFAULT_SOURCE \
             -D_POSIX_C_SOURCE=200809L -DHUSTINGS_VERSION='"$(VERSION)"' \
             -Iinclude -Isrc/lib -MMD -MP
LDLIBS_LIB :=
ifeq ($(HAVE_GMP),1)
ALLCFLAGS += -DSTV_HAVE_GMP=1 $(shell pkg-config --cflags gmp)
LDLIBS_LIB += $(shell pkg-config --libs gmp)
endif
ifneq ($(SAN),)
ALLCFLAGS += -fsanitize=$(SAN) -fno-omit-frame-pointer -fno-sanitize-recover=all
LDFLAGS   += -fsanitize=$(SAN)
endif

LIB_SRC   := $(sort $(wildcard src/lib/*.c))
CLI_SRC   := $(sort $(wildcard src/cli/*.c))
WEB_SRC   := $(sort $(wildcard src/web/*.c))
UNIT_SRC  := $(sort $(wildcard tests/unit/test_*.c))
WEBT_SRC  := $(sort $(wildcard tests/web/test_*.c))
LIB_OBJ   := $(LIB_SRC:%.c=$(BUILD)/%.o)
CLI_OBJ   := $(CLI_SRC:%.c=$(BUILD)/%.o)
WEB_OBJ   := $(WEB_SRC:%.c=$(BUILD)/%.o) $(BUILD)/gen/static_files.o
UNIT_BIN  := $(UNIT_SRC:tests/unit/%.c=$(BUILD)/tests/%)
WEBT_BIN  := $(WEBT_SRC:tests/web/%.c=$(BUILD)/tests/%)
FUZZW_BIN := $(patsubst tests/fuzz/%.c,$(BUILD)/tests/test_%,\
             $(sort $(wildcard tests/fuzz/fuzz_web_*.c)))
TOOL_BIN  := $(BUILD)/tests/real_check $(BUILD)/tests/load_all
LIBSTV    := $(BUILD)/libstv.a
LIBWEB    := $(BUILD)/libweb.a
STATIC    := $(sort $(wildcard src/web/static/*))

.PHONY: all run check test deps need lint bench fuzz clean build-tests
.PHONY: browser-deps browser-test FORCE
.SECONDARY:
all: $(BUILD)/hustings

$(BUILD)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC    $@"
	@$(CC) $(ALLCFLAGS) -c $< -o $@

$(LIBSTV): $(LIB_OBJ)
	@rm -f $@
	@echo "  AR    $@"
	@ar rcs $@ $^

JANSSON   := $(shell pkg-config --libs jansson 2>/dev/null)
SODIUM    := $(shell pkg-config --libs libsodium 2>/dev/null)
$(BUILD)/src/cli/%.o: ALLCFLAGS += $(shell pkg-config --cflags jansson libsodium 2>/dev/null)

# The web service (src/web/) sees only include/stv.h of the library: its
# flags leave out -Isrc/lib, so a private include fails to compile.
WEBPC     := libmicrohttpd sqlite3 libcmark libsodium jansson
WEBCFLAGS  = $(filter-out -Isrc/lib,$(ALLCFLAGS)) -Isrc/web \
             $(shell pkg-config --cflags $(WEBPC) 2>/dev/null)
WEBLIBS   := $(shell pkg-config --libs $(WEBPC) 2>/dev/null) -lpthread

$(BUILD)/src/web/%.o: src/web/%.c
	@mkdir -p $(dir $@)
	@echo "  CC    $@"
	@$(CC) $(WEBCFLAGS) -c $< -o $@

# style.css and the scripts, embedded in the binary by a small generator
$(BUILD)/tools/embed: src/web/tools/embed.c
	@mkdir -p $(dir $@)
	@echo "  CC    $@"
	@$(CC) $(ALLCFLAGS) -o $@ $<

# the list of files is a prerequisite too, so adding one regenerates
$(BUILD)/gen/static.list: FORCE
	@mkdir -p $(dir $@)
	@echo '$(STATIC)' | cmp -s - $@ || echo '$(STATIC)' > $@

$(BUILD)/gen/static_files.c: $(BUILD)/tools/embed $(STATIC) $(BUILD)/gen/static.list
	@mkdir -p $(dir $@)
	@echo "  GEN   $@"
	@$(BUILD)/tools/embed $(STATIC) > $@.tmp && mv $@.tmp $@

$(BUILD)/gen/static_files.o: $(BUILD)/gen/static_files.c
	@echo "  CC    $@"
	@$(CC) $(WEBCFLAGS) -c $< -o $@

$(LIBWEB): $(WEB_OBJ)
	@rm -f $@
	@echo "  AR    $@"
	@ar rcs $@ $^

$(BUILD)/src/cli/main.o: ALLCFLAGS += -Isrc/web

$(BUILD)/hustings: $(CLI_OBJ) $(LIBWEB) $(LIBSTV)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $(CLI_OBJ) $(LIBWEB) $(LIBSTV) $(LDLIBS_LIB) \
	  $(JANSSON) $(SODIUM) $(WEBLIBS)

$(BUILD)/tests/test_web_%: $(BUILD)/tests/unit/test_web_%.o $(LIBWEB) $(LIBSTV)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(LIBWEB) $(LIBSTV) $(LDLIBS_LIB) $(WEBLIBS) \
	  $(shell pkg-config --libs cmocka)

$(BUILD)/tests/unit/test_web_%.o: ALLCFLAGS += -Isrc/web $(shell pkg-config --cflags $(WEBPC) 2>/dev/null)

# The web fuzz targets, each linked with tests/fuzz/replay.c's main() into
# BUILD/tests/test_fuzz_web_NAME: make check replays the target's seed
# corpus and crash reproducers (tests/fuzz/{corpus,regress}/web_NAME/)
# with gcc, plain and under the sanitizers; make fuzz runs them with clang.
$(BUILD)/tests/fuzz/%.o: tests/fuzz/%.c
	@mkdir -p $(dir $@)
	@echo "  CC    $@"
	@$(CC) $(WEBCFLAGS) -c $< -o $@

$(BUILD)/tests/fuzz/replay_%.o: tests/fuzz/replay.c
	@mkdir -p $(dir $@)
	@echo "  CC    $@"
	@$(CC) $(WEBCFLAGS) -DFUZZ_NAME='"$*"' -c $< -o $@

$(BUILD)/tests/test_fuzz_web_%: $(BUILD)/tests/fuzz/fuzz_web_%.o \
    $(BUILD)/tests/fuzz/replay_web_%.o $(LIBWEB) $(LIBSTV)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS_LIB) $(WEBLIBS)

# Integration tests: the real server on a loopback port, driven over HTTP
# by tests/web/client.c.
$(BUILD)/tests/web/%.o: tests/web/%.c
	@mkdir -p $(dir $@)
	@echo "  CC    $@"
	@$(CC) $(WEBCFLAGS) $(shell pkg-config --cflags cmocka) -Itests/web -c $< -o $@

$(BUILD)/tests/test_%: $(BUILD)/tests/web/test_%.o $(BUILD)/tests/web/client.o \
    $(BUILD)/tests/web/testutil.o $(LIBWEB) $(LIBSTV)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(BUILD)/tests/web/client.o \
	  $(BUILD)/tests/web/testutil.o $(LIBWEB) $(LIBSTV) \
	  $(LDLIBS_LIB) $(WEBLIBS) $(shell pkg-config --libs cmocka)

$(BUILD)/tests/test_%: $(BUILD)/tests/unit/test_%.o $(LIBSTV)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(LIBSTV) $(LDLIBS_LIB) $(JANSSON) \
	  $(shell pkg-config --libs cmocka)

$(BUILD)/tests/%: $(BUILD)/tests/tools/%.o $(LIBSTV)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(LIBSTV) $(LDLIBS_LIB)

$(BUILD)/tests/unit/%.o: ALLCFLAGS += $(shell pkg-config --cflags cmocka)

# Debian packages: installed when run as root, otherwise the one line needed.
deps:
	@$(MAKE) --no-print-directory need PKGLIST='$(PKGS)'

need:
	@missing=""; for p in $(PKGLIST); do \
	  dpkg-query -W -f='$${Status}' $$p 2>/dev/null | grep -q 'ok installed' \
	    || missing="$$missing $$p"; done; \
	if [ -n "$$missing" ]; then \
	  if [ "$$(id -u)" = 0 ]; then \
	    echo "installing:$$missing"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive \
	      apt-get install -y -qq $$missing >/dev/null || exit 1; \
	  else \
	    echo "missing Debian packages; run:"; \
	    echo "  sudo apt-get install -y$$missing"; exit 1; \
	  fi; fi

# make run: count the bundled example, then serve the election service on
# 127.0.0.1:8080 with a demo database (invented names) built on first use.
# make run DEMO=voting: the demo with voting open (its own file; it prints
# two voting links).  make run DB=FILE serves another file; DEMO=0 starts
# empty.  Email is written to $(BUILD)/mail/*.eml, never sent (MAIL=...).
DEMO     ?= 1
DB       ?= $(if $(filter voting,$(DEMO)),$(BUILD)/demo-voting.db,$(BUILD)/demo.db)
LISTEN   ?= 127.0.0.1:8080
MAIL     ?= dir:$(BUILD)/mail
run: deps
	@$(MAKE) --no-print-directory all
	$(BUILD)/hustings count examples/branch-committee.blt
	@if [ "$(DEMO)" != 0 ] && [ ! -e "$(DB)" ]; then \
	  $(BUILD)/hustings demo --db "$(DB)" \
	    $(if $(filter voting,$(DEMO)),--voting) || exit 1; fi
	@mkdir -p $(BUILD)/mail
	exec $(BUILD)/hustings serve --db "$(DB)" --listen $(LISTEN) --mail "$(MAIL)"

build-tests: $(BUILD)/hustings $(UNIT_BIN) $(WEBT_BIN) $(FUZZW_BIN) $(TOOL_BIN)

# Every test, plain and then under ASan+UBSan; tests/run.sh prints the
# closing "N passed, N failed" line and fails if any test failed.
# The builds run CHECKJOBS at a time (2, the machines' cores) unless make
# was given -j itself; the tests run one at a time.
CHECKJOBS ?= 2
checkj     = $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(CHECKJOBS))
check: deps
	@$(MAKE) --no-print-directory lint
	@$(MAKE) --no-print-directory $(checkj) build-tests
	@$(MAKE) --no-print-directory $(checkj) BUILD=build/san \
	  SAN=address,undefined CFLAGS='-O1 -g' build-tests
	@$(MAKE) --no-print-directory build/bench/gen
	@$(MAKE) --no-print-directory browser-deps || \
	  echo "note: no chromium or playwright-core; the browser test is skipped"
	@tests/run.sh build build/san

test: check

# make lint: tests/lint.sh's mechanical checks, then three static analysers
# over src/lib, src/cli and src/web, each with the flags the build uses:
# gcc -fanalyzer, clang-tidy (checks in .clang-tidy) and cppcheck
# (suppressions in tests/cppcheck.supp).  Any finding fails, printed as
# file:line.  Incremental: one stamp per source and analyser under
# $(BUILD)/lint/, remade when the source, a header it includes (gcc -MMD)
# or the analyser's flags or configuration change; run with -j$(LINTJOBS).
LINTJOBS  ?= 2
LINTCC    ?= gcc
LINT      := $(BUILD)/lint
LINT_SRC  := $(LIB_SRC) $(CLI_SRC) $(WEB_SRC)
LINT_OK   := $(foreach a,gcc tidy cppcheck,$(LINT_SRC:%.c=$(LINT)/$(a)/%.ok))
# the build's flags for a source, without sanitizers or dependency output
lintflags = $(filter-out -MMD -MP -fsanitize=% -fno-sanitize-recover=all \
              -fno-omit-frame-pointer,$(if $(filter src/web/%,$1),$(WEBCFLAGS),\
              $(ALLCFLAGS) -Isrc/web $(shell pkg-config --cflags jansson \
              libsodium 2>/dev/null)))
# -O0: the analyser sees the code as written (no early inlining)
LINT_gcc  := -fanalyzer -O0
# shallow: less inlining across calls; the deep default costs 3x the time
LINT_tidy := --quiet -extra-arg=-Xclang -extra-arg=-analyzer-config \
             -extra-arg=-Xclang -extra-arg=mode=shallow
LINT_cppcheck := -q --enable=warning,portability,performance --std=c11 \
             --library=posix --inline-suppr --error-exitcode=1 \
             --suppressions-list=tests/cppcheck.supp
cppcheckflags = $(filter -D% -U% -Iinclude -Isrc/%,$(call lintflags,$1))

# one sub-make, for -j; -k: every finding in one go.  The packages first
# (need, with PKGLIST from lint-run), then the stamps.
lint:
	@$(MAKE) --no-print-directory -k \
	  $(if $(findstring jobserver,$(MAKEFLAGS)),,-j$(LINTJOBS)) lint-run

.PHONY: lint-run lint-mech
lint-run: PKGLIST = $(LINTPKGS)
lint-run: lint-mech $(LINT_OK)
	@echo "lint: gcc -fanalyzer, clang-tidy and cppcheck found nothing"
lint-mech:
	@tests/lint.sh
$(LINT_OK): | need

# each analyser's flags, in a file rewritten only when they change
lintconf  = $(LINT_$1) $(call lintflags,src/lib/x.c) $(call lintflags,src/web/x.c)
shq       = '$(subst ','\'',$1)'
$(LINT)/%.conf: FORCE
	@mkdir -p $(dir $@)
	@echo $(call shq,$(call lintconf,$*)) | cmp -s - $@ || \
	  echo $(call shq,$(call lintconf,$*)) > $@

$(LINT)/gcc/%.ok: %.c $(LINT)/gcc.conf
	@mkdir -p $(dir $@)
	@echo "  GCC-ANALYZER $<"
	@$(LINTCC) $(call lintflags,$<) $(LINT_gcc) -c -o /dev/null \
	  -MMD -MP -MF $(@:.ok=.d) -MT $@ -MT $(LINT)/tidy/$*.ok \
	  -MT $(LINT)/cppcheck/$*.ok $<
	@touch $@

$(LINT)/tidy/%.ok: %.c $(LINT)/tidy.conf .clang-tidy
	@mkdir -p $(dir $@)
	@echo "  CLANG-TIDY   $<"
	@clang-tidy $(LINT_tidy) $< -- $(call lintflags,$<) >$(@:.ok=.log) 2>&1; \
	  rc=$$?; grep -v '^[0-9]* warnings\? generated\.$$' $(@:.ok=.log) | \
	  sed 's|^$(CURDIR)/||'; exit $$rc
	@touch $@

$(LINT)/cppcheck/%.ok: %.c $(LINT)/cppcheck.conf tests/cppcheck.supp
	@mkdir -p $(dir $@)
	@echo "  CPPCHECK     $<"
	@cppcheck $(LINT_cppcheck) $(call cppcheckflags,$<) \
	  --template='{file}:{line}:{column}: {severity}: {message} [{id}]' $<
	@touch $@

bench: deps
	@$(MAKE) --no-print-directory all
	@$(MAKE) --no-print-directory $(BUILD)/bench/gen $(BUILD)/bench/web
	@bench/run.sh $(BUILD)

$(BUILD)/bench/gen: bench/gen.c
	@mkdir -p $(dir $@)
	$(CC) $(ALLCFLAGS) -o $@ $<

# the service under load (bench/web.c), driven by the integration tests'
# HTTP client
$(BUILD)/bench/web: bench/web.c $(BUILD)/tests/web/client.o $(LIBWEB) $(LIBSTV)
	@mkdir -p $(dir $@)
	@echo "  LD    $@"
	@$(CC) $(WEBCFLAGS) -Itests/web $(LDFLAGS) -o $@ bench/web.c \
	  $(BUILD)/tests/web/client.o $(LIBWEB) $(LIBSTV) $(LDLIBS_LIB) $(WEBLIBS)

# The HTML report in headless Chromium (tests/browser/): Debian's chromium
# (installed as root, otherwise the apt-get line is printed) and
# playwright-core from npm, pinned by tests/browser/package-lock.json and
# installed into $(BUILD)/browser/ (never into the repo).  npm is asked once;
# the stamp keeps it from running again.  Never a browser download.
browser-deps:
	@$(MAKE) --no-print-directory need PKGLIST='$(BROWSERPKGS)'
	@$(MAKE) --no-print-directory $(BUILD)/browser/node_modules/.stamp

$(BUILD)/browser/node_modules/.stamp: tests/browser/package.json \
    tests/browser/package-lock.json
	@mkdir -p $(BUILD)/browser
	@cp tests/browser/package.json tests/browser/package-lock.json \
	  $(BUILD)/browser/
	@echo "  NPM   $(BUILD)/browser/node_modules"
	@command -v npm >/dev/null || { echo "no npm; run:"; \
	  echo "  sudo apt-get install -y nodejs npm"; exit 1; }
	@cd $(BUILD)/browser && for try in 1 2 3; do \
	  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 npm ci --ignore-scripts \
	    --no-audit --no-fund --loglevel=error && exit 0; \
	  echo "npm ci failed (try $$try of 3)"; \
	  [ $$try = 3 ] || sleep $$((try * 10)); \
	done; exit 1
	@touch $@

browser-test: all $(BUILD)/bench/gen browser-deps
	@tests/browser/run.sh $(BUILD)

# make fuzz builds the harnesses and runs each for FUZZ_SECONDS (30 s:
# about 8 minutes for all 16); FUZZ_SECONDS=0 only builds them.
FUZZ_SECONDS ?= 30
fuzz:
	@$(MAKE) --no-print-directory need PKGLIST='$(PKGS) $(FUZZPKGS)'
	@tests/fuzz/build.sh $(if $(filter-out 0,$(FUZZ_SECONDS)),--run $(FUZZ_SECONDS))

clean:
	rm -rf build

# this build's dependency files only (not those of build directories
# nested in it, such as build/san)
-include $(shell find $(addprefix $(BUILD)/,src tests lint gen tools bench) \
  -name '*.d' 2>/dev/null)
