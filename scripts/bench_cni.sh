#!/usr/bin/env bash
# Benchmark (not a test): CNI ADD and DEL latency, median and p99 of N
# attachments each, in one run, running the plugins directly as a runtime
# does (CNI_* variables, the config on stdin, a chain's prevResult passed
# on), each attachment in a fresh namespace made beforehand (not timed):
#  - netisol: netisol-cni primary (mode port_mapping) against the agent;
#  - bridge: the reference bridge + host-local alone (the baseline);
#  - bridge+bandwidth: the reference chain with the bandwidth plugin;
#  - bridge+netisol: bridge, then netisol-cni chained.
# A chained step's cost is its plugin's own ADD time. Each plugin is run
# and timed by tests/bench/cni_exec as a runtime runs it (spawned, config on
# a pipe, stdout read, waited for), so the shell's own fork is not counted;
# the header says what starting /bin/true that way costs, in every row.
# Prints a Markdown table (and writes it to $BENCH_OUT if set).
# Usage: scripts/bench_cni.sh [N]   (root; a throw-away sandbox; needs
# containernetworking-plugins in /usr/lib/cni)
set -uo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
N=${1:-50}
top_builddir=${top_builddir:-$top/build}
. "$top/scripts/sandbox.sh"
trap sandbox_down EXIT
sandbox_up
REF=${CNI_REF_DIR:-/usr/lib/cni}
[ -x "$REF/bridge" ] || { echo "no reference plugins in $REF" >&2; exit 1; }
mkdir -p "$SB_DIR/bin" "$SB_DIR/ipam"
ln -sf "$(cd "$top_builddir" && pwd)/netisol-cni" "$SB_DIR/bin/netisol-cni"
agent_start --resources='ports:[31000-31099];ephemeral_ports:[32768-57343]' \
	--ephemeral_ports_per_container=256 >/dev/null || { tail "$SB_DIR/agent.log"; exit 1; }
SOCK=$SB_DIR/run/api.sock

bridge='{"type":"bridge","bridge":"nisbr0","isGateway":true,"ipMasq":false,
 "ipam":{"type":"host-local","subnet":"198.19.0.0/16","dataDir":"'"$SB_DIR"'/ipam"}}'
bw='{"type":"bandwidth","ingressRate":80000000,"ingressBurst":800000,"egressRate":80000000,"egressBurst":800000}'
nis() { echo '{"type":"netisol-cni","socket":"'"$SOCK"'","mode":"'"$1"'","egressRate":80000000,"egressBurst":800000,"ingressRate":80000000,"ingressBurst":800000}'; }
chain() { local p; p=$(printf '%s,' "$@"); echo "{\"cniVersion\":\"1.0.0\",\"name\":\"bench\",\"plugins\":[${p%,}]}"; }

