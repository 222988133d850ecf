#!/usr/bin/env bash
# Benchmark (not a test): shaping side by side, in one run. For each of
#  - netisol: the agent's container, capped both ways (--bloat_reduction=
#    auto: fq_codel where the kernel has it, else the bounded tbf leaf);
#  - bandwidth: the CNI bandwidth plugin's set-up, built by hand with tc on
#    a bare veth: "tbf rate R burst B latency 25ms" on the host veth for
#    ingress, an ingress qdisc + u32/mirred to an ifb with the same tbf for
#    egress (B = 10 ms of the rate, at least two frames);
#  - htb: plain HTB with its default 1000-packet FIFO on both sides of the
#    bare veth (netisol's shaping before issue 15, with no leaf);
# at 10 and 100 Mbit/s: goodput/limit (TCP payload over the cap, 1 and 8
# flows, egress and ingress; UDP at 1.2x the cap, egress) and the ping RTT
# p50/p99 (ms) idle and under each egress load, pinging through the loaded
# shaper. Prints a Markdown table (and writes it to $BENCH_OUT if set).
# Usage: scripts/bench_shaping.sh [SECONDS]   (root; a throw-away sandbox)
#   BENCH_RATES="10 100"   Mbit/s measured
# Under the qemu kernel: scripts/vmtest.sh "$PWD/scripts/bench_shaping.sh"
# with NIS_VM_MODULES="ifb sch_tbf".
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
T=${1:-6}
top_builddir=${top_builddir:-$top/build}
. "$top/scripts/sandbox.sh"
trap sandbox_down EXIT
sandbox_up
sandbox_bare_up
W=$SB_WORLD_IP BW=198.18.1.1
agent_start --bloat_reduction=auto >/dev/null || { cat "$SB_DIR/agent.log"; exit 1; }

p50_p99() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "- -"; exit }
	printf "%.2f %.2f\n", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)] }'; }
# pings RUNNER TARGET COUNT: the RTTs (ms), 20 a second
pings() { $1 ping -n -i 0.05 -c "$3" -W 1 "$2" 2>/dev/null | sed -n 's/.*time=\([0-9.]*\) ms/\1/p'; }
port=5400
# load RUNNER TARGET RATE KIND: runs KIND (tcp1, tcp8, in1, in8, udp) for T s
# from RUNNER's namespace and pings TARGET through it meanwhile; prints
# "goodput/limit p50 p99"
load() {
	local run=$1 tgt=$2 rate=$3 args=(-t "$T" -O 1 -J) pid got
	port=$((port + 1))
	case $4 in
	tcp1) ;; tcp8) args+=(-P 8) ;; in1) args+=(-R) ;; in8) args+=(-R -P 8) ;;
	udp) args+=(-u -l 1400 -b $((rate * 12 / 10 * 8))) ;;
	esac
	sb_bg sb_world iperf3 -s -1 -p "$port" >/dev/null 2>&1
	sleep 0.3
	$run iperf3 -c "$tgt" -p "$port" "${args[@]}" >"$SB_DIR/iperf.json" 2>/dev/null &
	pid=$!
	sleep 1.5
	pings "$run" "$tgt" $(( (T - 2) * 20 )) >"$SB_DIR/rtt"
	wait $pid || true
	got=$(jq 'if .end.sum_received then .end.sum_received.bits_per_second
		  else .end.sum.bits_per_second * (100 - .end.sum.lost_percent) / 100 end
		  // 0' "$SB_DIR/iperf.json")
	echo "$(awk -v g="$got" -v r="$rate" 'BEGIN { printf "%.3f", g / 8 / r }') $(p50_p99 <"$SB_DIR/rtt")"
}

# The three set-ups, each with its RUNNER and TARGET (the world's address).
netisol_up() {
	ctl create "n$1" --egress-rate "$(($1 * 125000))B" --ingress-rate "$(($1 * 125000))B" >/dev/null
	RUN="in_ct n$1" TGT=$W
	LEAF=$(in_ct "n$1" tc qdisc show dev eth0 | awk '$3 == "10:" { print $2 }')
}
netisol_down() { ctl destroy "n$1" >/dev/null; sleep 1; }
bandwidth_up() {
	local r=$(($1 * 125000)) b
	b=$((r / 100 > 3028 ? r / 100 : 3028))
	sb_world ip link add "${SB}i" type ifb
	sb_world ip link set "${SB}i" up
	sb_world tc qdisc add dev "${SB}c" root tbf rate "${1}mbit" burst "$b" latency 25ms
	sb_world tc qdisc add dev "${SB}c" handle ffff: ingress
	sb_world tc filter add dev "${SB}c" parent ffff: protocol all u32 match u32 0 0 \
		action mirred egress redirect dev "${SB}i"
	sb_world tc qdisc add dev "${SB}i" root tbf rate "${1}mbit" burst "$b" latency 25ms
	RUN=sb_bare TGT=$BW
}
bandwidth_down() {
	sb_world tc qdisc del dev "${SB}c" root
	sb_world tc qdisc del dev "${SB}c" ingress
	sb_world ip link del "${SB}i"
}
htb_up() {
	sb_bare tc qdisc add dev "${SB}d" root handle 1: htb default 1
	sb_bare tc class add dev "${SB}d" parent 1: classid 1:1 htb rate "${1}mbit" 2>/dev/null
	sb_world tc qdisc add dev "${SB}c" root handle 1: htb default 1
	sb_world tc class add dev "${SB}c" parent 1: classid 1:1 htb rate "${1}mbit" 2>/dev/null
	RUN=sb_bare TGT=$BW
}
htb_down() { sb_bare tc qdisc del dev "${SB}d" root; sb_world tc qdisc del dev "${SB}c" root; }

LEAF=
out=$(
echo "| set-up | Mbit/s | idle p50/p99 | 1 flow goodput, p50/p99 | 8 flows goodput, p50/p99 | UDP 1.2x delivered, p50/p99 | ingress 1 / 8 flows goodput |"
echo "|---|---|---|---|---|---|---|"
for mbit in ${BENCH_RATES:-10 100}; do
	for s in netisol bandwidth htb; do
		"${s}_up" "$mbit"
		rate=$((mbit * 125000))
		read -r i50 i99 <<<"$(pings "$RUN" "$TGT" 40 | p50_p99)"
		row="| $s | $mbit | $i50 / $i99 |"
		for kind in tcp1 tcp8 udp; do
			read -r g p50 p99 <<<"$(load "$RUN" "$TGT" "$rate" $kind)"
			row+=" $g, $p50 / $p99 |"
		done
		read -r g1 _ <<<"$(load "$RUN" "$TGT" "$rate" in1)"
		read -r g8 _ <<<"$(load "$RUN" "$TGT" "$rate" in8)"
		echo "$row $g1 / $g8 |"
		"${s}_down" "$mbit"
	done
done
echo
echo "kernel $(uname -r); netisol's leaf: ${LEAF:-none}; $T s a load; ping 20/s"
)
echo "$out"
[ -z "${BENCH_OUT:-}" ] || echo "$out" >"$BENCH_OUT"
