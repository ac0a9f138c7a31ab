# ntmobile: one Makefile for user space, the module, the tests and the tools.
#
#   make            user-space programs (build/bin) and nf_ntm.ko
#   make check      every test: unit (ASan/UBSan), fuzz, host netns, VM
#   make deps       install every Debian package the project needs (root)
#   make fuzz       run each libFuzzer target for FUZZ_SECONDS
#   make bench      the benchmarks in one test VM -> BENCHMARKS.md (~15 min)
#   make resilience the fuzzers and the hostile and fault VM tests ->
#                   docs/RESILIENCE.md (~12 min)
#   make soak       10,000 paths with traffic for SOAK_SECONDS (300), slab
#                   usage back after teardown, valgrind (test/vm/soak.sh)
#   make module     only the kernel module (KDIR=... to pick the headers)
#   make help       this list

.DEFAULT_GOAL := all
SHELL := /bin/bash

CC ?= cc
ifeq ($(origin CC),default)
CC := gcc
endif
CLANG ?= clang
B ?= build

# The newest Debian 6.1 kernel installed; the module is tested in its guest.
KVER ?= $(shell ls -1 /lib/modules 2>/dev/null | grep -E '^6\.1\.[0-9]+-[0-9]+-amd64$$' | sort -V | tail -n 1)
KDIR ?= /lib/modules/$(KVER)/build
KDIR_612 ?= $(shell ls -d /usr/src/linux-headers-6.12.*+deb12-amd64 2>/dev/null | sort -V | tail -n 1)

WARN := -Wall -Wextra -Werror -Wshadow -Wstrict-prototypes -Wmissing-prototypes \
	-Wformat=2 -Wno-unused-parameter
BASE_CFLAGS := -std=c11 -D_GNU_SOURCE -O2 -g -fno-strict-aliasing -Iinclude -Ilib $(WARN)
CFLAGS ?=
LDLIBS_ALL := -lnftnl -lmnl -lnetfilter_conntrack -lnetfilter_queue -lcrypto -lsqlite3 -lldns

SAN_FLAGS := -fsanitize=address,undefined -fno-omit-frame-pointer -fno-sanitize-recover=all

