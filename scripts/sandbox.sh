# sandbox.sh - sourced: a throw-away topology for the agent.
#   netns ${SB}w "world" (198.18.0.1/24) <-veth-> netns ${SB}h "host":
#   the host's public interface is eth0 (198.18.0.2/24, default route via
#   the world), its ip_local_port_range moved out of the ephemeral pool.
# Everything carries the unique prefix $SB ("nst": never the agent's "nis"), so runs never collide and
# sandbox_down removes exactly what sandbox_up made.

SB=${SB:-nst$$x$RANDOM}
SB_WORLD_IP=198.18.0.1
SB_HOST_IP=198.18.0.2
SB_DIR=${SB_DIR:-/tmp/$SB}
SB_AGENT_PID=
SB_PIDS=()	# background helpers (servers, captures) to end on teardown

SB_BARE_IP=198.18.1.2
sb_world() { ip netns exec "${SB}w" "$@"; }
# The agent's namespace is entered with nsenter, not 'ip netns exec': the
# latter gives a private mount namespace, hiding netns bind mounts.
sb_host() { nsenter --net="/run/netns/${SB}h" "$@"; }

sandbox_up() {
	mkdir -p "$SB_DIR"
	ip netns add "${SB}w"
	ip netns add "${SB}h"
	ip link add "${SB}a" type veth peer name "${SB}b"
	ip link set "${SB}a" netns "${SB}w"
	ip link set "${SB}b" netns "${SB}h"
	sb_world ip link set "${SB}a" name eth0
	sb_host ip link set "${SB}b" name eth0
	sb_world ip addr add "$SB_WORLD_IP/24" dev eth0
	sb_host ip addr add "$SB_HOST_IP/24" dev eth0
	sb_world ip link set lo up
	sb_world ip link set eth0 up
	sb_host ip link set lo up
	sb_host ip link set eth0 up
	sb_host ip route add default via "$SB_WORLD_IP"
	sb_host sysctl -qw net.ipv4.ip_local_port_range="57345 60999"
}

# sandbox_bare_up: a third namespace ${SB}x (198.18.1.2/24) on its own veth
# from the world (198.18.1.1/24), where no agent runs: the benchmarks'
# bare veth, measurable beside the agent's path at any time in a run.
sandbox_bare_up() {
	ip netns add "${SB}x"
	ip link add "${SB}c" type veth peer name "${SB}d"
	ip link set "${SB}c" netns "${SB}w"
	ip link set "${SB}d" netns "${SB}x"
	sb_world ip addr add 198.18.1.1/24 dev "${SB}c"
	sb_world ip link set "${SB}c" up
	sb_bare ip addr add "$SB_BARE_IP/24" dev "${SB}d"
	sb_bare ip link set lo up
	sb_bare ip link set "${SB}d" up
}
sb_bare() { nsenter --net="/run/netns/${SB}x" "$@"; }

# Stops the agent we started (by pid), then removes the namespaces (which
# takes their veths with them) and the state directory.
sandbox_down() {
	local p
	for p in "${SB_PIDS[@]}"; do kill -- "-$p" 2>/dev/null || true; done
	SB_PIDS=()
	if [ -n "$SB_AGENT_PID" ] && kill -0 "$SB_AGENT_PID" 2>/dev/null; then
		kill -TERM "$SB_AGENT_PID" 2>/dev/null || true
		for _ in $(seq 50); do kill -0 "$SB_AGENT_PID" 2>/dev/null || break; sleep 0.1; done
		kill -KILL "$SB_AGENT_PID" 2>/dev/null || true
	fi
	SB_AGENT_PID=
	if [ -d "$SB_DIR/run/netns" ]; then
		for h in "$SB_DIR"/run/netns/*; do
			[ -e "$h" ] && umount "$h" 2>/dev/null
		done
		umount "$SB_DIR/run/netns" 2>/dev/null || true
	fi
	# h, w, x, and any a test made for a runtime's role (ext_ns).
	for h in $(ip netns list | awk -v p="$SB" 'index($1, p) == 1 { print $1 }'); do
		ip netns del "$h" 2>/dev/null || true
	done
	rm -rf "$SB_DIR"
}

# Starts netisold in the host namespace with the sandbox's directories and
# waits until /health answers. Extra arguments are passed on.
# SB_AGENT_MNTNS=PATH (optional): the agent also enters that mount
# namespace (a runtime's private one, whose netns paths it must see).
agent_start() {
	local bin=${NETISOLD:-${top_builddir:-.}/netisold}
	# nsenter execs the agent, so $! is the agent's own pid.
	nsenter ${SB_AGENT_MNTNS:+--mount="$SB_AGENT_MNTNS"} --net="/run/netns/${SB}h" "$bin" --isolation=network/port_mapping \
		--work_dir="$SB_DIR/work" --runtime_dir="$SB_DIR/run" \
		--ip=127.0.0.1 --port=5051 "$@" >>"$SB_DIR/agent.log" 2>&1 &
	SB_AGENT_PID=$!
	# Up to 30 s: a sanitizer build or a loaded machine starts slowly.
	for _ in $(seq 600); do
		sb_host curl -sf http://127.0.0.1:5051/health >/dev/null 2>&1 && return 0
		kill -0 "$SB_AGENT_PID" 2>/dev/null || break
		sleep 0.05
	done
	echo "# the agent did not start; the end of its log:"
	tail -20 "$SB_DIR/agent.log" | sed 's/^/#   /'
	kill -0 "$SB_AGENT_PID" 2>/dev/null || SB_AGENT_PID=
	return 1
}

agent_stop() {
	[ -n "$SB_AGENT_PID" ] || return 0
	kill -TERM "$SB_AGENT_PID"
	wait "$SB_AGENT_PID"
	local rc=$?
	SB_AGENT_PID=
	return $rc
}

# sb_bg CMD...: runs CMD in the background in its own process group (job
# control on), so sandbox_down ends it and everything it started.
sb_bg() {
	set -m
	"$@" &
	SB_PIDS+=($!)
	set +m
}

# api METHOD PATH [BODY]: the agent's API on its unix socket; sets
# API_STATUS and API_BODY.
api() {
	local out
	out=$(curl -s -m 30 -w '\n%{http_code}' --unix-socket "$SB_DIR/run/api.sock" \
		-X "$1" ${3:+-d "$3"} "http://netisold$2")
	API_STATUS=${out##*$'\n'}
	API_BODY=${out%$'\n'*}
}

# ctl ARGS...: netisolctl against the sandbox's agent.
ctl() { "${NETISOLCTL:-${top_builddir:-.}/netisolctl}" --socket "$SB_DIR/run/api.sock" "$@"; }

# in_ct ID CMD...: CMD inside container ID's network namespace.
in_ct() { local id=$1; shift; ctl exec "$id" -- "$@"; }
