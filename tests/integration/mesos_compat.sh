#!/usr/bin/env bash
# statistics.json as Mesos' own protobufs read it: every entry's
# "statistics" strictly parsed into mesos.ResourceStatistics (the messages
# in tests/compat/mesos_statistics.proto, compiled by protoc), with every
# optional flag on, under traffic, with sockets and without; the new fields
# against the configured limits; ?jsonp=; the per-cpu rates; Mesos' flag rules.
. "$(dirname "$0")/lib.sh"

PY=/usr/bin/python3	# Debian's, with python3-protobuf
if ! command -v protoc >/dev/null || ! $PY -c 'import google.protobuf' 2>/dev/null; then
	echo "1..0 # SKIP protobuf-compiler and python3-protobuf are needed"
	exit 0
fi
PB=$SB_DIR/pb		# sandbox_down removes it
mkdir -p "$PB"
protoc --python_out="$PB" -I"$top_srcdir/tests/compat" \
	"$top_srcdir/tests/compat/mesos_statistics.proto"
ok $? "protoc compiles the Mesos messages"

W=$SB_WORLD_IP H=$SB_HOST_IP MiB=1048576
FLAGS=(--network_enable_socket_statistics_summary --network_enable_socket_statistics_details
       --network_enable_snmp_statistics --network_enable_rate_statistics
       --network_rate_statistics_window=3secs --network_rate_statistics_interval=100ms
       --egress_rate_limit_per_container=4MB --egress_ceil_limit=8MB --egress_burst=256KB
       --ingress_rate_limit_per_container=6MB --ingress_ceil_limit=12MB --ingress_burst=512KB)
agent_start "${FLAGS[@]}" || { cat "$SB_DIR/agent.log"; exit 1; }
ctl create c1 --ports '[31000-31000]' >/dev/null && ctl create c2 >/dev/null
ok $? "two containers, every optional statistics flag on"
stats() { sb_host curl -s "http://127.0.0.1:5051/monitor/statistics.json$1"; }
strict() {	# strict DESCRIPTION: parses the current answer, reports each entry
	local out rc
	out=$(stats | $PY "$top_srcdir/tests/compat/mesos_parse.py" "$PB" 2>&1); rc=$?
	[ $rc = 0 ] || diag "$out"
	ok $rc "$1: $(tr '\n' ' ' <<<"$out")"
}
st() { stats | jq -r ".[] | select(.container_id==\"$1\") | .statistics | $2"; }

strict "idle, no sockets: Mesos' parser takes every entry"
[ "$(st c1 'has("net_tcp_rtt_microsecs_p50")')" = false ]
ok $? "no socket with an RTT: the percentiles are left out"

# A long upload out of c1 (capped at 4 MB/s with a ceil of 8), one into it.
sb_bg sb_world socat -u TCP4-LISTEN:5201,reuseaddr,fork OPEN:/dev/null
sb_bg in_ct c1 socat -u TCP4-LISTEN:31000,reuseaddr,fork OPEN:/dev/null
sleep 0.3
sb_bg in_ct c1 bash -c "head -c $((40 * MiB)) /dev/zero | socat -u - TCP4:$W:5201"
sb_bg sb_world bash -c "head -c $((30 * MiB)) /dev/zero | socat -u - TCP4:$H:31000"
sleep 2
strict "under traffic, with sockets"
raw=$(stats)
grep -Eq '"net_tcp_active_connections": ?[0-9]+\.[0-9]' <<<"$raw" &&
	grep -Eq '"net_tcp_rtt_microsecs_p99": ?[0-9]+\.[0-9]' <<<"$raw"
ok $? "socket counts and RTTs print as doubles (1.0), as Mesos prints them"
[ "$(st c1 '.net_tcp_rtt_microsecs_p50 > 0')" = true ]
ok $? "RTT p50 of c1's sockets: $(st c1 .net_tcp_rtt_microsecs_p50) us"
got=$(st c1 '[.net_tx_rate_limit, .net_tx_burst_rate_limit, .net_tx_burst_size,
	.net_rx_rate_limit, .net_rx_burst_rate_limit, .net_rx_burst_size] | join(" ")')
