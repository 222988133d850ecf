#!/usr/bin/env bash
# valgrind memcheck over N create/scrape/metrics/patch/scrape/destroy
# iterations of the agent in a throw-away sandbox (default N=50). Prints
# valgrind's leak summary and fails on definitely lost bytes or errors.
# Usage: scripts/valgrind_loop.sh [N]   (root; needs valgrind)
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-50}
top_builddir=$top/build
. "$top/scripts/sandbox.sh"
trap sandbox_down EXIT
sandbox_up
vg="$SB_DIR/valgrind.log"
cat >"$SB_DIR/vg-netisold" <<VG
#!/bin/sh
exec valgrind --leak-check=full --show-leak-kinds=definite,indirect \
	--errors-for-leak-kinds=definite --error-exitcode=99 --track-fds=yes \
	--log-file=$vg "$top/build/netisold" "\$@"
VG
chmod +x "$SB_DIR/vg-netisold"
NETISOLD=$SB_DIR/vg-netisold agent_start --network_enable_snmp_statistics \
	--network_enable_socket_statistics_summary --network_enable_socket_statistics_details
bad=0
for i in $(seq "$N"); do
	p=$((31000 + (i % 8) * 16)) q=$((31500 + (i % 7) * 64))
	api POST /containers "{\"container_id\":\"vg.$i\",\"ports\":\"[$p-$((p + 9))]\",\"egress_rate_limit\":\"10MB\",\"executor_id\":\"e\\\\\\\"x\",\"framework_id\":\"f$i\"}"
	[ "$API_STATUS" = 201 ] || { bad=$((bad + 1)); echo "POST $i: $API_STATUS $API_BODY"; }
	api GET /monitor/statistics.json; [ "$API_STATUS" = 200 ] || { bad=$((bad + 1)); echo "$i: $API_STATUS $API_BODY"; }
	api GET /metrics; [ "$API_STATUS" = 200 ] || { bad=$((bad + 1)); echo "$i: $API_STATUS $API_BODY"; }
	api PATCH "/containers/vg.$i" "{\"ports\":\"[$q-$((q + 63))]\",\"egress_rate_limit\":\"2MB\",\"ingress_rate_limit\":\"3MB\"}"
	[ "$API_STATUS" = 200 ] || { bad=$((bad + 1)); echo "$i: $API_STATUS $API_BODY"; }
	api GET /monitor/statistics.json; [ "$API_STATUS" = 200 ] || { bad=$((bad + 1)); echo "$i: $API_STATUS $API_BODY"; }
	api DELETE "/containers/vg.$i"; [ "$API_STATUS" = 204 ] || bad=$((bad + 1))
done
rc=0
agent_stop || rc=$?
grep -E "in use at exit|All heap blocks|definitely lost|indirectly lost|ERROR SUMMARY|FILE DESCRIPTORS" "$vg"
echo "iterations: $N, failed requests: $bad, agent exit: $rc"
[ $bad = 0 ] && [ $rc = 0 ]
