#!/usr/bin/env bash
# The README's demo: installs the dependencies, builds, starts netisold in a
# throw-away sandbox (a "world" and a "host" namespace), launches three
# containers that share the host's IP, runs iperf3 between them and the
# world (one container rate-limited), prints what each got, and removes
# everything again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
"$top/scripts/build.sh"
top_builddir=$top/build
. "$top/scripts/sandbox.sh"
trap sandbox_down EXIT
sandbox_up
W=$SB_WORLD_IP H=$SB_HOST_IP
echo "== sandbox: world ${SB}w ($W) <-> host ${SB}h ($H, eth0)"
agent_start --resources='ports:[31000-32000];ephemeral_ports:[32768-57344]' \
	--ephemeral_ports_per_container=1024 || { cat "$SB_DIR/agent.log"; exit 1; }
echo "== netisold (pid $SB_AGENT_PID) in ${SB}h"
ctl create web --ports '[31000-31009]'
ctl create batch
ctl create slow --egress-rate 2MB
echo "== netisolctl list"
ctl list

mbit() { jq -r '.end.sum_received.bits_per_second / 1e6 | . * 10 | round / 10'; }
sb_bg sb_world iperf3 -s -p 5201 >/dev/null 2>&1
sleep 0.5
echo "== each container sends to the world for 3 s (iperf3, TCP)"
for c in web batch slow; do
	printf '   %-6s -> world: %s Mbit/s\n' "$c" \
		"$(in_ct "$c" iperf3 -c "$W" -p 5201 -t 3 -J | mbit)"
done
echo "== the world reaches 'web' on its port 31000 at the host's IP $H"
sb_bg in_ct web iperf3 -s -p 31000 >/dev/null 2>&1
sleep 0.5
printf '   world -> web:   %s Mbit/s\n' "$(sb_world iperf3 -c "$H" -p 31000 -t 3 -J | mbit)"
echo "== 'batch' reaches 'web' through the host IP: $(in_ct batch iperf3 -c "$H" -p 31000 -t 1 -J | mbit) Mbit/s"
for c in web batch slow; do ctl destroy "$c"; done
agent_stop
echo "== stopped; the sandbox is removed on exit"