[ "$got" = "4194304 8388608 262144 6291456 12582912 524288" ]
ok $? "limits as configured: tx rate/ceil/burst, rx rate/ceil/burst = $got"
eph=$(api GET /containers/c1 >/dev/null; jq -c '.ephemeral_ports' <<<"$API_BODY")
[ "$(st c1 '.net_ephemeral_ports | tojson')" = "$eph" ]
ok $? "net_ephemeral_ports = the record's block $eph (end inclusive, as Mesos)"
[ "$(st c1 '.net_snmp_statistics.icmp_stats | has("OutRateLimitGlobal")')" = false ] &&
	[ "$(st c1 '.net_snmp_statistics.ip_stats | has("OutTransmits")')" = false ] &&
	[ "$(st c1 '.net_snmp_statistics.tcp_stats.ActiveOpens > 0')" = true ]
ok $? "SNMP: Mesos' fields only (no OutRateLimitGlobal, OutTransmits), the kernel's values"
r=$(st c1 .net_rate_statistics)
tx50=$(jq .tx_rate.p50 <<<"$r") n=$(jq .tx_rate.samples <<<"$r")
[ "$(jq '.sampling_window_secs == 3 and .sampling_interval_secs == 0.1' <<<"$r")" = true ] &&
	[ "$n" -ge 5 ] && [ "$tx50" -gt $((2 * MiB)) ] && [ "$tx50" -le $((9 * MiB)) ]
ok $? "net_rate_statistics: tx p50 $tx50 B/s of $n samples (cap 4 MB/s, ceil 8), window 3 s, interval 0.1 s"
rx50=$(jq .rx_rate.p50 <<<"$r")
[ "$rx50" -gt $((2 * MiB)) ] && [ "$rx50" -le $((13 * MiB)) ]
ok $? "net_rate_statistics: rx p50 $rx50 B/s (cap 6 MB/s, ceil 12)"
[ "$(st c2 '.net_rate_statistics.tx_rate.max // 0')" -lt 100000 ]
ok $? "the idle neighbour's rates stay near zero"
[ "$(st c1 '.net_traffic_control_statistics | map(.id) | sort | join(",")')" = \
  "bloat_reduction,bw_limit,ingress_bloat_reduction,ingress_bw_limit" ]
ok $? "the four qdiscs' entries"

# ?jsonp=, as Mesos; never on a request that carries credentials.
body=$(stats '?jsonp=cb.x'); ctype=$(sb_host curl -s -o /dev/null -w '%{content_type}' \
	"http://127.0.0.1:5051/monitor/statistics.json?jsonp=cb")
[[ $body == 'cb.x(['*']);' && $ctype == text/javascript* ]]
ok $? "?jsonp=cb.x wraps the answer: cb.x([...]); as text/javascript"
code=$(sb_host curl -s -o /dev/null -w '%{http_code}' \
	"http://127.0.0.1:5051/monitor/statistics.json?jsonp=alert(1)")
[ "$code" = 400 ]
ok $? "a callback that is not a name: 400"
code=$(sb_host curl -s -o /dev/null -w '%{http_code}' -u a:b \
	"http://127.0.0.1:5051/monitor/statistics.json?jsonp=cb")
[ "$code" = 403 ]
ok $? "jsonp with credentials: 403 (a cached login must not leak to a script tag)"
agent_stop

# Mesos' per-cpu rates: floor(cpus) x rate, auto = link speed / the agent's cpus.
agent_start --resources='cpus:4;ports:[31000-32000];ephemeral_ports:[32768-57344]' \
	--egress_rate_per_cpu=1MB --ingress_rate_per_cpu=auto --network_link_speed=100MB \
	|| { cat "$SB_DIR/agent.log"; exit 1; }
