#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Build (once) the debug kernel that KUnit and the kselftests run under.
#
# tinyconfig + scripts/kernel/debug.config, from Debian's linux-source-6.12.
# The result is cached under $CACHE/kernel/<source version>-<config hash>/
# and reused until the source package or the fragment changes.  Prints the
# build directory (the KDIR for out-of-tree modules) on stdout.
source "$(dirname "$0")/lib.sh"

dir=$(debug_kernel_dir)
if [[ -f $dir/build/arch/x86/boot/bzImage && -f $dir/build/Module.symvers ]]; then
	echo "$dir/build"
	exit 0
fi

tarball=/usr/src/$SRC_PKG.tar.xz
[[ -f $tarball ]] || die "$tarball missing: run scripts/deps.sh"

rm -rf "$dir"
mkdir -p "$dir/build"
start=$(date +%s)
log "unpacking $tarball"
tar -C "$dir" -xf "$tarball"
mv "$dir/$SRC_PKG" "$dir/src"

frag=$ROOT/scripts/kernel/debug.config
log "configuring debug kernel in $dir/build"
make -s -C "$dir/src" O="$dir/build" tinyconfig >/dev/null
(cd "$dir/src" && scripts/kconfig/merge_config.sh -m -O "$dir/build" \
	"$dir/build/.config" "$frag" >/dev/null)
make -s -C "$dir/src" O="$dir/build" olddefconfig >/dev/null

# Every option in the fragment must have survived olddefconfig.
missing=0
while IFS= read -r line; do
	case $line in
	CONFIG_*=n) want="# ${line%=n} is not set" ;;
	CONFIG_*) want=$line ;;
	*) continue ;;
	esac
	if ! grep -qxF "$want" "$dir/build/.config"; then
		log "config option dropped: $line"
		missing=1
	fi
done <"$frag"
[[ $missing == 0 ]] || die "debug kernel config is incomplete (see above)"

jobs=$(($(nproc) + 1))
log "building bzImage with -j$jobs (about 8 minutes on 2 cores)"
make -s -C "$dir/src" O="$dir/build" -j"$jobs" bzImage >"$dir/build.log" 2>&1 ||
	{ tail -40 "$dir/build.log" >&2; die "kernel build failed"; }
make -s -C "$dir/src" O="$dir/build" -j"$jobs" modules >>"$dir/build.log" 2>&1 ||
	{ tail -40 "$dir/build.log" >&2; die "kernel modules build failed"; }
log "debug kernel built in $(($(date +%s) - start)) s"
echo "$dir/build"
