#!/usr/bin/env bash
# Benchmark (not a test): GET /monitor/statistics.json latency with 1, 64
# and 512 containers (median of 20), next to the same collection done the
# Mesos way, one forked helper per container entering its namespace and
# running ip/tc, measured in the same run. Prints a table; writes
# build/bench_stats.json. Needs root; uses a throw-away sandbox.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
top_builddir=$top/build
. "$top/scripts/sandbox.sh"
trap sandbox_down EXIT
sandbox_up
agent_start --resources='ports:[31000-32000];ephemeral_ports:[32768-57343]' \
	--ephemeral_ports_per_container=16 --egress_rate_limit_per_container=100MB \
	>/dev/null || { cat "$SB_DIR/agent.log"; exit 1; }

median() { sort -n | awk '{ v[NR] = $1 } END { print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
ours() {
	for _ in $(seq 20); do
		sb_host curl -s -o /dev/null -w '%{time_total}\n' http://127.0.0.1:5051/monitor/statistics.json
	done | median
}
# Mesos' shape: a helper process per container per scrape.
forked_once() {
	local t0 t1
	t0=$(date +%s.%N)
	for h in "$SB_DIR"/run/netns/*; do
		nsenter --net="$h" sh -c 'ip -s -j link show dev eth0; tc -s -j qdisc show dev eth0' >/dev/null
	done
	t1=$(date +%s.%N)
	awk -v a="$t0" -v b="$t1" 'BEGIN { printf "%.6f\n", b - a }'
}
forked() { for _ in $(seq "${1:-20}"); do forked_once; done | median; }

n=0
rows=()
printf '%-11s %16s %20s %8s\n' containers "netisol ms" "forked helper ms" ratio
for target in 1 64 512; do
	while [ $n -lt $target ]; do
		n=$((n + 1))
		api POST /containers "{\"container_id\":\"bench.$n\"}"
		[ "$API_STATUS" = 201 ] || { echo "create $n: $API_STATUS $API_BODY"; exit 1; }
	done
	a=$(ours)
	b=$(forked $([ $target -ge 512 ] && echo 5 || echo 20))
	r=$(awk -v a="$a" -v b="$b" 'BEGIN { printf "%.1f", b / a }')
	printf '%-11s %16.2f %20.2f %7sx\n' "$n" "$(awk -v a="$a" 'BEGIN{print a*1000}')" \
		"$(awk -v b="$b" 'BEGIN{print b*1000}')" "$r"
	rows+=("{\"containers\":$n,\"netisol_ms\":$(awk -v a="$a" 'BEGIN{print a*1000}'),\"forked_ms\":$(awk -v b="$b" 'BEGIN{print b*1000}')}")
done
(IFS=,; echo "[${rows[*]}]") | jq . >"$top/build/bench_stats.json"
echo "written: $top/build/bench_stats.json"
