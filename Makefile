# Makefile: builds vkernel, its Kyua suite and its demo; `make check` runs the suite.

PREFIX  ?= /usr/local
DESTDIR ?=
CC      ?= cc
BUILD   := build

DEPS_PKGS := gcc make pkg-config libelf-dev libbsd-dev libseccomp-dev \
	libatf-dev atf-sh kyua musl-tools time busybox-static \
	python3-minimal python3 passt \
	vim-tiny less procps

PKGS    := libelf libbsd-overlay libseccomp
CFLAGS  ?= -O2 -g
WARN    := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror
INC     := -Ikshim -Ivkernel -Ivkernel/kern -Ivkernel/sys -Ivkernel/vmem \
	-Ivkernel/cpu -I$(BUILD)/gen
ALLCFLAGS = $(WARN) $(CFLAGS) $(INC) $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
LIBS     = $(shell pkg-config --libs $(PKGS) 2>/dev/null) -lpthread

# The stub runs alone inside a guest's host process: freestanding, no libc,
# no stack protector, no jump tables, nothing outside its own section.
STUB_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Werror -O2 -g $(INC) \
	-ffreestanding -fno-builtin -fno-stack-protector -fno-jump-tables \
	-fcf-protection=none -fno-pic -fno-pie -mgeneral-regs-only \
	-fno-tree-loop-distribute-patterns -fno-asynchronous-unwind-tables