# run CMD CHAIN ID NETNS: the chain's plugins in order (DEL: in reverse),
# each with its entry (name and cniVersion added) and the previous result;
# adds the plugins' own time as cni_exec took it (not jq's nor nsenter's:
# the agent's namespace is entered once, by the shell that runs the loop)
# to $SPENT (us), and the last ADD step's alone to $LAST.
run() {
	local cmd=$1 conf=$2 id=$3 ns=$4 n i idx prev='' out entry type bin
	n=$(jq '.plugins | length' <<<"$conf")
	for ((i = 0; i < n; i++)); do
		[ "$cmd" = DEL ] && idx=$((n - 1 - i)) || idx=$i
		entry=$(jq -c --argjson i "$idx" --argjson prev "${prev:-null}" \
			'.plugins[$i] + {name: .name, cniVersion: .cniVersion} +
			 (if $prev then {prevResult: $prev} else {} end)' <<<"$conf")
		type=$(jq -r .type <<<"$entry")
		bin=$REF/$type
		[ -x "$SB_DIR/bin/$type" ] && bin=$SB_DIR/bin/$type
		rm -f "$SB_DIR/t"
		out=$(CNI_COMMAND=$cmd CNI_CONTAINERID=$id CNI_NETNS=$ns CNI_IFNAME=eth0 \
			CNI_PATH="$SB_DIR/bin:$REF" "$EXEC" "$SB_DIR/t" "$bin" <<<"$entry") || {
			echo "$type $cmd failed: $out" >&2; return 1; }
		LAST=$(cat "$SB_DIR/t")
		SPENT=$((SPENT + LAST))
		if [ "$cmd" = ADD ]; then prev=$out; fi
	done
	return 0
}

p50_p99() { sort -g | awk '{ v[NR] = $1 } END { if (!NR) { print "- -"; exit }
	printf "%.1f %.1f\n", v[int((NR + 1) / 2)], v[int(NR * 0.99 + 0.999)] }'; }

# measure NAME CHAIN: N ADDs then N DELs; "add_p50 add_p99 del_p50 del_p99
# step_p50 step_p99", the step being the chain's last plugin's ADD.
measure() {
	local name=$1 conf=$2 i ok=1
	: >"$SB_DIR/add"; : >"$SB_DIR/del"; : >"$SB_DIR/step"
	for ((i = 0; i < N; i++)); do ip netns add "${SB}c$i"; done
	for ((i = 0; i < N; i++)); do
		SPENT=0
		run ADD "$conf" "$name$i" "/run/netns/${SB}c$i" || { ok=0; break; }
		echo "$SPENT" >>"$SB_DIR/add"
		echo "$LAST" >>"$SB_DIR/step"
	done
	for ((i = 0; i < N; i++)); do
		SPENT=0
		run DEL "$conf" "$name$i" "/run/netns/${SB}c$i" || ok=0
		echo "$SPENT" >>"$SB_DIR/del"
	done
	for ((i = 0; i < N; i++)); do ip netns del "${SB}c$i"; done
	sleep 3		# the kernel frees namespaces in the background: not in the next row
	[ $ok = 1 ] || { echo "- - - - - -"; return; }
	echo "$(awk '{ print $1 / 1000 }' "$SB_DIR/add" | p50_p99) $(awk '{ print $1 / 1000 }' "$SB_DIR/del" | p50_p99)" \
		"$(awk '{ print $1 / 1000 }' "$SB_DIR/step" | p50_p99)"
}

# The plugins run where a runtime runs them, in the agent's namespace,
# entered once per measurement (so nsenter is not timed).
EXEC=$(cd "$top_builddir" && pwd)/tests/bench/cni_exec
[ -x "$EXEC" ] || { echo "build $EXEC first (make tests/bench/cni_exec)" >&2; exit 1; }
export N SB SB_DIR REF EXEC
in_host() {
	nsenter --net="/run/netns/${SB}h" bash -c "$(declare -f run measure p50_p99); measure \"\$@\"" _ "$@"
}
declare -A R
for ((i = 0; i < N; i++)); do "$EXEC" "$SB_DIR/spawn" /bin/true </dev/null; done
SPAWN=$(awk '{ print $1 / 1000 }' "$SB_DIR/spawn" | p50_p99 | cut -d' ' -f1)
R[netisol]=$(in_host nis "$(chain "$(nis port_mapping)")")
R[bridge]=$(in_host br "$(chain "$bridge")")
R[bridge+bandwidth]=$(in_host bw "$(chain "$bridge" "$bw")")
R[bridge+netisol]=$(in_host bn "$(chain "$bridge" "$(nis chained)")")
{
	echo "CNI ADD/DEL latency, ms, $N attachments each (p50 / p99), one run;"
	echo "each plugin spawned and timed as a runtime does (tests/bench/cni_exec); spawning"
	echo "/bin/true that way costs $SPAWN ms here (p50), in every row:"
	echo
	echo "| chain | ADD p50 | ADD p99 | DEL p50 | DEL p99 |"
	echo "|---|---|---|---|---|"
	for k in netisol bridge bridge+bandwidth bridge+netisol; do
		read -r a b c d _ <<<"${R[$k]}"
		echo "| $k | $a | $b | $c | $d |"
	done
	# The chained step: the second plugin's own ADD, timed alone (a chain's
	# total minus bridge's measured apart would carry bridge's run-to-run
	# noise, several ms here).
	read -r _ _ _ _ s1 p1 <<<"${R[bridge+bandwidth]}"; read -r _ _ _ _ s2 p2 <<<"${R[bridge+netisol]}"
	awk -v s1="$s1" -v s2="$s2" -v p1="$p1" -v p2="$p2" 'BEGIN { if (s2 == "-") print "\nbridge+netisol: chained mode not available";
		else printf "\nADD of the chained step alone, p50 (p99): bandwidth %.1f (%.1f) ms, netisol %.1f (%.1f) ms; ratio %.2f\n", s1, p1, s2, p2, s2 / s1 }'
} | tee ${BENCH_OUT:+"$BENCH_OUT"}
