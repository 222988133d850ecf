#!/usr/bin/env bash
# The fq_codel paths: the bloat_reduction leaf under each container's HTB
# class, and one fq_codel flow per container on the public interface.
# This kernel may lack fq_codel: then the test is skipped here and runs
# under a stock Debian kernel with scripts/vmtest.sh.
. "$(dirname "$0")/lib.sh"

if ! sb_host tc qdisc add dev lo root fq_codel 2>/dev/null; then
	echo "1..0 # SKIP fq_codel not in this kernel (scripts/vmtest.sh runs this test)"
	exit 0
fi
sb_host tc qdisc del dev lo root

W=$SB_WORLD_IP
agent_start --bloat_reduction=fq_codel --egress_unique_flow_per_container \
	--egress_rate_limit_per_container=5MB || { cat "$SB_DIR/agent.log"; exit 1; }
ok $? "the agent starts with --bloat_reduction=fq_codel --egress_unique_flow_per_container"
ctl create q1 --ports '[31000-31009]' >/dev/null && ctl create q2 >/dev/null
ok $? "two containers"

in_ct q1 tc qdisc show dev eth0 | grep -q 'fq_codel 10: parent 1:1'
ok $? "q1's eth0: fq_codel leaf 10: under the HTB class 1:1 (bloat_reduction)"
# tuned to 5 MB/s: a second of it in packets and bytes, ECN on
in_ct q1 tc qdisc show dev eth0 | grep -q 'fq_codel 10: .*limit 3462p .*target 5ms interval 100ms memory_limit 5Mb ecn'
ok $? "q1's leaf is tuned to its rate: $(in_ct q1 tc qdisc show dev eth0 | grep 'fq_codel 10:')"
sb_host tc qdisc show dev eth0 | grep -q 'fq_codel f000: root'
ok $? "the public interface has the fq_codel flow classifier f000: at root"

flows=$(sb_host tc filter show dev eth0 parent f000:)
grep -q 'flowid f000:3' <<<"$flows" && grep -q 'flowid f000:4' <<<"$flows" &&
	grep -q 'flowid f000:1' <<<"$flows" && grep -q 'flowid f000:2' <<<"$flows"
ok $? "flows: host f000:1, ARP/ICMP f000:2, q1 f000:3, q2 f000:4"

sb_bg sb_world iperf3 -s -1 -p 5201 >/dev/null 2>&1
sleep 0.5
g=$(in_ct q1 iperf3 -c "$W" -p 5201 -t 4 -O 1 -J 2>/dev/null | jq '.end.sum_received.bits_per_second / 8')
r=$(awk -v v="$g" 'BEGIN { r = v / (5 * 1048576); printf "%.3f", r; exit !(r >= 0.90 && r <= 1.02) }')
ok $? "q1 -> world through HTB + fq_codel leaf + fq_codel flows: goodput/limit = $r"

# With CONFIG_CLS_U32_PERF the kernel counts hits per u32 node.
hits=$(sb_host tc -s filter show dev eth0 parent f000: | grep -B1 -A3 'flowid f000:3' |
	sed -n 's/.*success \([0-9]*\).*/\1/p' | sort -n | tail -1)
if [ -n "$hits" ]; then
	[ "$hits" -gt 0 ]
	ok $? "q1's traffic was classified into its own flow f000:3 ($hits packets)"
fi
drops=$(in_ct q1 tc -s qdisc show dev eth0 | grep -A1 'fq_codel 10:' | sed -n 's/.*Sent \([0-9]*\) bytes.*/\1/p')
[ "${drops:-0}" -gt 4000000 ]
ok $? "q1's fq_codel leaf carried the traffic (${drops:-0} bytes)"

ctl destroy q1 >/dev/null
! sb_host tc filter show dev eth0 parent f000: | grep -q 'flowid f000:3'
ok $? "destroying q1 removes its flow entries"
t_done
