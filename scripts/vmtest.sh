#!/usr/bin/env bash
# vmtest.sh - runs the integration tests under a stock Debian 6.1 kernel in
# qemu, for what this machine's kernel lacks (fq_codel). Run as root after
# scripts/build.sh:
#
#   scripts/vmtest.sh                  every tests/integration/*.sh
#   scripts/vmtest.sh datapath.sh ...  only these (a path, or a name in
#                                      tests/integration, ".sh" optional)
#
# The guest is TCG-only (KVM hangs here) with no network device: it mounts
# this machine's / read-only over 9p, loads the qdisc/classifier modules
# the tests need, chroots into it and runs each test with bash as automake
# would. The tests' TAP lines and a summary are printed; the whole console
# goes to build/vmtest.log. Exit status 0 only if no test failed; also 0,
# with a "vmtest: skipped: REASON" line, when qemu or the kernel cannot be
# had (e.g. no Debian mirror), so CI without them does not fail.
#
# Environment:
#   NIS_VM_CACHE    download/unpack cache (/var/cache/netisol-vmtest);
#                   delete it to fetch the newest kernel again
#   NIS_VM_KERNEL   kernel package (default: newest linux-image-6.1.0-N-amd64)
#   NIS_VM_TIMEOUT  seconds for the whole VM run (400 per test, at least 900)
#   NIS_VM_TEST_TIMEOUT  seconds per test script inside the VM (1800)
#   NIS_VM_ENV      NAME=VALUE words for the tests' environment in the VM
#                   (e.g. "STRESS_RUNS=1"; the guest starts from env -i)
#   NIS_VM_MEM      guest memory in MB (2048)
#   NIS_VM_MODULES  extra kernel modules to load (space-separated names)
#   NIS_VM_APPEND   extra kernel command line (e.g. "clocksource=tsc tsc=reliable")
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
cache=${NIS_VM_CACHE:-/var/cache/netisol-vmtest}
test_timeout=${NIS_VM_TEST_TIMEOUT:-1800}
mem=${NIS_VM_MEM:-2048}
log=$top/build/vmtest.log
# Loaded in this order (each after its dependencies); a missing or
# built-in one is not an error. Anything else the kernel asks for is
# loaded on demand from the unpacked tree (and listed in the log).
base_mods="virtio_pci 9pnet_virtio 9p"
test_mods="sch_htb sch_ingress cls_u32 act_mirred act_gact cls_bpf sch_fq_codel veth
	inet_diag tcp_diag udp_diag ${NIS_VM_MODULES:-}"

skip() { echo "vmtest: skipped: $*"; exit 0; }
die() { echo "vmtest: $*" >&2; exit 2; }

# --- the tests to run ------------------------------------------------------
tests=()
if [ $# = 0 ]; then
	for t in "$top"/tests/integration/*.sh; do
		[ "${t##*/}" = lib.sh ] || tests+=("$t")
	done
else
	for a in "$@"; do
		for c in "$a" "$top/tests/integration/$a" "$top/tests/integration/$a.sh"; do
			[ -f "$c" ] && { tests+=("$(cd "$(dirname "$c")" && pwd)/${c##*/}"); continue 2; }
		done
		die "no such test: $a"
	done
