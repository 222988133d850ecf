#!/usr/bin/env bash
# The README's demo: installs the dependencies, builds, starts netisold in a
# throw-away sandbox (a "world" and a "host" namespace), shows its state and
# removes everything again.
set -euo pipefail
top=$(cd "$(dirname "$0")/.." && pwd)
"$top/scripts/deps.sh"
"$top/scripts/build.sh"
top_builddir=$top/build
. "$top/scripts/sandbox.sh"
trap sandbox_down EXIT
sandbox_up
echo "== sandbox: world ${SB}w ($SB_WORLD_IP) <-> host ${SB}h ($SB_HOST_IP, eth0)"
agent_start --resources='ports:[31000-32000];ephemeral_ports:[32768-57344]' \
	--ephemeral_ports_per_container=1024
echo "== netisold (pid $SB_AGENT_PID) in ${SB}h; its log:"
sed 's/^/   /' "$SB_DIR/agent.log"
echo "== GET /health:"
sb_host curl -s http://127.0.0.1:5051/health; echo
agent_stop
echo "== stopped; the sandbox is removed on exit"
