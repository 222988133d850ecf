#!/usr/bin/env bash
# Short queues at the cap: 8 TCP flows from a container capped at 10 Mbit/s,
# and its pings through the same shaper wait at most idle + 5 ms (fq_codel
# leaf) or idle + 10 ms (the bounded tbf leaf where the kernel has no
# fq_codel), never the 1.6 s of a 1000-packet FIFO. The goodput stays at
# the cap, and the leaf follows a PATCH of the rate. Bounds for correctness
# (medians); scripts/bench_shaping.sh gives figures.
. "$(dirname "$0")/lib.sh"

W=$SB_WORLD_IP
CAP=$((1250 * 1024))
agent_start --egress_rate_limit_per_container=1250KB || { cat "$SB_DIR/agent.log"; exit 1; }
ctl create a >/dev/null; ok $? "container a, capped at 10 Mbit/s"
leaf=$(in_ct a tc qdisc show dev eth0 | awk '$3 == "10:" { print $2 }')
case $leaf in
fq_codel) bound=5 ;;
tbf) bound=10 ;;
*) bound=0 ;;
esac
[ "$bound" -gt 0 ]; ok $? "a's leaf is a bounded one: ${leaf:-none}"

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR ? v[int((NR + 1) / 2)] : 9999) }'; }
rtts() { in_ct a ping -n -c "$1" -i 0.2 -W 2 "$W" | sed -n 's/.*time=\([0-9.]*\) ms/\1/p'; }
idle=$(rtts 10 | median)
sb_bg sb_world iperf3 -s -1 -p 5202 >/dev/null 2>&1
sleep 0.5
in_ct a iperf3 -c "$W" -p 5202 -P 8 -t 8 -J >"$SB_DIR/iperf.json" 2>/dev/null &
ip=$!
sleep 2.5
busy=$(rtts 20 | median)
wait $ip
bps=$(jq '.end.sum_received.bits_per_second // 0' "$SB_DIR/iperf.json")
g=$(awk -v b="$bps" -v c="$CAP" 'BEGIN { printf "%d", b / 8 / c * 1000 }')
diag "ping median idle $idle ms, under 8 flows at the cap $busy ms; goodput $g/1000 ($leaf)"
awk -v i="$idle" -v b="$busy" -v d="$bound" 'BEGIN { exit !(b <= i + d) }'
ok $? "8 flows at the cap: ping median $busy ms <= idle $idle + $bound ms"
[ "$g" -ge 900 ]; ok $? "8 flows at the cap: goodput $g/1000 of it"

# The leaf follows the rate: fq_codel holds a second of it (in packets),
# tbf runs at 10x it.
leaf_for() { in_ct a tc qdisc show dev eth0 | grep -q "$leaf 10: .*$1"; }
case $leaf in
fq_codel) want=("limit 845p .*target 5ms interval 100ms memory_limit 4Mb ecn" "limit 1690p ") ;;
*) want=("rate 102400Kbit" "rate 204800Kbit") ;;
esac
leaf_for "${want[0]}"; ok $? "a's $leaf leaf for 10 Mbit/s: ${want[0]}"
api PATCH /containers/a '{"egress_rate_limit":"2500KB"}'
[ "$API_STATUS" = 200 ] && leaf_for "${want[1]}"
ok $? "PATCH to 20 Mbit/s changes the leaf in place: ${want[1]}"

t_done
