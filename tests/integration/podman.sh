# podman.sh - sourced after lib.sh by tests that drive a real container
# runtime: podman 4.3 with its CNI backend inside the sandbox's host
# namespace ${SB}h and a private mount namespace whose /run/netns is an
# empty tmpfs (/work/shared/recipes/podman-cni.md). Configuration through
# CONTAINERS_CONF / CONTAINERS_STORAGE_CONF only; nothing under /etc changes.
# pm_up makes it; pm_down (chained before sandbox_down on EXIT, so it runs on
# failure too) removes exactly what this test made.

PM_D=$SB_DIR/pm
PM_MNTNS=$PM_D/mnt/mntns
PM_R=$PM_D/rootfs
PM_NETS=()	# our networks: their results-cache entries are removed
# Host-wide state podman, runc and libcni may create; removed at the end
# only if this test made it (another run's state is left alone).
PM_STATE_DIRS=(/var/lib/cni /run/runc /run/libpod /run/containers /var/lib/containers)
PM_MADE=()
PM_CG_PRE=()
PM_UP=

# pm_missing: what podman with CNI needs and this machine lacks (empty: ok)
pm_missing() {
	local c
	for c in podman runc catatonit; do command -v "$c" >/dev/null || echo "$c"; done
	[ -x /usr/lib/cni/loopback ] || echo "containernetworking-plugins"
	file -L /bin/busybox 2>/dev/null | grep -q 'statically linked' || echo "busybox-static"
}

# pm CMD...: podman in the sandbox (its namespaces, its configuration).
pm() {
	CONTAINERS_CONF=$PM_D/containers.conf CONTAINERS_STORAGE_CONF=$PM_D/storage.conf \
		nsenter --mount="$PM_MNTNS" --net="/run/netns/${SB}h" podman "$@"
}
# pm_ns CMD...: any command where podman runs (e.g. ls /run/netns).
pm_ns() { nsenter --mount="$PM_MNTNS" --net="/run/netns/${SB}h" "$@"; }

# pm_net NAME JSON-PLUGINS: writes conflist NAME (cniVersion 1.0.0).
pm_net() {
	printf '{"cniVersion":"1.0.0","name":"%s","plugins":%s}\n' "$1" "$2" >"$PM_D/net.d/$1.conflist"
	PM_NETS+=("$1")
}

# pm_plugin NAME BINARY: puts plugin NAME in the folder podman searches
# first, as a wrapper that execs BINARY and logs each call to $PM_CNI_LOG,
# one line: COMMAND CONTAINERID EXIT-STATUS STDOUT (an error's code and msg),
# and to $PM_CNI_LOG.in: COMMAND CONTAINERID CNI_ARGS STDIN.
PM_CNI_LOG=$PM_D/run/cni.log
pm_plugin() {
	cat >"$PM_D/bin/$1" <<-EOF
	#!/bin/sh
	in=\$(cat)
	printf '%s %s %s %s\\n' "\$CNI_COMMAND" "\${CNI_CONTAINERID:--}" "\${CNI_ARGS:--}" "\$(printf %s "\$in" | tr '\\n' ' ')" >>"$PM_CNI_LOG.in"
	out=\$(printf '%s' "\$in" | "$2"); rc=\$?
	printf '%s %s %s %s\\n' "\$CNI_COMMAND" "\${CNI_CONTAINERID:--}" "\$rc" "\$(printf %s "\$out" | tr '\\n' ' ')" >>"$PM_CNI_LOG"
	printf '%s\\n' "\$out"
	exit \$rc
	EOF
	chmod +x "$PM_D/bin/$1"
}

# pm_cni_in CMD ID: the config the plugin last got for CMD on ID
pm_cni_in() { awk -v c="$1" -v i="$2" '$1 == c && $2 == i { l = $0; sub(/^[^ ]* [^ ]* [^ ]* /, "", l) } END { print l }' "$PM_CNI_LOG.in"; }