fi
vm_timeout=${NIS_VM_TIMEOUT:-$((${#tests[@]} * 400 > 900 ? ${#tests[@]} * 400 : 900))}
for t in "${tests[@]}"; do	# the guest mounts tmpfs there
	case $t in "$top"/*) ;; /tmp/*|/run/*|/var/run/*) die "$t: not visible in the VM" ;; esac
done
read -r -a extra_env <<<"${NIS_VM_ENV:-}"
for e in "${extra_env[@]}"; do
	[[ $e =~ ^[A-Za-z_][A-Za-z0-9_]*= ]] || die "NIS_VM_ENV: '$e' is not NAME=VALUE"
done
[ -x "$top/build/netisold" ] && [ -x "$top/build/netisolctl" ] ||
	die "no build in $top/build: run scripts/build.sh first"
# The tests' own helpers (check programs, which a plain build leaves out).
make -C "$top/build" -s tests/integration/acct_bpf_probe tests/integration/rawframe >/dev/null ||
	die "cannot build the tests' helpers in $top/build"

# --- qemu, busybox, cpio, kmod ---------------------------------------------
updated=
apt_update() {
	[ -n "$updated" ] && return 0
	updated=1
	apt-get update -qq >/dev/null 2>&1
}
missing=()
for p in qemu-system-x86 busybox-static cpio kmod; do
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'ok installed' || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
	[ "$(id -u)" = 0 ] || skip "${missing[*]} not installed (and not root to install)"
	echo "vmtest: installing ${missing[*]}"
	{ apt_update && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" \
		>/dev/null 2>&1; } || skip "cannot install ${missing[*]} (no package mirror?)"
fi
command -v qemu-system-x86_64 >/dev/null || skip "qemu-system-x86_64 not found"
[ -x /bin/busybox ] || skip "/bin/busybox not found"

# --- the kernel: downloaded and unpacked once into the cache ----------------
mkdir -p "$cache" 2>/dev/null && [ -w "$cache" ] || skip "cache directory $cache not writable"
newest_kernel() {	# the signed image if there is one, else the unsigned
	local k
	for k in '' -unsigned; do
		apt-cache search --names-only "^linux-image-6\\.1\\.0-[0-9]+-amd64$k\$" 2>/dev/null |
			awk '{print $1}' | sort -V | tail -1 | grep . && return 0
	done
	return 0
}
kroot=
if [ -n "${NIS_VM_KERNEL:-}" ]; then
	[ -d "$cache/$NIS_VM_KERNEL/kroot" ] && kroot=$cache/$NIS_VM_KERNEL/kroot
else	# any kernel unpacked before, the newest
	kroot=$(ls -d "$cache"/linux-image-6.1.0-*/kroot 2>/dev/null | sort -V | tail -1 || true)
fi
if [ -z "$kroot" ]; then
	pkg=${NIS_VM_KERNEL:-$(newest_kernel)}
	[ -n "$pkg" ] || { apt_update || true; pkg=$(newest_kernel); }
	[ -n "$pkg" ] || skip "no linux-image-6.1.0-*-amd64 package in the apt sources"
	echo "vmtest: fetching $pkg into $cache"
	dl=$cache/$pkg
	rm -rf "$dl/kroot.part"
	mkdir -p "$dl"
	if ! ls "$dl"/"$pkg"_*.deb >/dev/null 2>&1; then
		# -o APT::Sandbox::User=root: the cache is not the _apt user's to write.
		( cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg" >/dev/null 2>&1 ) ||
			{ apt_update && ( cd "$dl" && apt-get download -q -o APT::Sandbox::User=root "$pkg" \
				>/dev/null 2>&1 ); } || skip "cannot download $pkg (no package mirror?)"
	fi
	deb=$(ls "$dl"/"$pkg"_*.deb | sort -V | tail -1)
	dpkg-deb -x "$deb" "$dl/kroot.part"
	kver=$(ls "$dl/kroot.part/lib/modules")
	depmod -b "$dl/kroot.part" "$kver"
	mv "$dl/kroot.part" "$dl/kroot"
	kroot=$dl/kroot
fi
kver=$(ls "$kroot/lib/modules")
kernel=$kroot/boot/vmlinuz-$kver
[ -f "$kernel" ] || die "no $kernel (delete $cache and retry)"

# --- the initramfs: busybox, the modules, /init and the test runner ---------
work=$(mktemp -d "$cache/work.XXXXXX")
trap 'rm -rf "$work"' EXIT
stage=$work/root
mkdir -p "$stage"/{bin,proc,sys,dev,mnt,keep,vmtest}
cp /bin/busybox "$stage/bin/busybox"
# mods.list: "base|test PATH" in load order, each module once.
for m in $base_mods; do
	modprobe -d "$kroot" -S "$kver" --show-depends "$m" 2>/dev/null ||
		die "module $m missing from $kver"
done | sed 's/^insmod //' | awk '$1 ~ /\.ko/ && !seen[$1]++ { print "base", $1 }' >"$work/mods"
for m in $test_mods; do
	modprobe -d "$kroot" -S "$kver" --show-depends "$m" 2>/dev/null ||
		echo "vmtest: note: module $m not in $kver" >&2
done | sed 's/^insmod //' | awk '$1 ~ /\.ko/ { print "test", $1 }' >>"$work/mods"
awk '!seen[$2]++' "$work/mods" | while read -r kind path; do
	rel=${path#"$kroot"/}
	mkdir -p "$stage/$(dirname "$rel")"
	cp "$path" "$stage/$rel"
	echo "$kind /$rel"
done >"$stage/mods.list"

# The runner, run with bash inside the chroot: each test as automake would,
# its TAP lines counted.
{
	echo '#!/bin/bash'
	printf 'top=%q\n' "$top"
	printf 'test_timeout=%q\n' "$test_timeout"
	printf 'tests=('; printf '%q ' "${tests[@]}"; echo ')'
	printf 'extra_env=('; [ ${#extra_env[@]} = 0 ] || printf '%q ' "${extra_env[@]}"; echo ')'
	cat <<'EOF'
P=0 F=0 S=0
for t in "${tests[@]}"; do
	name=${t#"$top"/}
	echo "=== $name"
	start=$SECONDS
	( cd "$top/build" && env "${extra_env[@]}" top_srcdir="$top" top_builddir="$top/build" \
		timeout -k 10 "$test_timeout" bash "$t" ) </dev/null 2>&1 | tee /run/vmtest.out
	rc=${PIPESTATUS[0]}
	p=0 f=0 s=0 plan= planned= why=
	while IFS= read -r l; do
		if [[ $l =~ ^not\ ok([[:space:]]|$) ]]; then f=$((f + 1))
		elif [[ $l =~ ^ok([[:space:]]|$) ]]; then
			if [[ $l =~ \#[[:space:]]*[Ss][Kk][Ii][Pp] ]]; then s=$((s + 1)); else p=$((p + 1)); fi
		elif [[ $l =~ ^1\.\.([0-9]+) ]]; then plan=$l planned=${BASH_REMATCH[1]}
		fi
	done </run/vmtest.out
	if [ -z "$plan" ]; then why="no TAP plan"
	elif [ "$planned" = 0 ] && [ $((p + f + s)) = 0 ]; then s=1	# "1..0 # SKIP why"
	elif [ "$planned" != $((p + f + s)) ]; then why="plan 1..$planned but $((p + f + s)) results"
	fi
	if [ "$rc" = 124 ] || [ "$rc" = 137 ]; then why="timed out after ${test_timeout}s${why:+; $why}"
	elif [ "$rc" != 0 ] && [ "$f" = 0 ]; then why="exit status $rc${why:+; $why}"
	fi
	[ -n "$why" ] && f=$((f + 1))	# an ERROR counts as one failure
	echo "vmtest: $name: $p passed, $f failed, $s skipped (exit $rc, $((SECONDS - start)) s)${why:+ ERROR: $why}"
	P=$((P + p)) F=$((F + f)) S=$((S + s))
done
echo "vmtest: $P passed, $F failed, $S skipped"
[ "$F" = 0 ]
EOF
} >"$stage/vmtest/run.sh"

# /init (busybox sh): modules, the host's / read-only on /mnt, chroot.
{
	echo '#!/bin/busybox sh'
	printf 'top=%q kroot=%q\n' "$top" "$kroot"
	cat <<'EOF'
/bin/busybox --install -s /bin
export PATH=/bin
mount -t proc proc /proc
mount -t sysfs sysfs /sys
mount -t devtmpfs devtmpfs /dev
dmesg -n 1
fail() {
	echo "vmtest: $*"
	echo "VMTEST-RESULT: 125"
	poweroff -f
}
while read -r kind m; do
	out=$(insmod "$m" 2>&1) && continue
	case $out in *"File exists"*) continue ;; esac
	echo "vmtest: insmod $m: $out"
	[ "$kind" = base ] && fail "cannot load $m"
done </mods.list
mount -t 9p -o trans=virtio,version=9p2000.L,ro,msize=262144,cache=loose hostroot /mnt ||
	fail "cannot mount the host root over 9p"
# tmpfs over /tmp or /run would hide a clone living there: keep it.
case $top in /tmp/*|/run/*|/var/run/*) mount -o bind "/mnt$top" /keep ;; esac
mount -t tmpfs -o mode=1777 tmpfs /mnt/tmp
mount -t tmpfs -o mode=755 tmpfs /mnt/run
[ -L /mnt/var/run ] || mount -t tmpfs -o mode=755 tmpfs /mnt/var/run
[ -d /mnt/var/tmp ] && mount -t tmpfs -o mode=1777 tmpfs /mnt/var/tmp
case $top in /tmp/*|/run/*|/var/run/*) mkdir -p "/mnt$top"; mount -o bind /keep "/mnt$top" ;; esac
mount -t proc proc /mnt/proc
mount -t sysfs sysfs /mnt/sys
mount -o bind /dev /mnt/dev
mkdir -p /mnt/dev/pts /mnt/dev/shm
mount -t devpts devpts /mnt/dev/pts
mount -t tmpfs -o mode=1777 tmpfs /mnt/dev/shm
cp /vmtest/run.sh /mnt/run/vmtest-run.sh
# Modules the kernel asks for (request_module): the host's kmod modprobe on
# the unpacked tree. The helper runs in this root, not in the chroot.
if [ -d "/mnt$kroot/lib/modules/$(uname -r)" ] && chroot /mnt /usr/sbin/modprobe -V >/dev/null 2>&1; then
	mkdir -p /sbin
	printf '#!/bin/sh\nexec chroot /mnt /usr/sbin/modprobe -d "%s" "$@"\n' "$kroot" >/sbin/modprobe
	chmod 755 /sbin/modprobe
	echo /sbin/modprobe >/proc/sys/kernel/modprobe
fi
cut -d' ' -f1 /proc/modules >/modules.before
ip link set lo up
echo "vmtest: kernel $(uname -r) up after $(cut -d' ' -f1 /proc/uptime) s, $(nproc) cpus, $(grep -c . /proc/modules) modules"
echo "VMTEST-BEGIN"
env -i PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin HOME=/root \
	TERM=dumb LANG=C.UTF-8 chroot /mnt /bin/bash /run/vmtest-run.sh </dev/null
rc=$?
auto=$(cut -d' ' -f1 /proc/modules | grep -vxF -f /modules.before | tr '\n' ' ')
[ -n "$auto" ] && echo "vmtest: modules loaded on demand: $auto"
echo "VMTEST-END"
echo "VMTEST-RESULT: $rc"
sync
poweroff -f
EOF
} >"$stage/init"
chmod 755 "$stage/init"
( cd "$stage" && find . | cpio -o -H newc --quiet | gzip -1 >"$work/initrd.gz" )

# --- boot ---------------------------------------------------------------------
mkdir -p "$(dirname "$log")"
echo "vmtest: booting $kver under qemu (TCG), ${#tests[@]} test(s); console in $log"
start=$SECONDS
set +e
timeout -k 10 "$vm_timeout" qemu-system-x86_64 \
	-accel tcg,thread=multi -cpu max -m "$mem" -smp 2 \
	-nographic -no-reboot -nic none \
	-kernel "$kernel" -initrd "$work/initrd.gz" \
	-append "console=ttyS0 quiet panic=-1 ${NIS_VM_APPEND:-}" \
	-virtfs local,path=/,mount_tag=hostroot,security_model=none,readonly=on,multidevs=remap \
	</dev/null 2>&1 | tr -d '\r' | tee "$log" |
	awk '/^VMTEST-END$/ { on = 0 } on { print; fflush() } /^VMTEST-BEGIN$/ { on = 1 }
		/^vmtest: / && !on { print; fflush() }'
st=("${PIPESTATUS[@]}")
set -e
elapsed=$((SECONDS - start))

result=$(sed -n 's/^VMTEST-RESULT: \([0-9]*\)$/\1/p' "$log" | tail -1)
failed=$(sed -n 's/^vmtest: [0-9]* passed, \([0-9]*\) failed, [0-9]* skipped$/\1/p' "$log" | tail -1)
if [ -z "$result" ]; then
	running=$(sed -n 's/^=== //p' "$log" | tail -1)
	[ "${st[0]}" = 124 ] && echo "vmtest: FAIL: the VM timed out after ${vm_timeout}s${running:+ in $running}" ||
		echo "vmtest: FAIL: the VM ended (qemu status ${st[0]}) without a result; see $log"
	# The tests that finished, plus the one cut off as a failure.
	sed -n 's/^vmtest: [^ ]*: \([0-9]*\) passed, \([0-9]*\) failed, \([0-9]*\) skipped .*/\1 \2 \3/p' "$log" |
		awk '{ p += $1; f += $2; s += $3 } END { printf "vmtest: %d passed, %d failed, %d skipped\n", p, f + 1, s }'
	exit 1
fi
echo "vmtest: VM finished in ${elapsed}s, status $result"
[ "$result" = 0 ] && [ "${failed:-1}" = 0 ]