grep -q "Using 26214400B per CPU ingress rate limit" "$SB_DIR/agent.log"
ok $? "auto: 100MB / 4 cpus = 25MB per cpu, said at start"
api POST /containers '{"container_id":"p1","cpus":2.5}'
[ "$API_STATUS" = 201 ] && [ "$(jq -c '[.egress_rate_limit, .ingress_rate_limit, .cpus]' <<<"$API_BODY")" = "[2097152,52428800,2.5]" ]
ok $? "cpus 2.5: egress 2 x 1MB, ingress 2 x 25MB ($API_BODY)"
api PATCH /containers/p1 '{"cpus":1}'
[ "$API_STATUS" = 200 ] && [ "$(jq -c '[.egress_rate_limit, .ingress_rate_limit]' <<<"$API_BODY")" = "[1048576,26214400]" ]
ok $? "PATCH cpus 1: the rates follow (1MB, 25MB)"
ct=$(sb_host tc class show dev "$(jq -r .host_veth <<<"$API_BODY")" | grep -o 'rate [0-9]*[KMG]*bit' | head -1)
[ "$ct" = "rate 209715Kbit" ]
ok $? "the host veth's HTB has the new ingress rate ($ct)"
api POST /containers '{"container_id":"p2"}'
[ "$(jq -c '[.egress_rate_limit, .ingress_rate_limit]' <<<"$API_BODY")" = "[125000,125000]" ]
ok $? "no cpus: Mesos' least rate, 125000 B/s each way"
api POST /containers '{"container_id":"p3","cpus":-1}'
[ "$API_STATUS" = 400 ] && api GET /containers/p3 && [ "$API_STATUS" = 404 ]
ok $? "cpus -1: 400, nothing made"
[ "$(stats | jq '[.[].statistics | has("net_traffic_control_statistics")] | any')" = true ]
ok $? "limits set: net_traffic_control_statistics present"
agent_stop

# Mesos' rules for the new flags: refused at start, nothing changed.
refused() {	# refused MESSAGE FLAGS...
	local msg=$1; shift
	sb_host "$top_builddir/netisold" --isolation=network/port_mapping \
		--work_dir="$SB_DIR/refused" --runtime_dir="$SB_DIR/refused-run" "$@" \
		>"$SB_DIR/refused.out" 2>&1
	local rc=$?
	[ $rc = 1 ] && grep -q -- "$msg" "$SB_DIR/refused.out"
	ok $? "refused ($rc): $* -> $(tail -1 "$SB_DIR/refused.out")"
}
refused "Window size and sampling interval" --network_enable_rate_statistics
refused "bigger than the sampling interval" --network_enable_rate_statistics \
	--network_rate_statistics_window=1secs --network_rate_statistics_interval=1secs
refused "smaller than 20ms" --network_enable_rate_statistics \
	--network_rate_statistics_window=1secs --network_rate_statistics_interval=10ms
refused "Cannot specify both egress" --egress_rate_limit_per_container=1MB --egress_rate_per_cpu=1MB
refused "Cannot specify both ingress" --ingress_rate_limit_per_container=1MB --ingress_rate_per_cpu=1MB
refused "CPUs resource has to be specified" --egress_rate_per_cpu=auto
refused "Bad option for 'ingress_rate_per_cpu'" --ingress_rate_per_cpu=fast
refused "minimum_ingress_rate_limit" --minimum_ingress_rate_limit=2MB --maximum_ingress_rate_limit=1MB
refused "greater than the host link speed" --egress_rate_limit_per_container=1000GB
[ ! -e "$SB_DIR/refused-run/api.sock" ]
ok $? "no refused start left a socket behind"
help=$("$top_builddir/netisold" --help)
! grep -q 'default:.*default:' <<<"$help" && grep -q -- '--network_rate_statistics_interval' <<<"$help"
ok $? "--help: one default a line, the new flags listed"
t_done
