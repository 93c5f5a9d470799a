#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel with arenalloc's test initramfs under QEMU (TCG) and keep
# the serial console as a log.
#
#   vm.sh MODE KERNEL LOG [MODULE_DIR] [-- MODULE_PARAMS...]
#
# MODE is check, smoke, run, bench or count (see scripts/vm/guest.sh).  MODULE_DIR is the
# kmod/ directory of a build: arenalloc.ko, tests/arenalloc_kunit.ko (on a
# KUnit kernel) and ../samples/arenalloc_sample.ko are taken from it.  Environment:
#   VM_CPUS (2), VM_NODES (2), VM_MEM_MB (2048), VM_TIMEOUT (900 s),
#   VM_QUIET=1 to keep the console out of the terminal, VM_QEMU_ARGS for
#   more QEMU options (scripts/bench-count.sh adds a gdb stub).
# The VM is killed at VM_TIMEOUT; the log then lacks "@@@ DONE" and the
# verdict counts the run as failed.
source "$(dirname "$0")/lib.sh"

mode=$1 kernel=$2 log=$3 moddir=${4:-$ROOT/kmod}
shift $(($# < 4 ? $# : 4))
[[ ${1:-} == -- ]] && shift
params="$*"

cpus=${VM_CPUS:-2} nodes=${VM_NODES:-2} mem=${VM_MEM_MB:-2048}
timeout=${VM_TIMEOUT:-900}
((nodes >= 1 && cpus >= 1 && mem % nodes == 0)) ||
	die "VM_MEM_MB ($mem) must split evenly over VM_NODES ($nodes)"

# ---- initramfs: busybox, the guest scripts, modules, selftests -----------
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
root=$work/root
mkdir -p "$root"/{bin,sbin,proc,sys,dev,tmp,arenalloc/modules,arenalloc/selftests}
cp /bin/busybox "$root/bin/busybox"
install -m 0755 "$ROOT/scripts/vm/init" "$root/init"
install -m 0755 "$ROOT/scripts/vm/guest.sh" "$root/arenalloc/guest.sh"
echo "$mode" >"$root/arenalloc/mode"
echo "$params" >"$root/arenalloc/params"
for ko in "$moddir"/arenalloc.ko "$moddir"/tests/arenalloc_kunit.ko \
	"$moddir"/../samples/arenalloc_sample.ko "$moddir"/../bench/arenalloc_bench.ko; do
	[[ -f $ko ]] && cp "$ko" "$root/arenalloc/modules/"
done
[[ -f $root/arenalloc/modules/arenalloc.ko ]] || die "no arenalloc.ko in $moddir"
if [[ $mode == check || $mode == smoke ]]; then
	make -s -C "$ROOT/selftests/arenalloc" install \
		INSTALL_PATH="$root/arenalloc/selftests" >/dev/null
fi
# libarenalloc, its VM tests and a real program to preload it under, with
# the shared libraries they need (the rest of the initramfs is static).
# copy_dynamic FILE...: each file and its ldd dependencies, paths kept.
copy_dynamic() {
	local f dep
	for f in "$@"; do
		[[ $f == "$root"/* ]] || install -D "$f" "$root$f"
		for dep in $(ldd "$f" | grep -o '/[^ ]*'); do
			[[ -e $root$dep ]] || install -D "$dep" "$root$dep"
		done
	done
}
lib=$ROOT/userspace/build/libarenalloc.so
if [[ -f $lib && $mode != bench && $mode != count ]]; then
	mkdir -p "$root/arenalloc/lib" "$root/arenalloc/bin"
	cp "$lib" "$root/arenalloc/lib/"
	for t in t/device_test t/stress_test t/fork_test arenastat; do
		[[ -x $ROOT/userspace/build/$t ]] && cp "$ROOT/userspace/build/$t" "$root/arenalloc/bin/"
	done
	copy_dynamic /usr/bin/sqlite3 "$root"/arenalloc/bin/* "$root/arenalloc/lib/libarenalloc.so"
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

# ---- NUMA topology: node i gets an even share of memory and CPUs ---------
# One socket per vCPU: a socket (and so a last-level cache) shared across
# nodes makes the kernel WARN at boot that the topology is insane.
numa=()
per=$((mem / nodes))
for ((i = 0; i < nodes; i++)); do
	numa+=(-object "memory-backend-ram,id=m$i,size=${per}M")
	lo=$((i * cpus / nodes)) hi=$(((i + 1) * cpus / nodes - 1))
	if ((hi >= lo)); then
		numa+=(-numa "node,nodeid=$i,cpus=$lo-$hi,memdev=m$i")
	else
		numa+=(-numa "node,nodeid=$i,memdev=m$i")	# memory-only node
	fi
done

mkdir -p "$(dirname "$log")"
log "booting $(basename "$kernel") ($mode, $cpus vCPUs, $nodes nodes, ${mem} MiB), log: $log"
start=$(date +%s)
# /dev/kvm on this kind of host cannot run a stock guest: TCG only.
set +e
timeout --kill-after=10 "$timeout" qemu-system-x86_64 \
	-accel tcg -m "$mem" -smp "$cpus,sockets=$cpus,cores=1,threads=1" "${numa[@]}" \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 panic=-1 loglevel=5 ${VM_APPEND:-}" \
	-nodefaults -vga none -display none -serial stdio -no-reboot ${VM_QEMU_ARGS:-} </dev/null |
	stdbuf -oL tr -d '\r' | if [[ ${VM_QUIET:-0} == 1 ]]; then cat >"$log"; else tee "$log"; fi
rc=${PIPESTATUS[0]}
set -e
log "VM finished in $(($(date +%s) - start)) s (qemu status $rc)"
log "$(grep -m1 '^@@@ KERNEL' "$log" | cut -c5- || echo 'the guest never reached its init script')"
((rc == 124 || rc == 137)) && echo "@@@ TIMEOUT after ${timeout}s" >>"$log"
exit 0
