# SPDX-License-Identifier: GPL-2.0
#
# kpart: partitioned kmalloc caches.
#
#   make            build kpart.ko and kpart_kunit.ko against KDIR
#   make test       set up, build, boot the test kernel, run every test
#   make run        boot the test kernel, load kpart, show its caches
#                   (ARGS='--wrap nf_tables': a real module built through kpart,
#                   its histogram and its types per partition)
#   make kernel     build (or reuse) the cached test kernel only
#   make boot ARGS='-m my.ko -c "insmod ..."'  boot with your own modules and commands
#   make shell      the test kernel under virtme-ng with the host's own tools, a
#                   shell in kpart's directory (ARGS='--exec "cmds"': run them)
#   make wrap M=DIR build a module source (out of tree, or a directory of the
#                   kernel tree such as fs/fat) so that its kmalloc family
#                   goes through kpart, without editing it (out/wrap/DIR)
#   make host-test  host-side tests only (cargo)
#   make bench      speed and memory against kmalloc and RANDOM_KMALLOC_CACHES
#                   (bench kernels, out/bench/results.md); QUICK=1: a smoke run
#                   on the test kernel
#   make efficacy   which kernelCTF exploit chains each partitioning scheme
#                   would stop (scripts/kpart-efficacy; ARGS='--json'); needs
#                   the built test kernel's tree, never builds one
#   make compare    one table of every scheme: chains stopped, memory,
#                   instructions, skew, and a plot (scripts/kpart-compare;
#                   ARGS='--json', '--markdown'); the memory column boots
#                   the test kernel once for every scheme
#                   (scripts/compare/memory.sh; MEMORY=0: the last figures)
#   make rustfmt / make checkpatch / make clean
#
# KDIR defaults to the cached test kernel (scripts/build/build-kernel.sh); point it
# at any prepared kernel build directory with CONFIG_RUST=y to build there.

TOOLCHAIN_FLAGS := $(shell bash -c '. scripts/build/toolchain.sh && echo "$${KPART_MAKE_FLAGS[@]}"')
export LIBCLANG_PATH ?= /usr/lib/llvm-22/lib

ifeq ($(KDIR),)
kdir = $(shell scripts/build/build-kernel.sh test)
else
kdir = $(KDIR)
endif

.PHONY: modules deps kernel test run boot shell wrap host-test bench efficacy compare rustfmt \
	checkpatch clean

# rust/kernel_types.rs describes the kernel's own structs: it is made for
# the kernel built against.
# (What it leaves out, and why, goes to out/kernel-types.log.)
modules:
	@mkdir -p out
	@scripts/gen/kernel-types.sh --if-stale $(kdir) 2>out/kernel-types.log || \
		{ cat out/kernel-types.log; exit 1; }
	$(MAKE) -C $(kdir) M=$(CURDIR) $(TOOLCHAIN_FLAGS) modules

deps:
	scripts/build/install-deps.sh

kernel: deps
	scripts/build/build-kernel.sh test

test: deps
	tests/run-tests.sh

run: deps
	scripts/run.sh $(ARGS)

boot: deps
	qemu/boot.sh $(ARGS)

shell: deps
	qemu/shell.sh $(ARGS)

bench: deps
	QUICK=$(QUICK) bench/bench.sh

wrap: deps
	@[ -n "$(M)" ] || { echo "make wrap: say which module source: M=<directory>"; exit 2; }
	scripts/kpart-wrap $(if $(KDIR),--kdir $(KDIR)) $(M)

host-test:
	cargo test --manifest-path tests/host/Cargo.toml

efficacy:
	scripts/kpart-efficacy $(ARGS)

# The memory column comes from a boot of the test kernel that runs the same
# work under every scheme (scripts/compare/memory.sh); MEMORY=0 skips it and
# uses the last one's figures, if any.
compare: deps
	@[ "$(MEMORY)" = 0 ] || scripts/compare/memory.sh -o out/compare/memory.json
	scripts/kpart-compare $$([ -f out/compare/memory.json ] && echo --memory out/compare/memory.json) \
		$(ARGS)

# Formats the Rust sources in place with the kernel's .rustfmt.toml (make
# checkpatch checks them).
rustfmt:
	git ls-files -z '*.rs' | xargs -0 rustfmt --edition 2021 \
		--config-path "$$(bash -c '. scripts/build/toolchain.sh && kpart_kernel_src')/.rustfmt.toml"

checkpatch:
	scripts/build/checkpatch.sh

# Cleans against KDIR or the cached test kernel; never builds a kernel to
# clean against (without one, nothing of kpart's was built).
clean:
	@kdir="$(KDIR)"; [ -n "$$kdir" ] || kdir=$$(scripts/build/build-kernel.sh --cached test) || true; \
	if [ -n "$$kdir" ]; then $(MAKE) -C "$$kdir" M=$(CURDIR) $(TOOLCHAIN_FLAGS) clean; \
	else echo "clean: no kernel is built, so no module either"; fi