LIB_SRCS := $(sort $(wildcard lib/*.c))
LIB_OBJS := $(LIB_SRCS:%.c=$(B)/obj/%.o)
LIB_SAN_OBJS := $(LIB_SRCS:%.c=$(B)/san/%.o)

# Every directory under tools/ and daemon/ that holds .c files is one program
# named after the directory.
PROG_DIRS := $(sort $(patsubst %/,%,$(dir $(wildcard tools/*/*.c daemon/*/*.c))))
PROGS := $(foreach d,$(PROG_DIRS),$(B)/bin/$(notdir $(d)))

UNIT_SRCS := $(sort $(wildcard test/unit/test_*.c))
UNIT_BINS := $(UNIT_SRCS:test/unit/%.c=$(B)/test/%)

FUZZ_SRCS := $(sort $(wildcard fuzz/fuzz_*.c))
FUZZ_BINS := $(FUZZ_SRCS:fuzz/%.c=$(B)/fuzz/%)
FUZZ_SECONDS ?= 30

.PHONY: all user module module-612 check demo check-unit check-fuzz check-host check-vm \
	fuzz unit deps clean help bench demo

all: user module

user: $(PROGS) $(B)/lib/libntm.a

help:
	@sed -n '2,11p' Makefile | sed 's/^# \{0,1\}//'

deps:
	tools/deps.sh

$(B)/obj/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) -MMD -MP -c -o $@ $<

$(B)/san/%.o: %.c
	@mkdir -p $(dir $@)
	$(CC) $(BASE_CFLAGS) $(CFLAGS) $(SAN_FLAGS) -MMD -MP -c -o $@ $<

$(B)/lib/libntm.a: $(LIB_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

$(B)/lib/libntm-san.a: $(LIB_SAN_OBJS)
	@mkdir -p $(dir $@)
	rm -f $@
	ar rcs $@ $^

define PROG_RULE
$(B)/bin/$(notdir $(1)): $(patsubst %.c,$(B)/obj/%.o,$(wildcard $(1)/*.c)) $(B)/lib/libntm.a
	@mkdir -p $$(dir $$@)
	$$(CC) $$(CFLAGS) -Wl,--as-needed -o $$@ $$^ $(LDLIBS_ALL)
endef
$(foreach d,$(PROG_DIRS),$(eval $(call PROG_RULE,$(d))))

$(B)/test/%: $(B)/san/test/unit/%.o $(B)/lib/libntm-san.a
	@mkdir -p $(dir $@)
	$(CC) $(SAN_FLAGS) -o $@ $^ -lcmocka $(LDLIBS_ALL)

unit: $(UNIT_BINS)

# A target may #include "../lib/X.c" to reach its static functions; that
# file is then left out of the link. (A daemon's file may be included too.)
fuzz_own_libs = $(shell sed -n 's|^\#include "\.\./\(lib/[a-z_]*\.c\)"|\1|p' $(1))

$(B)/fuzz/%: fuzz/%.c $(LIB_SRCS) $(wildcard include/ntm/*.h include/uapi/*.h lib/*.h \
		daemon/*/*.c daemon/*/*.h)
	@mkdir -p $(dir $@)
	$(CLANG) $(BASE_CFLAGS) -O1 -fsanitize=fuzzer,address,undefined \
		-fno-sanitize-recover=all -o $@ $< \
		$(filter-out $(call fuzz_own_libs,$<),$(LIB_SRCS)) $(LDLIBS_ALL)

module:
	@test -d "$(KDIR)" || { echo "no kernel headers at KDIR=$(KDIR): run 'make deps'" >&2; exit 1; }
	$(MAKE) -C $(KDIR) M=$(CURDIR) W=1 modules

# Compile-only check against the Debian 12 backports 6.12 headers, in a copy
# so that its objects never mix with the 6.1 build.
module-612:
	@test -d "$(KDIR_612)" || { echo "no 6.12 headers: run 'make deps'" >&2; exit 1; }
	rm -rf $(B)/k612 && mkdir -p $(B)/k612
	cp -r Kbuild kernel include $(B)/k612/
	$(MAKE) -C $(KDIR_612) M=$(CURDIR)/$(B)/k612 W=1 modules

check: user module unit $(FUZZ_BINS)
	test/run-all.sh

check-unit: unit
	test/run-all.sh unit

check-fuzz: $(FUZZ_BINS)
	test/run-all.sh fuzz

check-host: user
	test/run-all.sh host

check-vm: user module
	test/run-all.sh vm

fuzz: $(FUZZ_BINS)
	FUZZ_SECONDS=$(FUZZ_SECONDS) test/run-all.sh fuzz

# What was tried and what happened, rendered from this run's logs only.
RESILIENCE_FUZZ_SECONDS ?= 60
RESILIENCE_HOST_TESTS := test/host/valgrind.sh
RESILIENCE_VM_TESTS := test/vm/tests/hostile.sh test/vm/tests/hostile-rsd.sh \
	test/vm/tests/faults.sh test/vm/tests/system.sh
.PHONY: resilience
resilience: user module $(FUZZ_BINS)
	VM_TESTS="$(RESILIENCE_VM_TESTS)" HOST_TESTS="$(RESILIENCE_HOST_TESTS)" \
		RESILIENCE_OUT=docs/RESILIENCE.md \
		FUZZ_SECONDS=$(RESILIENCE_FUZZ_SECONDS) test/run-all.sh fuzz host vm

SOAK_SECONDS ?= 300
SOAK_PATHS ?= 10000
.PHONY: soak
soak: user module
	@mkdir -p $(B)/test-logs
	SOAK_SECONDS=$(SOAK_SECONDS) SOAK_PATHS=$(SOAK_PATHS) test/vm/run.sh \
		--timeout $$(( $(SOAK_SECONDS) * 3 + 600 )) --env SOAK_SECONDS \
		--env SOAK_PATHS test/vm/soak.sh 2>&1 | tee $(B)/test-logs/vm-soak.log; \
		exit $${PIPESTATUS[0]}

# The paper's tables in one test VM (bench/run.sh): BENCHMARKS.md,
# bench/results/*.csv and *.png.
bench: user module
	bench/run.sh

clean:
	rm -rf $(B)
	-$(MAKE) -C $(KDIR) M=$(CURDIR) clean >/dev/null 2>&1

-include $(shell find $(B) -name '*.d' 2>/dev/null)

# Until the whole-system demo exists: the relay scenarios in one guest,
# every command printed, a summary table at the end.
demo: user module
	test/vm/run.sh --timeout 1200 test/vm/demo.sh

.PHONY: vm-shell check-smoke lint-sh
# A shell in the test guest with nf_ntm loaded.
vm-shell: user module
	test/vm/run.sh --shell

check-smoke: user module
	test/vm/run.sh test/vm/tests/smoke.sh

lint-sh:
	shellcheck -x $(filter-out test/vm/init.sh,$(wildcard test/vm/*.sh)) test/vm/tests/*.sh test/host/*.sh test/lib/*.sh test/run-all.sh .ci/run tools/deps.sh
	shellcheck -s sh test/vm/init.sh
