#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Install what arenalloc's build and tests need, from Debian packages only.
#
# Idempotent: a second run installs nothing and takes a second or two.
# `deps.sh bench` also installs the allocators the benchmark compares
# against (jemalloc, mimalloc, tcmalloc), redis and gnuplot.
#  - Build tools, QEMU, busybox and the kernel source go in with apt-get.
#  - Debian's stock 6.12 kernel image and headers, and the 6.1 headers
#    (bookworm's default kernel, a second build target), are unpacked into
#    $CACHE with dpkg -x rather than installed: they must not become this
#    machine's boot kernel, and no initramfs or /boot change is wanted.
#    The image's modules come with it: scripts/vm.sh takes the stock VM's
#    loop driver from there.
source "$(dirname "$0")/lib.sh"

PACKAGES=(
	build-essential libc6-dev gcc-12 make bc flex bison libelf-dev libssl-dev
	cpio gzip xz-utils kmod rsync python3
	busybox-static qemu-system-x86
	"$SRC_PKG" sparse dwarves
	# libarenalloc's tests: the fuzzer's compiler and runtime, and the
	# real programs run under LD_PRELOAD (and timed by GNU time in the
	# benchmarks' smoke run)
	clang libclang-rt-14-dev sqlite3 git time
	# arenastat reads the module's JSON dump with json-c
	libjson-c-dev
)
# make bench: the allocators compared against, redis for the server
# workload, gnuplot for the plots; valgrind and strace count what a
# workload executes and which system calls it makes, figures that a busy
# machine's noise does not touch (Documentation/benchmarking.rst).
[[ ${1:-} == bench ]] && PACKAGES+=(libjemalloc2 libmimalloc2.0 libtcmalloc-minimal4
	redis-server redis-tools gnuplot-nox valgrind strace)

missing=()
for p in "${PACKAGES[@]}"; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
		missing+=("$p")
done
if ((${#missing[@]})); then
	[[ $(id -u) == 0 ]] || die "need root to install: ${missing[*]}"
	log "installing: ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq
	apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
fi

# unpack_kernel DEST META [PACKAGE...]: dpkg -x the packages into DEST once.
# The headers' top Makefile includes the -common tree by absolute path under
# /usr/src; it is pointed into DEST so the tree works where it lies.
unpack_kernel() {
	local dest=$1 stamp pkgs=("${@:2}") p
	stamp="$dest/.unpacked-$(printf '%s\n' "${pkgs[@]}" | sha256sum | cut -c1-12)"
	[[ -f $stamp ]] && return 0

	log "unpacking ${pkgs[*]} into $dest"
	rm -rf "$dest" "$CACHE/debs.tmp"
	mkdir -p "$dest" "$CACHE/debs.tmp"
	(cd "$CACHE/debs.tmp" && apt-get download -qq "${pkgs[@]}" 2>/dev/null) ||
		{ apt-get update -qq; (cd "$CACHE/debs.tmp" && apt-get download -qq "${pkgs[@]}"); } ||
		die "cannot download ${pkgs[*]}"
	for p in "$CACHE"/debs.tmp/*.deb; do
		dpkg -x "$p" "$dest"
	done
	rm -rf "$CACHE/debs.tmp"
	sed -i "s|^include /usr/src/|include $dest/usr/src/|" \
		"$dest"/usr/src/linux-headers-*/Makefile
	touch "$stamp"
}

mkdir -p "$CACHE"

# Debian's 6.12 meta-packages name the current ABI; follow them.
hdr=$(meta_target linux-headers-6.12-$STOCK_FLAVOUR linux-headers-6.12.)
[[ -n $hdr ]] || { apt-get update -qq; hdr=$(meta_target linux-headers-6.12-$STOCK_FLAVOUR linux-headers-6.12.); }
[[ -n $hdr ]] || die "cannot resolve linux-headers-6.12-$STOCK_FLAVOUR"
abi=${hdr#linux-headers-}		# 6.12.117+deb12-amd64
base=${abi%-"$STOCK_FLAVOUR"}		# 6.12.117+deb12
unpack_kernel "$(stock_dir)" "$hdr" "linux-headers-$base-common" \
	"linux-kbuild-$base" "linux-image-$abi-unsigned"

# bookworm's default 6.1 kernel: newest ABI with headers in the archive.
hdr61=$(apt-cache search --names-only "^linux-headers-6\.1\.0-[0-9]+-$STOCK_FLAVOUR\$" |
	awk '{ print $1 }' | sort -V | tail -1)
[[ -n $hdr61 ]] || die "cannot find Debian's 6.1 headers"
unpack_kernel "$(stock61_dir)" "$hdr61" "${hdr61%-"$STOCK_FLAVOUR"}-common" linux-kbuild-6.1

log "dependencies ready (cache: $CACHE)"
