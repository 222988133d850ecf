#!/usr/bin/env bash
# The fast path: world -> container TCP/UDP is handed to the container's
# eth0 past the host veth (bpf_redirect_peer), counted where the statistics
# read it; containers with an ingress limit stay on the veth (its HTB); it
# survives a restart, follows PATCH and DELETE, and recovery clears the
# entries of containers that are gone.
. "$(dirname "$0")/lib.sh"

W=$SB_WORLD_IP H=$SB_HOST_IP
agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
if ! sb_host tc filter show dev eth0 ingress | grep -q netisol_fast; then
	grep -q 'no fast path' "$SB_DIR/agent.log"
	ok $? "no fast path in this kernel, and the log says so"
	t_done
	exit
fi
ok 0 "the fast path's filter is on eth0's ingress"

veth() { ctl list --json | jq -r ".[] | select(.container_id==\"$1\") | .host_veth"; }
hostx() { sb_host ip -s -j link show dev "$1" | jq ".[0].stats64.tx.packets"; }
ctrx() { in_ct "$1" ip -s -j link show dev eth0 | jq ".[0].stats64.rx.packets"; }
# udp ID PORT N: N datagrams from the world to ID's PORT; how many arrived.
udp() {
	rm -f "$SB_DIR/u.out"
	sb_bg in_ct "$1" timeout 20 socat -u UDP4-RECV:"$2" OPEN:"$SB_DIR/u.out",creat,append
	sleep 0.3
	sb_world bash -c "for i in \$(seq $3); do echo d; done | socat -u -b 2 - UDP4-SENDTO:$H:$2"
	sleep 0.5
	grep -c d "$SB_DIR/u.out" 2>/dev/null || echo 0
}
# path ID PORT: "fast" if 200 datagrams to ID arrived past its host veth,
# "veth" if through it.
path() {
	local v tx0 rx0 got
	v=$(veth "$1") tx0=$(hostx "$v") rx0=$(ctrx "$1")
	got=$(udp "$1" "$2" 200)
	local dtx=$(($(hostx "$v") - tx0)) drx=$(($(ctrx "$1") - rx0))
	diag "$1: $got of 200 arrived; host veth tx +$dtx, container eth0 rx +$drx" >&2
	[ "$got" -ge 190 ] || { echo lost; return; }
	[ "$drx" -ge 190 ] || { echo uncounted; return; }
	if [ "$dtx" -lt 20 ]; then echo fast; elif [ "$dtx" -ge 190 ]; then echo veth; else echo mixed; fi
}
say() { timeout 5 socat -T 3 - "$1" <<<"ping" 2>/dev/null; }

ctl create f1 --ports '[31000-31000]' >/dev/null && ctl create f2 --ports '[31001-31001]' \
	--ingress-rate 50MB >/dev/null
ok $? "f1 without, f2 with an ingress limit"
[ "$(path f1 31000)" = fast ]; ok $? "world -> f1 UDP takes the fast path, counted on f1's eth0"
[ "$(path f2 31001)" = veth ]; ok $? "world -> f2 (ingress limit) takes the host veth and its HTB"
sb_bg in_ct f1 socat TCP4-LISTEN:31000,fork,reuseaddr EXEC:cat
sleep 0.3
[ "$(sb_world bash -c "$(declare -f say); say TCP4:$H:31000")" = ping ]
ok $? "world -> f1 TCP over the fast path"
e=$(ctl list --json | jq -r '.[] | select(.container_id=="f1") | .ephemeral_ports.begin')
[ "$(path f1 $((e + 3)))" = fast ]; ok $? "and to a port of f1's ephemeral block ($((e + 3)))"

s=$(curl -s --unix-socket "$SB_DIR/run/api.sock" http://x/monitor/statistics.json |
	jq ".[] | select(.executor_id==\"f1\") | .statistics.net_rx_packets")
[ -n "$s" ] && [ "$s" -ge 400 ]
ok $? "statistics.json counts what came over the fast path (net_rx_packets $s)"

ctl update f1 --ingress-rate 20MB >/dev/null
[ "$(path f1 31000)" = veth ]; ok $? "PATCH with an ingress limit moves f1 to the host veth"

ctl update f2 --ports '[31002-31002]' >/dev/null
[ "$(path f2 31002)" = veth ]; ok $? "f2 keeps the veth path on its new port"

ctl create f3 --ports '[31003-31004]' >/dev/null
ctl update f3 --ports '[31004-31005]' >/dev/null
[ "$(path f3 31004)" = fast ] && [ "$(path f3 31005)" = fast ]
ok $? "PATCH of ports: a kept port and a new one stay on the fast path"

agent_stop && agent_start
ok $? "SIGTERM, restart"
! grep -q 'no fast path' "$SB_DIR/agent.log" && [ "$(path f3 31004)" = fast ]
ok $? "after a restart the fast path is taken over and still delivers"

v=$(veth f3)
agent_stop
sb_host ip link del "$v"
agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
start=$(date +%s%N)
out=$(sb_world socat -T 3 - TCP4:$H:31004,connect-timeout=3 </dev/null 2>&1)
ms=$((($(date +%s%N) - start) / 1000000))
grep -qi refused <<<"$out" && [ $ms -lt 2500 ]
ok $? "a container gone while the agent was down leaves no fast entry (refused in $ms ms)"

ctl destroy f1 >/dev/null && ctl create f4 --ports '[31000-31000]' >/dev/null
[ "$(path f4 31000)" = fast ]; ok $? "DELETE, and the port's next owner gets it over the fast path"

t_done
