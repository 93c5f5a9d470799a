#!/bin/bash
# SPDX-License-Identifier: GPL-2.0
# Boot a kernel with arenalloc's test initramfs under QEMU (TCG) and keep
# the serial console as a log.
#
#   vm.sh MODE KERNEL LOG [MODULE_DIR] [-- MODULE_PARAMS...]
#
# MODE is check, smoke, run, bench, mem, devbench or count (see scripts/vm/guest.sh).
# MODULE_DIR is the kmod/ directory of a build: arenalloc.ko,
# tests/arenalloc_kunit.ko (on a KUnit kernel), ../samples/arenalloc_sample.ko
# and ../bench/*.ko are taken from it.  A kernel with a module tree of its
# own (vmlinuz-RELEASE in a boot/ directory next to lib/modules/RELEASE/,
# as scripts/deps.sh unpacks Debian's stock kernel) also brings the drivers
# in VM_KMODS, with what they depend on: the guest loads them first (check
# and smoke), and fails a group if one does not load.  Environment:
#   VM_KMODS ("loop"): module names, separated by spaces; loop gives the
#   O_DIRECT selftest (dev_syscalls_test) a block device to read and
#   write.  A kernel without a module tree (the debug kernel, built
#   without CONFIG_BLOCK) gets none.
#   VM_CPUS (2), VM_NODES (2), VM_MEM_MB (2048), VM_TIMEOUT (900 s),
#   VM_MEMLESS_NODES (none): node ids, separated by spaces or commas, that
#   get CPUs but no memory (CPU-only nodes, as on some PowerPC LPARs and
#   CXL or HBM machines); the memory is split over the other nodes.  For
#   example VM_CPUS=3 VM_NODES=3 VM_MEMLESS_NODES=2 puts CPU 2 on a node
#   without memory.  A node left without CPUs (VM_NODES > VM_CPUS) is a
#   memory-only node.
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
declare -A memless=()
memless_ids=${VM_MEMLESS_NODES:-}
for i in ${memless_ids//,/ }; do
	[[ $i =~ ^[0-9]+$ ]] && ((i < nodes)) ||
		die "VM_MEMLESS_NODES: '$i' is not a node id below VM_NODES ($nodes)"
	memless[$i]=1
done
memnodes=$((nodes - ${#memless[@]}))
((nodes >= 1 && cpus >= 1 && memnodes >= 1 && mem % memnodes == 0)) ||
	die "VM_MEM_MB ($mem) must split evenly over the $memnodes of VM_NODES ($nodes) with memory"

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
	"$moddir"/../samples/arenalloc_sample.ko "$moddir"/../bench/arenalloc_bench.ko \
	"$moddir"/../bench/arenalloc_burst.ko; do
	[[ -f $ko ]] && cp "$ko" "$root/arenalloc/modules/"
done
[[ -f $root/arenalloc/modules/arenalloc.ko ]] || die "no arenalloc.ko in $moddir"
# The kernel's own drivers, uncompressed (busybox insmod reads them as
# they are), listed in load order in arenalloc/kmods/order.
kmods=$(dirname "$kernel")/../lib/modules/$(basename "$kernel" | sed -n 's/^vmlinuz-//p')
# add_kmod NAME: NAME's module and, first, those it depends on.
add_kmod() {
	local f dep
	grep -qx "$1" "$root/arenalloc/kmods/order" 2>/dev/null && return 0
	f=$(find "$kmods/kernel" \( -name "$1.ko" -o -name "$1.ko.xz" \) -print -quit)
	[[ -n $f ]] || die "no $1.ko for $(basename "$kernel") in $kmods"
	for dep in $(modinfo -F depends "$f" | tr , ' '); do
		add_kmod "$dep"
	done
	case $f in
	*.xz) xz -dc "$f" >"$root/arenalloc/kmods/$1.ko" ;;
	*) cp "$f" "$root/arenalloc/kmods/$1.ko" ;;
	esac
	echo "$1" >>"$root/arenalloc/kmods/order"
}
if [[ $kmods != */ && -d $kmods/kernel ]]; then
	mkdir -p "$root/arenalloc/kmods"
	for m in ${VM_KMODS-loop}; do
		add_kmod "$m"
	done
fi
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
	# Built here: "make -C userspace" (all) leaves them as they were.
	vmtests="t/device_test t/hcache_test t/stress_test t/fork_test"
	# shellcheck disable=SC2086 # one binary per word
	make -s -C "$ROOT/userspace" $(printf 'build/%s ' $vmtests)
	for t in $vmtests arenastat malloc_bench; do
		[[ -x $ROOT/userspace/build/$t ]] && cp "$ROOT/userspace/build/$t" "$root/arenalloc/bin/"
	done
	copy_dynamic /usr/bin/sqlite3 "$root"/arenalloc/bin/* "$root/arenalloc/lib/libarenalloc.so"
fi
# kbench (userspace/bench/kbench.c, static): make bench's memory figures,
# and their smoke run in make check's stock VM.
kbench=$ROOT/userspace/build/kbench
if [[ -x $kbench && ($mode == mem || $mode == smoke) ]]; then
	install -D "$kbench" "$root/arenalloc/bin/kbench"
fi
(cd "$root" && find . | cpio -o -H newc --quiet | gzip -1) >"$work/initrd.gz"

# ---- NUMA topology: node i gets an even share of memory and CPUs ---------
# One socket per vCPU: a socket (and so a last-level cache) shared across
# nodes makes the kernel WARN at boot that the topology is insane.
# A node in VM_MEMLESS_NODES gets its CPUs but no memory backend.
numa=()
per=$((mem / memnodes))
for ((i = 0; i < nodes; i++)); do
	lo=$((i * cpus / nodes)) hi=$(((i + 1) * cpus / nodes - 1))
	node="node,nodeid=$i"
	((hi >= lo)) && node+=",cpus=$lo-$hi"		# else a memory-only node
	if [[ -z ${memless[$i]:-} ]]; then
		numa+=(-object "memory-backend-ram,id=m$i,size=${per}M")
		node+=",memdev=m$i"
	fi
	numa+=(-numa "$node")
done

mkdir -p "$(dirname "$log")"
log "booting $(basename "$kernel") ($mode, $cpus vCPUs, $nodes nodes${VM_MEMLESS_NODES:+ (without memory: $VM_MEMLESS_NODES)}, ${mem} MiB), log: $log"
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
