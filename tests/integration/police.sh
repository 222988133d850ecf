#!/usr/bin/env bash
# A root tenant against its own egress cap (10 Mbit/s): it deletes its HTB,
# replaces it with a faster one, floods past its qdiscs with
# PACKET_QDISC_BYPASS. What reaches the world (counted there, Ethernet
# bytes over 4 s once the burst is spent) stays within 1.05x of the cap;
# the agent puts the HTB back and logs it once; PATCH keeps working; the
# meter's drops show in bw_limit and are not billed; an honest TCP flow
# still gets its cap.
# The ingress cap, on the host side, holds whatever the tenant deletes; the
# egress cap holds towards a neighbour through the host as well.
. "$(dirname "$0")/lib.sh"

RAW=${top_builddir}/tests/integration/rawframe
W=$SB_WORLD_IP H=$SB_HOST_IP
CAP=$((1250 * 1024))	# bytes/s
agent_start --accounting_interval=1secs --egress_rate_limit_per_container=1250KB ||
	{ cat "$SB_DIR/agent.log"; exit 1; }
ctl create a --ports '[31000-31009]' >/dev/null; ok $? "container a, capped at 10 Mbit/s"

mac_of() { "$@" ip -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
HMAC=$(mac_of sb_host) WMAC=$(mac_of sb_world)
ip_hx() { local IFS=.; printf '%02x' $1; }
# a legitimate 1042-byte UDP frame from a's port 31000 to the world's port 9
payload=$(printf '%01000d' 0 | od -An -v -tx1 | tr -d ' \n')
FRAME=$(printf '%s%s0800' "${WMAC//:/}" "${HMAC//:/}")$(printf '4500%04x000040004011%04x%s%s' \
	$((28 + 1000)) 0 "$(ip_hx "$H")" "$(ip_hx "$W")")$(printf '%04x%04x%04x0000%s' 31000 9 \
	$((8 + 1000)) "$payload")
# world_rx: the world's eth0 rx bytes and the time they were read (ns),
# read together: a loaded VM takes its time to start a command
world_rx() {
	sb_world bash -c 'awk -F"[: ]+" '"'"'$2 == "eth0" { printf "%s ", $3 }'"'"' /proc/net/dev; date +%s%N'
}
# flood ENV...: a floods for 6 s with ENV set; prints the world's rate over
# 4 s of it, once the burst is spent, as a fraction of the cap (x1000)
# (RX: who counts, world_rx or "ct_rx ID"; FR: the frame, FRAME)
flood() {
	in_ct a env RAWFRAME_SECONDS=6 "$@" "$RAW" send eth0 "${FR:-$FRAME}" 100 &
	local pid=$! b0 t0 b1 t1
	sleep 1.5
	read -r b0 t0 <<<"$(${RX:-world_rx})"
	sleep 4
	read -r b1 t1 <<<"$(${RX:-world_rx})"
	wait $pid
	echo $(( (b1 - b0) * 1000000 / ((t1 - t0) / 1000) * 1000 / CAP ))
}
in_window() { [ "$1" -ge 500 ] && [ "$1" -le 1050 ]; }	# (a loaded qemu VM stalls: less)

r=$(flood); in_window "$r"
ok $? "a flood through a's own HTB: $r/1000 of the cap reach the world"

# The limit's rate moves with the load, and falls back to 0 when idle.
bw_rate() {
	api GET /monitor/statistics.json
	jq '.[] | select(.container_id=="a") | .statistics.net_traffic_control_statistics[] |
		select(.id=="bw_limit") | .ratebps' <<<"$API_BODY"
}
in_ct a env RAWFRAME_SECONDS=6 "$RAW" send eth0 "$FRAME" 100 &
pid=$!
sleep 4.5
busy=$(bw_rate)
wait $pid
sleep 5
idle=$(bw_rate)
[ $((busy * 10)) -ge $((CAP * 8)) ] && [ $((busy * 10)) -le $((CAP * 12)) ] && [ "$idle" = 0 ]
ok $? "bw_limit's ratebps: $busy B/s at the cap of $CAP, $idle idle"

# class_shows PATTERN: a's tc classes show PATTERN within 6 s (the agent
# puts its HTB back every 2 s)
class_shows() {
	for _ in $(seq 30); do
		in_ct a tc class show dev eth0 | grep -q "$1" && return 0
		sleep 0.2
	done
	return 1
}
# tamper CMD: a keeps doing CMD inside (faster than the agent puts it back)
tamper() {
	in_ct a bash -c "for i in \$(seq 60); do $1; sleep 0.1; done" >/dev/null 2>&1 &
	TAMPER=$!
}
tamper "tc qdisc del dev eth0 root"
r=$(flood); in_window "$r"
ok $? "a keeps deleting its HTB and floods: $r/1000 of the cap reach the world (was 1.6 Gbit/s)"
wait $TAMPER
class_shows "class htb 1:1" &&
	grep -q "container a: its egress HTB was changed" "$SB_DIR/agent.log"
ok $? "the agent put a's HTB back and logged it"

in_ct a tc qdisc del dev eth0 root
api PATCH /containers/a '{"egress_rate_limit":"2500KB"}'
[ "$API_STATUS" = 200 ] && in_ct a tc class show dev eth0 | grep -q "rate 20480Kbit"
ok $? "PATCH after a deleted its HTB: $API_STATUS, the class at the new rate"
CAP=$((2500 * 1024))
bw_drops() {
	api GET /monitor/statistics.json
	jq '.[] | select(.container_id=="a") | .statistics.net_traffic_control_statistics[] |
		select(.id=="bw_limit") | .drops' <<<"$API_BODY"
}
world_bytes() { sb_world awk -F'[: ]+' '$2 == "eth0" { print $3 }' /proc/net/dev; }
d0=$(bw_drops) w0=$(world_bytes) t0=$(billed a tx)
r=$(flood RAWFRAME_BYPASS=1); in_window "$r"
ok $? "PACKET_QDISC_BYPASS at the new cap: $r/1000 of it reach the world (was 2.2 Gbit/s)"
d1=$(bw_drops)
[ "$d1" -gt $((d0 + 1000)) ]
ok $? "bw_limit's drops count the meter's: $d0 before the bypass flood, $d1 after"
sleep 2.5	# an accounting pass (every second) after the flood
got=$(( $(world_bytes) - w0 )) paid=$(( $(billed a tx) - t0 ))
[ "$paid" -le $((got * 102 / 100)) ] && [ "$paid" -ge $((got * 95 / 100)) ]
ok $? "what the meter dropped is not billed: a pays $paid B for the flood, the world got $got B"

tamper "tc qdisc del dev eth0 root; tc qdisc add dev eth0 root handle 1: htb default 1; tc class add dev eth0 parent 1: classid 1:1 htb rate 1gbit"
r=$(flood); in_window "$r"
ok $? "a keeps replacing its HTB with a 1 Gbit/s one: $r/1000 of the cap reach the world"
wait $TAMPER
class_shows "rate 20480Kbit"
ok $? "and the agent put the cap's rate back"
[ "$(grep -c "container a: its egress HTB was changed" "$SB_DIR/agent.log")" = 1 ]
ok $? "a's tampering is logged once"

# The ingress cap is the host veth's: b deletes what it has and the world
# floods it at 80 Mbit/s; what b receives stays within it.
ctl create b --ports '[31100-31109]' --ingress-rate 1250KB >/dev/null
ok $? "container b, its ingress capped at 10 Mbit/s"
ct_rx() { in_ct "$1" bash -c 'awk -F"[: ]+" '"'"'$2 == "eth0" { printf "%s ", $3 }'"'"' /proc/net/dev; date +%s%N'; }
in_ct b bash -c 'tc qdisc del dev eth0 root; tc qdisc del dev eth0 ingress; sysctl -qw net.core.rmem_max=67108864' >/dev/null 2>&1
in_ct b timeout 9 iperf3 -s -1 -p 31100 >/dev/null 2>&1 &
srv=$!
sleep 0.5
sb_world timeout 9 iperf3 -c "$H" -p 31100 -u -b 80M -l 1400 -t 6 >/dev/null 2>&1 &
cli=$!
sleep 1.5
read -r b0 t0 <<<"$(ct_rx b)"
sleep 4
read -r b1 t1 <<<"$(ct_rx b)"
wait $cli $srv
r=$(( (b1 - b0) * 1000000 / ((t1 - t0) / 1000) * 1000 / (1250 * 1024) ))
in_window "$r"
ok $? "a UDP flood to b at 8x its ingress cap: $r/1000 of it reach b"

# The meter sits ahead of every redirect: a's flood past its qdiscs to a
# neighbour's port through the host stays within a's cap too.
ctl create c --ports '[31200-31209]' >/dev/null; ok $? "container c, uncapped"
FRAME_C=$(printf '%s%s0800' "${HMAC//:/}" "${HMAC//:/}")$(printf '4500%04x000040004011%04x%s%s' \
	$((28 + 1000)) 0 "$(ip_hx "$H")" "$(ip_hx "$H")")$(printf '%04x%04x%04x0000%s' 31000 31200 \
	$((8 + 1000)) "$payload")
r=$(RX="ct_rx c" FR=$FRAME_C flood RAWFRAME_BYPASS=1); in_window "$r"
ok $? "a floods c through the host with PACKET_QDISC_BYPASS: $r/1000 of a's cap reach c"

# An honest TCP flow at the cap is paced by the HTB, not cut by the meter.
sb_bg sb_world iperf3 -s -1 -p 5201 >/dev/null 2>&1
sleep 0.5
bps=$(in_ct a iperf3 -c "$W" -p 5201 -t 4 -J 2>/dev/null | jq '.end.sum_received.bits_per_second // 0')
g=$(awk -v b="$bps" -v c="$CAP" 'BEGIN { printf "%d", b / 8 / c * 1000 }')
[ "$g" -ge 900 ]
ok $? "one TCP flow at the cap: goodput $g/1000 of it"

t_done
