# SPDX-License-Identifier: GPL-2.0
# Shared settings for arenalloc's harness scripts; sourced, never run.
#
# Everything expensive (Debian packages unpacked, the debug kernel) lives in
# a cache outside the checkout so that CI and later runs reuse it.

set -euo pipefail

ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
CACHE=${ARENALLOC_CACHE:-/var/cache/arenalloc}
OUT=${ARENALLOC_OUT:-$ROOT/out}

# Debian's 6.12 kernel: its source builds the debug kernel, its stock image
# and headers are the distribution kernel the module must also load into.
SRC_PKG=linux-source-6.12
STOCK_FLAVOUR=amd64
KERNEL_RECIPE=1

log() { printf '[arenalloc] %s\n' "$*" >&2; }
die() { printf '[arenalloc] error: %s\n' "$*" >&2; exit 1; }

# Version of a Debian package, installed or available ("" when unknown).
pkg_version() {
	dpkg-query -W -f='${Version}' "$1" 2>/dev/null ||
		apt-cache policy "$1" 2>/dev/null | awk '/Candidate:/ { print $2 }'
}

# Concrete ABI name behind a meta-package, e.g. linux-headers-6.12-amd64 ->
# linux-headers-6.12.117+deb12-amd64.
meta_target() {
	apt-cache depends "$1" 2>/dev/null |
		awk -v pfx="$2" '$1 == "Depends:" && index($2, pfx) == 1 { print $2; exit }'
}

# Where the debug kernel for the current source version and config lives.
debug_kernel_dir() {
	local ver hash
	ver=$(dpkg-query -W -f='${Version}' "$SRC_PKG" 2>/dev/null) ||
		die "$SRC_PKG is not installed: run scripts/deps.sh"
	# Bump KERNEL_RECIPE when build-kernel.sh changes what it produces.
	hash=$({ echo "recipe $KERNEL_RECIPE"; cat "$ROOT/scripts/kernel/debug.config"; } |
		sha256sum | cut -c1-12)
	printf '%s/kernel/%s-%s\n' "$CACHE" "$ver" "$hash"
}

stock_dir() { printf '%s/stock-6.12\n' "$CACHE"; }
stock61_dir() { printf '%s/stock-6.1\n' "$CACHE"; }

# Build trees and images inside the unpacked stock kernels.
stock_kdir() { ls -d "$(stock_dir)"/usr/src/linux-headers-*-"$STOCK_FLAVOUR"; }
stock61_kdir() { ls -d "$(stock61_dir)"/usr/src/linux-headers-*-"$STOCK_FLAVOUR"; }
stock_vmlinuz() { ls "$(stock_dir)"/boot/vmlinuz-*; }

# copy_module_tree DIR: the module's sources, without build products, in
# DIR, for building against a kernel other than the in-tree build's.
copy_module_tree() {
	rm -rf "$1"
	mkdir -p "$1"
	cp -r "$ROOT/Kbuild" "$ROOT/kmod" "$ROOT/include" "$ROOT/common" "$ROOT/samples" \
		"$ROOT/bench" "$1/"
	find "$1" \( -name '*.o' -o -name '*.ko' -o -name '.*.cmd' -o -name '*.mod' \
		-o -name '*.mod.c' -o -name '*.order' -o -name '*.symvers' \) -delete
}