SRCS := $(wildcard vkernel/*.c vkernel/kern/*.c vkernel/sys/*.c vkernel/vmem/*.c \
	vkernel/cpu/*.c kshim/*.c)
ASM_SRCS := $(wildcard kshim/*.S)
STUB_SRC := kshim/soft_stub.c
LIB_SRCS := $(filter-out vkernel/main.c $(STUB_SRC),$(SRCS))
LIB_OBJS := $(LIB_SRCS:%.c=$(BUILD)/obj/%.o) $(ASM_SRCS:%.S=$(BUILD)/obj/%.o) $(if $(wildcard $(STUB_SRC)),$(BUILD)/obj/kshim/soft_stub.o)
MAIN_OBJ := $(BUILD)/obj/vkernel/main.o
HDRS := $(wildcard vkernel/*.h vkernel/kern/*.h vkernel/sys/*.h vkernel/vmem/*.h \
	vkernel/cpu/*.h kshim/*.h)

TESTDIR := $(BUILD)/tests/vkernel
UNIT_SRCS := $(wildcard atf-tests/*_test.c)
UNIT_BINS := $(UNIT_SRCS:atf-tests/%.c=$(TESTDIR)/%)
SH_SRCS   := $(wildcard atf-tests/*_test.sh)
SH_BINS   := $(SH_SRCS:atf-tests/%.sh=$(TESTDIR)/%)
GUEST_SRCS := $(wildcard atf-tests/guests/*.c)
GUEST_BINS := $(GUEST_SRCS:atf-tests/guests/%.c=$(TESTDIR)/guests/%-glibc) \
	$(GUEST_SRCS:atf-tests/guests/%.c=$(TESTDIR)/guests/%-musl) \
	$(TESTDIR)/guests/hello-pie $(TESTDIR)/guests/hello-dyn \
	$(TESTDIR)/guests/hello-dyn-pie $(TESTDIR)/guests/hello-badinterp
GUEST_EXTRA := $(wildcard atf-tests/guests/*.bin)

.PHONY: all check run shell bench install clean deps tests
all: deps $(BUILD)/bin/vkernel tests

tests: $(UNIT_BINS) $(SH_BINS) $(GUEST_BINS) $(TESTDIR)/Kyuafile $(TESTDIR)/vk_common.sh \
	$(TESTDIR)/proc_common.sh $(TESTDIR)/ptyrun

# Installs the Debian packages the build needs when run as root; otherwise
# prints the exact command and stops.
deps:
	@sh tools/deps.sh $(DEPS_PKGS)

$(BUILD)/obj/%.o: %.c $(HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) -c $< -o $@

$(BUILD)/obj/%.o: %.S $(HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(INC) -c $< -o $@
	@sh tools/check-stub.sh $@ vktramp

$(BUILD)/obj/kshim/soft_stub.o: $(STUB_SRC) $(HDRS) | deps
	@mkdir -p $(@D)
	$(CC) $(STUB_CFLAGS) -c $< -o $@
	@sh tools/check-stub.sh $@

# System call names for diagnostics, from the host's headers.
$(BUILD)/gen/sysnames.h: | deps
	@mkdir -p $(@D)
	echo '#include <sys/syscall.h>' | $(CC) -E -dM - | \
		awk '/^#define __NR_[a-z0-9_]+ [0-9]+$$/ { n = $$2; sub("__NR_", "", n); \
		printf "[%s] = \"%s\",\n", $$3, n }' > $@

$(BUILD)/obj/vkernel/sys/syscall.o: $(BUILD)/gen/sysnames.h

$(BUILD)/libvk.a: $(LIB_OBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/bin/vkernel: $(MAIN_OBJ) $(BUILD)/libvk.a
	@mkdir -p $(@D)
	$(CC) $(CFLAGS) -o $@ $^ $(LIBS)

$(TESTDIR)/%_test: atf-tests/%_test.c $(BUILD)/libvk.a $(HDRS) $(wildcard atf-tests/*.h)
	@mkdir -p $(@D)
	$(CC) $(ALLCFLAGS) $(shell pkg-config --cflags atf-c) -o $@ $< \
		$(BUILD)/libvk.a $(LIBS) $(shell pkg-config --libs atf-c)

$(TESTDIR)/%_test: atf-tests/%_test.sh
	@mkdir -p $(@D)
	cp $< $@ && chmod +x $@

$(TESTDIR)/guests/%-glibc: atf-tests/guests/%.c $(wildcard atf-tests/guests/*.h)
	@mkdir -p $(@D)
	gcc -static -O1 -o $@ $<

$(TESTDIR)/guests/%-musl: atf-tests/guests/%.c $(wildcard atf-tests/guests/*.h)
	@mkdir -p $(@D)
	musl-gcc -static -O1 -o $@ $<

$(TESTDIR)/guests/hello-pie: atf-tests/guests/hello.c
	@mkdir -p $(@D)
	gcc -static-pie -fPIE -O1 -o $@ $<

# Dynamically linked against the host's glibc: a position-dependent
# ET_EXEC and a PIE, both with ld.so as PT_INTERP.
$(TESTDIR)/guests/hello-dyn: atf-tests/guests/hello.c
	@mkdir -p $(@D)
	gcc -O1 -no-pie -o $@ $<

$(TESTDIR)/guests/hello-dyn-pie: atf-tests/guests/hello.c
	@mkdir -p $(@D)
	gcc -O1 -fPIE -pie -o $@ $<

# Its PT_INTERP names /vk-test/interp: dyn_test puts malformed
# interpreters there, in a root of its own (-r).
$(TESTDIR)/guests/hello-badinterp: atf-tests/guests/hello.c
	@mkdir -p $(@D)
	gcc -O1 -no-pie -Wl,--dynamic-linker=/vk-test/interp -o $@ $<

# The host-side terminal driver of tty_test (a plain host program).
$(TESTDIR)/ptyrun: atf-tests/ptyrun.c
	@mkdir -p $(@D)
	$(CC) $(WARN) $(CFLAGS) -o $@ $<

$(TESTDIR)/Kyuafile: atf-tests/Kyuafile
	@mkdir -p $(@D)
	cp $< $@

$(TESTDIR)/vk_common.sh: atf-tests/vk_common.sh
	@mkdir -p $(@D)
	cp $< $@

$(TESTDIR)/proc_common.sh: atf-tests/proc_common.sh
	@mkdir -p $(@D)
	cp $< $@

# Which way calls go between the source files (tools/layers.sh), then the
# suite, on the sw path here; `tools/check.sh` also runs it on the hw path
# where that can be had, and prints the closing count.
check: all
	@sh tools/layers.sh $(BUILD)
	@sh tools/check.sh $(BUILD)

# The demo: Debian's busybox shell runs a pipeline of four guest processes
# (seq, sort, head and tr, each in a child it forks) and reaps them.
DEMO := seq 1 10 | sort -rn | head -n 3 | tr "\n" " "; \
	echo "<- seq | sort | head | tr, in shell pid $$$$"
run: deps $(BUILD)/bin/vkernel
	$(BUILD)/bin/vkernel -v /bin/busybox sh -c '$(DEMO)'

# An interactive Debian bash inside the vkernel, the host's root as its
# root, the terminal its console (exit or Ctrl-D leaves).
shell: deps $(BUILD)/bin/vkernel
	$(BUILD)/bin/vkernel -m 512m -r / /bin/bash -i


# Page-heavy micro-benchmarks: native vs sw vs hw paging (tools/bench.sh).
bench: all
	@sh tools/bench.sh $(BUILD)

install: all
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/man/man1 \
		$(DESTDIR)$(PREFIX)/tests/vkernel/guests
	install -m 755 $(BUILD)/bin/vkernel $(DESTDIR)$(PREFIX)/bin/vkernel
	install -m 644 docs/vkernel.1 $(DESTDIR)$(PREFIX)/share/man/man1/vkernel.1
	install -m 644 $(TESTDIR)/Kyuafile $(TESTDIR)/vk_common.sh \
		$(TESTDIR)/proc_common.sh $(DESTDIR)$(PREFIX)/tests/vkernel/
	install -m 755 $(UNIT_BINS) $(SH_BINS) $(TESTDIR)/ptyrun $(DESTDIR)$(PREFIX)/tests/vkernel/
	install -m 755 $(GUEST_BINS) $(DESTDIR)$(PREFIX)/tests/vkernel/guests/

clean:
	rm -rf $(BUILD)
