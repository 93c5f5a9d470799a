# SPDX-License-Identifier: GPL-2.0
#
# arenalloc: top-level targets.  The kernel module is built out of tree by
# Kbuild (see ./Kbuild); everything else is driven by scripts/.
#
#   make            build kmod/arenalloc.ko (and arenalloc_kunit.ko on a
#                   kernel with KUnit) against $(KDIR)
#   make run        boot Debian's stock kernel in QEMU and show the module
#   make check      host tests, lint, KUnit + kselftests in the debug VM,
#                   stock-kernel smoke run; ends with "N passed, N failed"
#   make lint       checkpatch --strict, sparse, W=1 on 6.12 and 6.1
#
# KDIR defaults to the running kernel's build tree when it has one, else to
# the project's debug test kernel (built once, cached outside the checkout).

SHELL := /bin/bash

KDIR ?= $(shell if [ -d /lib/modules/$$(uname -r)/build ]; then \
		echo /lib/modules/$$(uname -r)/build; \
	else \
		$(CURDIR)/scripts/build-kernel.sh; \
	fi)

.PHONY: all modules clean userspace selftests check run bench bench-kernel bench-dev bench-user lint deps \
	kernel \
	install modules_install headers_install

all: modules

modules:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules

userspace:
	$(MAKE) -C userspace

selftests:
	$(MAKE) -C selftests/arenalloc

check:
	scripts/check.sh

run:
	scripts/run.sh

# make bench: the performance report, out/bench/report.md and its plots;
# BENCH_PUBLISH=1 also writes Documentation/benchmarks.rst.  Knobs (see
# Documentation/benchmarking.rst): ROUNDS, BENCH_MIN_S, MT_THREADS,
# MT_SECONDS, BENCH_THREADS, VM_CPUS, ...  Each suite also runs alone.
bench:
	scripts/bench-all.sh

bench-kernel:
	scripts/bench.sh

bench-dev:
	scripts/bench-dev.sh

bench-user:
	scripts/bench-user.sh

lint:
	scripts/lint.sh

deps:
	scripts/deps.sh

kernel:
	scripts/build-kernel.sh

# Install the module where modprobe finds it, and the in-kernel API header
# for client modules under /usr/include/arenalloc/.
INSTALL_HDR_PATH ?= /usr/include/arenalloc

install: modules_install headers_install

modules_install:
	$(MAKE) -C $(KDIR) M=$(CURDIR) modules_install

headers_install:
	install -d $(DESTDIR)$(INSTALL_HDR_PATH)/linux $(DESTDIR)$(INSTALL_HDR_PATH)/uapi/linux
	install -m 0644 include/linux/arenalloc.h $(DESTDIR)$(INSTALL_HDR_PATH)/linux/
	install -m 0644 include/uapi/linux/arenalloc.h $(DESTDIR)$(INSTALL_HDR_PATH)/uapi/linux/
	install -d $(DESTDIR)/usr/include/linux
	install -m 0644 include/uapi/linux/arenalloc.h $(DESTDIR)/usr/include/linux/

clean:
	find kmod samples bench \( -name '*.o' -o -name '*.ko' -o -name '*.mod' -o -name '*.mod.c' \
		-o -name '.*.cmd' -o -name '*.order' -o -name '*.symvers' \) -delete
	rm -f Module.symvers modules.order .*.cmd
	rm -rf out .tmp_versions
	$(MAKE) -C selftests/arenalloc clean
	$(MAKE) -C userspace clean
