#!/usr/bin/env bash
# /monitor/statistics.json, /metrics and netisolctl stats against real
# traffic; optional fields behind their flags; the auth split.
. "$(dirname "$0")/lib.sh"

W=$SB_WORLD_IP H=$SB_HOST_IP MiB=1048576
FLAGS=(--egress_rate_limit_per_container=100MB --network_enable_snmp_statistics
       --network_enable_socket_statistics_summary --network_enable_socket_statistics_details)
agent_start "${FLAGS[@]}" || { cat "$SB_DIR/agent.log"; exit 1; }
ctl create m1 --ports '[31000-31000]' >/dev/null && ctl create m2 >/dev/null
ok $? "two containers"
stats() { sb_host curl -s http://127.0.0.1:5051/monitor/statistics.json; }
field() { stats | jq -r ".[] | select(.container_id==\"m1\") | .statistics.$1"; }
ratio_in() {	# ratio_in VALUE REF LO HI
	awk -v v="$1" -v r="$2" -v lo="$3" -v hi="$4" 'BEGIN { x = v / r; printf "%.3f", x; exit !(x >= lo && x <= hi) }'
}

# Exact payloads with socat: 8 MiB out of m1, 4 MiB into it.
sb_bg sb_world socat -u TCP4-LISTEN:5201,reuseaddr OPEN:/dev/null
sleep 0.3
in_ct m1 bash -c "head -c $((8 * MiB)) /dev/zero | socat -u - TCP4:$W:5201"
sb_bg in_ct m1 socat -u TCP4-LISTEN:31000,reuseaddr OPEN:/dev/null
sleep 0.3
sb_world bash -c "head -c $((4 * MiB)) /dev/zero | socat -u - TCP4:$H:31000"
sleep 0.3
tx=$(field net_tx_bytes) rx=$(field net_rx_bytes)
r=$(ratio_in "$tx" $((8 * MiB)) 1.00 1.10); ok $? "net_tx_bytes = $tx, $r of the 8 MiB sent"
r=$(ratio_in "$rx" $((4 * MiB)) 1.00 1.10); ok $? "net_rx_bytes = $rx, $r of the 4 MiB received"
# veth counts GSO aggregates as one packet (up to 64 KiB), frames at most 1500.
txp=$(field net_tx_packets) rxp=$(field net_rx_packets)
[ "$txp" -ge $((8 * MiB / 65536)) ] && [ "$txp" -le $((8 * MiB / 500)) ] &&
	[ "$rxp" -ge $((4 * MiB / 65536)) ] && [ "$rxp" -le $((4 * MiB / 500)) ]
ok $? "packet counts are plausible (tx $txp, rx $rxp)"
bw=$(stats | jq '.[] | select(.container_id=="m1") | .statistics.net_traffic_control_statistics[] | select(.id=="bw_limit") | .bytes')
[ "${bw:-0}" -ge $((8 * MiB)) ]
ok $? "bw_limit.bytes = $bw >= 8 MiB"

# Types of every documented field.
types=$(stats | jq -r '.[0] | [(.executor_id|type), (.executor_name|type), (.framework_id|type),
	(.source|type), (.container_id|type), (.statistics.timestamp|type)] | join(" ")')
[ "$types" = "string string string string string number" ]
ok $? "the entry's labels are strings and timestamp a number ($types)"
nums=$(stats | jq '[.[0].statistics | .net_rx_bytes, .net_rx_dropped, .net_rx_errors,
	.net_rx_packets, .net_tx_bytes, .net_tx_dropped, .net_tx_errors, .net_tx_packets,
	.net_tx_rate_limit, .net_tcp_active_connections, .net_tcp_time_wait_connections]
	| map(type == "number") | all')
ok $([ "$nums" = true ]; echo $?) "every counter, the limit and the flagged TCP fields are numbers"
rtt=$(stats | jq '.[0].statistics | has("net_tcp_rtt_microsecs_p50")')
ok $([ "$rtt" = false ]; echo $?) "no socket with an RTT: the RTT percentiles are left out, as Mesos does"
tcok=$(stats | jq '[.[0].statistics.net_traffic_control_statistics[] | (.id|type=="string") and
	([.backlog,.bytes,.drops,.overlimits,.packets,.qlen,.ratebps,.ratepps,.requeues] | map(type=="number") | all)] | all')
ok $([ "$tcok" = true ]; echo $?) "net_traffic_control_statistics entries carry id and the nine numbers"
snmp=$(stats | jq -r '.[0].statistics.net_snmp_statistics | [(.ip_stats.InReceives|type), (.tcp_stats.ActiveOpens|type),
	(.udp_stats.InDatagrams|type), (.icmp_stats.InMsgs|type)] | join(" ")')
[ "$snmp" = "number number number number" ]
ok $? "net_snmp_statistics has the kernel's keys (Ip InReceives, Tcp ActiveOpens, ...)"

# An open connection shows up in the socket statistics.
sb_bg in_ct m1 socat -u TCP4:$W:5202,retry=20 EXEC:'sleep 5'
sb_bg sb_world socat -u TCP4-LISTEN:5202,reuseaddr EXEC:'sleep 5'
sleep 1
act=$(field net_tcp_active_connections) rtt=$(field net_tcp_rtt_microsecs_p99)
[ "$act" -ge 1 ] && [ "$rtt" -gt 0 ]
ok $? "an established connection: active connections $act, rtt p99 ${rtt}us"

# /metrics: a strict exposition parser, and the same bytes as the JSON.
metrics() { sb_host curl -s "$@" http://127.0.0.1:5051/metrics; }
metrics -D "$SB_DIR/m.head" -o "$SB_DIR/m.txt"
grep -qi '^content-type: text/plain; version=0.0.4; charset=utf-8' "$SB_DIR/m.head"
ok $? "/metrics Content-Type is text/plain; version=0.0.4; charset=utf-8"
awk -f "$(dirname "$0")/promcheck.awk" "$SB_DIR/m.txt" >"$SB_DIR/m.err"
ok $? "/metrics passes the exposition-format check $(head -3 "$SB_DIR/m.err" | tr '\n' ' ')"
js=$(stats) mt=$(metrics)
for f in receive_bytes transmit_bytes; do
	k=$([ $f = receive_bytes ] && echo net_rx_bytes || echo net_tx_bytes)
	a=$(jq ".[] | select(.container_id==\"m1\") | .statistics.$k" <<<"$js")
	b=$(sed -n "s/^container_network_${f}_total{container_id=\"m1\",id=\"\/netisol\/m1\",name=\"m1\",interface=\"eth0\"} //p" <<<"$mt")
	[ "$a" = "$b" ]
	ok $? "container_network_${f}_total equals the JSON's $k ($a = $b)"
done
grep -q '^netisol_tc_bytes_total{container_id="m1",qdisc="bw_limit"} ' <<<"$mt" &&
	grep -q '^netisol_egress_rate_limit_bytes_per_second{container_id="m1"} 104857600$' <<<"$mt" &&
	grep -q '^netisol_containers 2$' <<<"$mt" && grep -q '^netisol_ephemeral_blocks_free 22$' <<<"$mt" &&
	grep -q '^netisol_api_requests_total{method="POST",code="201"} 2$' <<<"$mt"
ok $? "netisol_tc_*, limits, container and block gauges, API counters"

# Labels made only of characters that need escaping, at their longest.
q=$(printf '"%.0s' {1..255})
api POST /containers "{\"container_id\":\"lbl\",\"executor_id\":$(jq -Rn --arg q "$q" '$q'),\"framework_id\":$(jq -Rn --arg q "$q" '$q')}"
metrics | awk -f "$(dirname "$0")/promcheck.awk" >/dev/null
ok $? "255 quotes in executor_id and framework_id still give a well-formed /metrics"
api DELETE /containers/lbl

# Creates and destroys during scraping never break a response.
( for i in $(seq 1 15); do ctl create churn.$i >/dev/null; ctl destroy churn.$i >/dev/null; done ) &
churn=$!
bad=0
while kill -0 $churn 2>/dev/null; do
	stats | jq -e 'type == "array"' >/dev/null || bad=$((bad + 1))
	metrics | awk -f "$(dirname "$0")/promcheck.awk" >/dev/null || bad=$((bad + 1))
done
wait $churn
ok $([ $bad = 0 ]; echo $?) "scrapes during 15 create/destroy cycles were all well-formed ($bad bad)"

# netisolctl stats.
out=$(ctl stats m1)
grep -q '^m1 ' <<<"$out" && grep -qE 'MiB' <<<"$out" && grep -q 'Mbit/s' <<<"$out"
ok $? "netisolctl stats m1: a table with units"
[ "$(ctl stats m1 --json | jq -r '.[0].container_id')" = m1 ]
ok $? "netisolctl stats m1 --json"

# Without the flags the optional fields are absent.
agent_stop
agent_start --egress_rate_limit_per_container=100MB || exit 1
ctl create m3 >/dev/null
absent=$(stats | jq '.[] | select(.container_id=="m3") | .statistics | has("net_tcp_active_connections") or
	has("net_tcp_rtt_microsecs_p50") or has("net_snmp_statistics")')
[ "$absent" = false ]
ok $? "without their flags, the socket and SNMP fields are absent"

# The auth split, Mesos style.
agent_stop
printf '{"credentials":[{"principal":"ops","secret":"s3cret"}]}' >"$SB_DIR/creds.json"
agent_start --authenticate_http_readwrite --authenticate_http_readonly \
	--http_credentials="$SB_DIR/creds.json" || { cat "$SB_DIR/agent.log"; exit 1; }
post() { sb_host curl -s -o /dev/null -w '%{http_code}' "$@" -X POST -d "{\"container_id\":\"$1\"}" \
	http://127.0.0.1:5051/containers; }
code=$(sb_host curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"container_id":"t1"}' http://127.0.0.1:5051/containers)
hdr=$(sb_host curl -s -D - -o /dev/null -X POST -d '{"container_id":"t1"}' http://127.0.0.1:5051/containers | grep -i '^www-authenticate: basic')
[ "$code" = 401 ] && [ -n "$hdr" ]
ok $? "with read-write auth, a POST without credentials: 401 with WWW-Authenticate"
[ "$(sb_host curl -s -o /dev/null -w '%{http_code}' -u ops:wrong -X POST -d '{"container_id":"t1"}' http://127.0.0.1:5051/containers)" = 401 ]
ok $? "wrong credentials: 401"
[ "$(sb_host curl -s -o /dev/null -w '%{http_code}' -u ops:s3cret -X POST -d '{"container_id":"t1"}' http://127.0.0.1:5051/containers)" = 201 ]
ok $? "right credentials: 201"
[ "$(sb_host curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5051/metrics)" = 401 ] &&
	[ "$(sb_host curl -s -o /dev/null -w '%{http_code}' -u ops:s3cret http://127.0.0.1:5051/metrics)" = 200 ] &&
	[ "$(sb_host curl -s -o /dev/null -w '%{http_code}' http://127.0.0.1:5051/health)" = 200 ]
ok $? "read-only auth: /metrics needs credentials, /health does not"
t_done
