#!/usr/bin/env bash
# Goodput at the cap: TCP payload / limit >= 0.93 (the ceiling is
# 1448/1514 = 0.956) with 1 and 8 flows at 10 Mbit/s, 100 Mbit/s and
# 1 Gbit/s, egress (the container sends) and ingress (it receives), through
# the leaf --bloat_reduction=auto takes. A rate this machine cannot carry
# uncapped (half of it at least, as the qemu kernel under TCG) is skipped
# and said so. Bounds for correctness; scripts/bench_shaping.sh gives figures.
. "$(dirname "$0")/lib.sh"

W=$SB_WORLD_IP
agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
port=5300
goodput() {	# goodput CONTAINER FLOWS [-R]: payload bytes/s the receiver got
	port=$((port + 1))
	sb_bg sb_world iperf3 -s -1 -p "$port" >/dev/null 2>&1
	sleep 0.3
	in_ct "$1" iperf3 -c "$W" -p "$port" -P "$2" -t 5 -O 1 $3 -J 2>/dev/null |
		jq '(.end.sum_received.bits_per_second // 0) / 8 | floor'
}

ctl create free >/dev/null; ok $? "an uncapped container"
free=$(goodput free 1); free=${free:-0}
diag "uncapped, 1 flow: $((free / 125000)) Mbit/s"
ctl destroy free >/dev/null && settle

for mbit in 10 100 1000; do
	rate=$((mbit * 125000))
	if [ "$free" -lt $((rate * 2)) ]; then
		echo "ok $((T_N += 1)) # SKIP $mbit Mbit/s: this machine carries $((free / 125000)) uncapped"
		continue
	fi
	ctl create "g$mbit" --egress-rate "${rate}B" --ingress-rate "${rate}B" >/dev/null
	ok $? "g$mbit, capped at $mbit Mbit/s both ways"
	for flows in 1 8; do
		for dir in egress ingress; do
			g=$(goodput "g$mbit" "$flows" "$([ $dir = ingress ] && echo -R)")
			r=$(awk -v g="${g:-0}" -v r="$rate" 'BEGIN { printf "%.3f", g / r }')
			awk -v r="$r" 'BEGIN { exit !(r >= 0.93 && r <= 1.0) }'
			ok $? "$mbit Mbit/s $dir, $flows flow(s): goodput/limit $r"
		done
	done
	ctl destroy "g$mbit" >/dev/null
done
t_done
