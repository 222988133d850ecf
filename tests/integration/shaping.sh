#!/usr/bin/env bash
# HTB limits through real traffic: egress (the container's eth0), ingress
# (the host veth), and a live PATCH. Goodput is TCP payload; the limit
# counts frames, so ~0.95 of the limit is the expected figure.
. "$(dirname "$0")/lib.sh"

W=$SB_WORLD_IP H=$SB_HOST_IP
MB=1048576
agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
ctl create s1 --ports '[31000-31000]' --egress-rate 5MB --ingress-rate 5MB >/dev/null
ok $? "create s1 with egress and ingress limits of 5MB"

# goodput CLIENT-RUNNER SERVER-RUNNER HOST PORT: bytes/s received by the server.
goodput() {
	local client=$1 server=$2 host=$3 port=$4
	sb_bg $server iperf3 -s -1 -p "$port" >/dev/null 2>&1
	sleep 0.4
	$client iperf3 -c "$host" -p "$port" -t 4 -O 1 -J 2>/dev/null |
		jq '.end.sum_received.bits_per_second / 8'
}
within() {	# within VALUE LIMIT: VALUE/LIMIT in [0.90, 1.02]
	awk -v v="$1" -v l="$2" 'BEGIN { r = v / l; printf "%.3f", r; exit !(r >= 0.90 && r <= 1.02) }'
}
c_s1() { in_ct s1 "$@"; }

g=$(goodput c_s1 sb_world "$W" 5201)
r=$(within "$g" $((5 * MB))); ok $? "egress: goodput/limit = $r at 5MB"
g=$(goodput sb_world c_s1 "$H" 31000)
r=$(within "$g" $((5 * MB))); ok $? "ingress: goodput/limit = $r at 5MB"

ctl update s1 --egress-rate 2MB --ingress-rate 3MB >/dev/null
ok $? "PATCH the limits live to 2MB out, 3MB in"
g=$(goodput c_s1 sb_world "$W" 5202)
r=$(within "$g" $((2 * MB))); ok $? "egress after PATCH: goodput/limit = $r at 2MB"
g=$(goodput sb_world c_s1 "$H" 31000)
r=$(within "$g" $((3 * MB))); ok $? "ingress after PATCH: goodput/limit = $r at 3MB"

v=$(ctl list --json | jq -r '.[0].host_veth')
sb_host tc class show dev "$v" | grep -q 'rate 25165Kbit'
ok $? "the host veth's HTB class carries the new ingress rate"
in_ct s1 tc class show dev eth0 | grep -q 'rate 16777Kbit'
ok $? "the container's HTB class carries the new egress rate"
t_done
