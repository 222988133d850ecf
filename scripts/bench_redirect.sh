#!/usr/bin/env bash
# Experiment (not a test): what the second veth hop costs. World -> one
# container, iperf3 UDP 1400 B and TCP, alternating in rounds within one run:
#   bare     world -> a namespace of its own on its own veth, no isolator;
#   agent    the agent's own path (its fast path: port map, class, count,
#            bpf_redirect_peer);
#   egress   a cls_bpf program in front of it doing bpf_redirect to the host
#            veth (mirred's hop, one lookup instead of u32), no counting;
#   peer     the same with bpf_redirect_peer: straight into the container's
#            eth0, skipping the host veth's transmit and the second backlog.
# Prints medians over ROUNDS (default 3) as ratios to bare, then what each
# program costs per packet, timed in the kernel (tests/bench/fast_cost);
# writes bench/redirect_results.json. Usage: scripts/bench_redirect.sh [SECONDS] (root)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
T=${1:-4} ROUNDS=${ROUNDS:-3}
top_builddir=$top/build
proto=$top_builddir/tests/bench/redirect_proto cost=$top_builddir/tests/bench/fast_cost
make -C "$top_builddir" tests/bench/redirect_proto tests/bench/fast_cost >/dev/null
. "$top/scripts/sandbox.sh"
BPFFS=$SB_DIR/bpffs
down() { sb_host tc filter del dev eth0 ingress prio 1 2>/dev/null || true
	umount "$BPFFS" 2>/dev/null || true; sandbox_down; }
trap down EXIT
sandbox_up
sandbox_bare_up
H=$SB_HOST_IP
mkdir -p "$BPFFS" "$top/bench"
mount -t bpf bpf "$BPFFS"

gbps() {	# gbps CLIENT SERVER HOST PORT tcp|udp
	local c=$1 s=$2 host=$3 port=$4 extra=()
	[ "$5" = udp ] && extra=(-u -b 0 -l 1400)
	sb_bg $s taskset -c 0 iperf3 -s -1 -p "$port" >/dev/null 2>&1
	sleep 0.4
	$c timeout $((T + 20)) taskset -c 1 iperf3 -c "$host" -p "$port" -t "$T" -O 1 -J "${extra[@]}" 2>/dev/null |
		jq -r "if .end.sum_received then .end.sum_received.bits_per_second
		       else .end.sum.bits_per_second * (100 - .end.sum.lost_percent) / 100 end / 1e9"
}
world() { sb_world "$@"; }
bare() { sb_bare "$@"; }
ct() { in_ct c1 "$@"; }
median() { sort -g | awk '{ v[NR] = $1 } END { printf "%s", (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

agent_start --resources='ports:[31000-32000];ephemeral_ports:[32768-57343]' \
	--ephemeral_ports_per_container=16 >/dev/null || { cat "$SB_DIR/agent.log"; exit 1; }
api POST /containers '{"container_id":"c1","ports":"[31001-31001]"}'
[ "$API_STATUS" = 201 ] || { echo "create: $API_STATUS $API_BODY"; exit 1; }
v=$(ctl list --json | jq -r '.[0].host_veth')
vi=$(sb_host ip -o link show "$v" | cut -d: -f1)
"$proto" 31001 "$vi" egress "$BPFFS/egress"
"$proto" 31001 "$vi" peer "$BPFFS/peer"

via() {	# via bare|agent|egress|peer MODE: one measurement
	case $1 in
	bare) gbps world bare "$SB_BARE_IP" 5201 "$2" ;;
	agent) gbps world ct "$H" 31001 "$2" ;;
	*) sb_host tc filter add dev eth0 ingress prio 1 handle 1 bpf da object-pinned "$BPFFS/$1"
	   gbps world ct "$H" 31001 "$2"
	   sb_host tc filter del dev eth0 ingress prio 1 ;;
	esac
}
json=()
for mode in udp tcp; do
	for path in bare agent egress peer; do : >"$SB_DIR/$mode.$path"; done
	for _ in $(seq "$ROUNDS"); do
		for path in bare agent egress peer; do via $path $mode >>"$SB_DIR/$mode.$path"; done
	done
	for path in bare agent egress peer; do eval "m_$path=\$(median <\"\$SB_DIR/\$mode.\$path\")"; done
	r() { awk -v a="$1" -v b="$m_bare" 'BEGIN { printf "%.3f", a / b }'; }
	printf '%s: bare %.2f Gbit/s; of bare: agent %s, bpf_redirect %s, bpf_redirect_peer %s\n' \
		"$mode" "$m_bare" "$(r "$m_agent")" "$(r "$m_egress")" "$(r "$m_peer")"
	json+=("\"$mode\":{\"bare_gbps\":$m_bare,\"agent_vs_bare\":$(r "$m_agent"),\"bpf_redirect_vs_bare\":$(r "$m_egress"),\"bpf_redirect_peer_vs_bare\":$(r "$m_peer")}")
done
echo "per packet, in the kernel (BPF_PROG_TEST_RUN, best of 5 x 2M runs, less an empty program):"
ns=$("$cost" 2>/dev/null)
jq -r 'to_entries[] | select(.key | endswith("_ns")) | "   \(.key | rtrimstr("_ns")): \(.value) ns"' <<<"$ns"
json+=("\"program_ns\":$ns")
(IFS=,; echo "{\"seconds_per_iperf\":$T,\"rounds\":$ROUNDS,${json[*]}}") | jq . >"$top/bench/redirect_results.json"
echo "written: $top/bench/redirect_results.json"
