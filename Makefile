# cutover: build, test, demo, bench.
#
# Every .c under lib/ goes into libcutover.a; every .c under a tool's folder
# except main.c goes into that tool's archive, so unit tests can link any
# module without its main.  tests/test_NAME.c is one cmocka binary each.

CC       ?= cc
PKGS     := libpcap libcurl jansson cmocka zlib
WARN     := -Wall -Wextra -Werror -Wshadow -Wpointer-arith -Wstrict-prototypes \
            -Wmissing-prototypes -Wformat=2 -Wvla
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c11 -D_GNU_SOURCE $(WARN) -Iinclude
LDLIBS   += $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lm
PREFIX   ?= /usr/local

ifeq ($(SANITIZE),1)
CFLAGS   += -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=undefined
LDFLAGS  += -fsanitize=address,undefined
B        := build/asan
else
CFLAGS   += -D_FORTIFY_SOURCE=2
B        := build/rel
endif

LIB_SRC      := $(wildcard lib/*.c)
TOOLS        := capture replay compare
CAPTURE_SRC  := $(filter-out capture/main.c,$(wildcard capture/*.c))
REPLAY_SRC   := $(filter-out replay/main.c,$(wildcard replay/*.c))
COMPARE_SRC  := $(filter-out compare/main.c,$(wildcard compare/*.c)) $(wildcard reports/*.c)
TEST_SRC     := $(wildcard tests/test_*.c)
SIM_SRC      := $(filter-out tests/sim/sim.c tests/sim/driver.c,$(wildcard tests/sim/*.c))

obj = $(patsubst %.c,$(B)/%.o,$(1))

LIBA     := $(B)/libcutover.a
CAPA     := $(B)/capture.a
REPA     := $(B)/replay.a
CMPA     := $(B)/compare.a
SIMA     := $(B)/sim.a
ALLA     := $(CAPA) $(REPA) $(CMPA) $(SIMA) $(LIBA)

# A tool is built once its main.c exists.
BINS     := $(foreach t,capture replay compare,$(if $(wildcard $(t)/main.c),bin/cutover-$(t)))
SIMBINS  := $(foreach t,sim driver,$(if $(wildcard tests/sim/$(t).c),$(B)/bin/cutover-$(t)))
TESTBINS := $(patsubst tests/%.c,$(B)/tests/%,$(TEST_SRC))

.PHONY: all capture replay compare sim tests test unit integration demo bench install \
        clean deps deps-test deps-demo deps-bench lint format fuzz memcheck
all: $(BINS) $(SIMBINS)
capture: bin/cutover-capture
replay: bin/cutover-replay
compare: bin/cutover-compare
sim: $(SIMBINS)

$(B)/%.o: %.c
	@mkdir -p $(dir $@)
	@echo "  CC      $<"
	@$(CC) $(CFLAGS) $(shell pkg-config --cflags $(PKGS) 2>/dev/null) -MMD -MP -c $< -o $@

$(LIBA): $(call obj,$(LIB_SRC))
$(CAPA): $(call obj,$(CAPTURE_SRC))
$(REPA): $(call obj,$(REPLAY_SRC))
$(CMPA): $(call obj,$(COMPARE_SRC))
$(SIMA): $(call obj,$(SIM_SRC))
$(B)/%.a:
	@mkdir -p $(dir $@)
	@rm -f $@
	@ar rcs $@ $^

# The tools are built per build flavour and copied to bin/, so that
# `make SANITIZE=1 test` exercises the instrumented binaries.
$(B)/bin/cutover-capture: $(B)/capture/main.o $(CAPA) $(LIBA)
$(B)/bin/cutover-replay: $(B)/replay/main.o $(REPA) $(LIBA)
$(B)/bin/cutover-compare: $(B)/compare/main.o $(CMPA) $(LIBA)
$(B)/bin/cutover-sim: $(B)/tests/sim/sim.o $(SIMA) $(LIBA)
$(B)/bin/cutover-driver: $(B)/tests/sim/driver.o $(SIMA) $(LIBA)
$(B)/bin/%:
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $^ $(LDLIBS)

bin/%: $(B)/bin/%
	@mkdir -p bin
	@cp $< $@.tmp && mv -f $@.tmp $@

$(B)/tests/test_%: $(B)/tests/test_%.o $(ALLA)
	@mkdir -p $(dir $@)
	@echo "  LINK    $@"
	@$(CC) $(LDFLAGS) -o $@ $< $(ALLA) $(LDLIBS)

# A sanitizer build tests its own tools and leaves bin/ (the release
# copies) alone.
TESTTOOLS = $(if $(filter 1,$(SANITIZE)),,$(BINS)) $(patsubst bin/%,$(B)/bin/%,$(BINS))
tests: $(TESTBINS) $(TESTTOOLS) $(SIMBINS)

# `make test`: dependencies first, then every unit test, then the
# integration tests (shell, real processes).
test: deps-test
	$(MAKE) tests
	$(MAKE) unit integration lint

unit: $(TESTBINS)
	@sh tests/run_unit.sh $(TESTBINS)

integration: $(TESTTOOLS) $(SIMBINS)
	@CUTOVER_BUILD=$(B) sh tests/run_integration.sh $(T)

lint:
	@sh scripts/lint.sh

demo: deps-demo
	$(MAKE) all
	@CUTOVER_BUILD=$(B) REGRESS=$(REGRESS) bash scripts/demo.sh

bench: deps-bench
	$(MAKE) all
	@CUTOVER_BUILD=$(B) bash tests/bench/run.sh

fuzz:
	@bash tests/fuzz/run.sh $(FUZZ_SECONDS)

# valgrind over the three tools on small inputs (a release build: valgrind
# and the sanitizers do not mix).
memcheck: $(BINS) $(SIMBINS)
	@CUTOVER_BUILD=$(B) sh tests/memcheck.sh

deps deps-test:
	@sh scripts/deps.sh test
deps-demo:
	@sh scripts/deps.sh demo
deps-bench:
	@sh scripts/deps.sh bench

install: $(BINS)
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BINS) $(DESTDIR)$(PREFIX)/bin/

format:
	clang-format -i $$(git ls-files '*.c' '*.h')

clean:
	rm -rf build bin

# Test objects are intermediate files of the pattern chain; keep them.
.SECONDARY:

-include $(shell find build -name '*.d' 2>/dev/null)