pm_up() {
	local d c
	for d in "${PM_STATE_DIRS[@]}"; do [ -e "$d" ] || PM_MADE+=("$d"); done
	for c in /sys/fs/cgroup/*/libpod_parent; do [ -d "$c" ] && PM_CG_PRE+=("$c"); done
	mkdir -p "$PM_D"/bin "$PM_D"/net.d "$PM_D"/run "$PM_D"/storage "$PM_D"/mnt
	cat >"$PM_D/containers.conf" <<-EOF
	[containers]
	log_driver = "k8s-file"
	default_ulimits = ["nofile=20000:20000", "nproc=4096:4096"]
	[engine]
	cgroup_manager = "cgroupfs"
	events_logger = "file"
	events_logfile_path = "$PM_D/run/events.log"
	runtime = "runc"
	tmp_dir = "$PM_D/run/libpod"
	[network]
	network_backend = "cni"
	cni_plugin_dirs = ["$PM_D/bin", "/usr/lib/cni"]
	network_config_dir = "$PM_D/net.d"
	default_network = "${SB}dflt"
	default_subnet = "198.19.250.0/24"
	EOF
	cat >"$PM_D/storage.conf" <<-EOF
	[storage]
	driver = "vfs"
	graphroot = "$PM_D/storage/graph"
	runroot = "$PM_D/storage/run"
	EOF
	# The rootfs: static busybox (relative links) and iperf3 with its libraries.
	local R=$PM_R a l
	mkdir -p "$R"/bin "$R"/etc "$R"/proc "$R"/sys "$R"/dev "$R"/tmp "$R"/root "$R"/usr/bin
	cp /bin/busybox "$R/bin/"
	for a in $("$R/bin/busybox" --list); do [ -e "$R/bin/$a" ] || ln -s busybox "$R/bin/$a"; done
	printf 'root:x:0:0:root:/root:/bin/sh\n' >"$R/etc/passwd"
	printf 'root:x:0:\n' >"$R/etc/group"
	if [ -x /usr/bin/iperf3 ]; then
		cp /usr/bin/iperf3 "$R/usr/bin/"
		for l in $(ldd /usr/bin/iperf3 | grep -oE '/[^ ]+'); do
			mkdir -p "$R$(dirname "$l")"; cp -L "$l" "$R$l"
		done
	fi
	# The private mount namespace, kept by a bind mount of its own.
	mount --bind "$PM_D/mnt" "$PM_D/mnt" && mount --make-private "$PM_D/mnt" && touch "$PM_MNTNS" || return 1
	PM_UP=1
	unshare --mount="$PM_MNTNS" --propagation private sh -c '
		for m in $(awk "\$9==\"nsfs\"{print \$5}" /proc/self/mountinfo | sort -r); do umount -l "$m" 2>/dev/null; done
		umount -l /run/netns 2>/dev/null; mount -t tmpfs -o mode=755,size=1m "$1" /run/netns' sh "${SB}netns" || return 1
	SB_AGENT_MNTNS=$PM_MNTNS
}

# pm_ids: every container id our podman ever made (its event log) or holds.
pm_ids() {
	{
		grep -oE '"ID":"[0-9a-f]{64}"' "$PM_D/run/events.log" 2>/dev/null | cut -d'"' -f4
		pm ps -a -q --no-trunc 2>/dev/null
	} | sort -u
}

pm_down() {
	[ -n "$PM_UP" ] || return 0
	PM_UP=
	local ids id n d c
	ids=$(pm_ids)
	pm rm -a -f -t 0 >/dev/null 2>&1
	pm pod rm -a -f -t 0 >/dev/null 2>&1
	for id in $ids; do
		for n in "${PM_NETS[@]}"; do rm -f /var/lib/cni/results/"$n-$id"-*; done
		for c in /sys/fs/cgroup/*/libpod_parent/libpod-"$id" /sys/fs/cgroup/*/libpod_parent/libpod-conmon-"$id"; do
			[ -d "$c" ] && find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
		done
		rm -rf /run/runc/"$id"
	done
	for n in "${PM_NETS[@]}"; do
		case $n in "$SB"*) rm -rf /var/lib/cni/networks/"$n" ;; esac
	done
	for c in /sys/fs/cgroup/*/libpod_parent; do
		[[ " ${PM_CG_PRE[*]} " == *" $c "* ]] || find "$c" -depth -type d -exec rmdir {} + 2>/dev/null
	done
	# Made by this test: gone if nothing but empty folders is left (a
	# concurrent run's state would be a file in there).
	for d in "${PM_MADE[@]}"; do
		[ -d "$d" ] && [ -z "$(find "$d" ! -type d | head -1)" ] && rm -rf "$d"
	done
	umount "$PM_MNTNS" 2>/dev/null || umount -l "$PM_MNTNS" 2>/dev/null
	umount "$PM_D/mnt" 2>/dev/null || umount -l "$PM_D/mnt" 2>/dev/null
	return 0
}

trap 'pm_down; sandbox_down' EXIT
