#!/usr/bin/env bash
# A container in a network namespace its runtime made (POST "netns", as the
# CNI plugin does): the agent isolates it there, never removes the
# namespace, gives it back as it was on DELETE, sees the runtime remove or
# replace it, refuses what it must not take, and recovers it on restart.
. "$(dirname "$0")/lib.sh"

H=$SB_HOST_IP
agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
base=$(kernel_state)

X=${SB}c1 P=/run/netns/${SB}c1
# As runtimes make it: lo up (a lo that was once up keeps 127.0.0.1 and
# its noqueue qdisc; nothing could give a never-up lo back).
ext_ns() { ip netns add "$1" && ip -n "$1" link set lo up; }
# ext_state NS: what the runtime's namespace holds, but for our interface.
ext_state() {
	stat -L -c '%d %i' "/run/netns/$1"
	ip -n "$1" -o link show | sed 's/link\/ether [0-9a-f:]*//; s/link\/loopback [0-9a-f:]*//'
	ip -n "$1" -o addr show; ip -n "$1" route show; tc -n "$1" qdisc show
	ip netns exec "$1" sysctl -n net.ipv4.ip_local_port_range net.ipv4.conf.lo.route_localnet \
		net.ipv4.conf.lo.accept_local net.core.somaxconn
}
post() { api POST /containers "$1"; }
body() { echo "{\"container_id\":\"$1\",\"netns\":\"$2\"${3:+,$3}}"; }

ext_ns "$X"
ip netns exec "$X" sysctl -qw net.ipv4.ip_local_port_range="20000 20999" net.core.somaxconn=777
pre=$(ext_state "$X")
post "$(body x1 "$P" '"ifname":"net1","ports":"[31000-31000]","network":"n1","namespace":"ns1","pod":"p1","pod_uid":"u-1"')"
[ "$API_STATUS" = 201 ] && [ "$(jq -r '"\(.netns) \(.ifname) \(.external) \(.network) \(.namespace) \(.pod) \(.pod_uid)"' <<<"$API_BODY")" = "$P net1 true n1 ns1 p1 u-1" ] &&
	[ "$(jq -r .address <<<"$API_BODY")" = "$H/24" ] && [ -z "$(ls "$SB_DIR/run/netns")" ]
rec=$API_BODY
ok $? "adopt: 201, the record names the runtime's netns, net1, the labels and $H/24; no handle of ours"
ip -n "$X" -o addr show dev net1 | grep -q "inet $H/24" && ip -n "$X" route show default | grep -q 'dev net1' &&
	! ip -n "$X" link show eth0 >/dev/null 2>&1
ok $? "net1 has the host's address and the default route; there is no eth0"

sb_bg ip netns exec "$X" socat TCP4-LISTEN:31000,fork,reuseaddr EXEC:cat; sleep 0.3
[ "$(sb_world timeout 5 socat -T 3 - TCP4:$H:31000 <<<ping 2>/dev/null)" = ping ]
ok $? "world -> x1's port 31000 through the runtime's namespace"
sb_bg sb_world socat TCP4-LISTEN:8080,fork,reuseaddr EXEC:cat; sleep 0.3
[ "$(ip netns exec "$X" timeout 5 socat -T 3 - TCP4:$SB_WORLD_IP:8080 <<<pong 2>/dev/null)" = pong ]
ok $? "x1 -> world from its ephemeral block"
api GET /metrics
grep -q '^container_network_receive_bytes_total{container_id="x1",namespace="ns1",pod="p1",pod_uid="u-1",id="/netisol/x1",name="x1",interface="net1"} [1-9]' <<<"$API_BODY"
ok $? "/metrics: interface=\"net1\" and the pod's labels, with traffic"
ip netns exec "$X" sysctl -qw net.ipv4.ip_local_port_range="1024 65000"
for _ in $(seq 50); do
	[ "$(ip netns exec "$X" sysctl -n net.ipv4.ip_local_port_range)" = "$(jq -r '"\(.ephemeral_ports.begin)\t\(.ephemeral_ports.end)"' <<<"$rec")" ] && break
	sleep 0.1
done
[ "$(ip netns exec "$X" sysctl -n net.ipv4.ip_local_port_range)" = "$(jq -r '"\(.ephemeral_ports.begin)\t\(.ephemeral_ports.end)"' <<<"$rec")" ] &&
	grep -q "x1: its ip_local_port_range was changed to 1024-65000 in its namespace: put back" "$SB_DIR/agent.log"
ok $? "a runtime's sysctl after ADD (ip_local_port_range 1024 65000): put back to x1's block within 5 s, logged"
ctl list | grep -q '^x1 ' && ctl exec x1 -- ip -o link show net1 >/dev/null
ok $? "netisolctl list and exec find x1 in the runtime's namespace"

api DELETE /containers/x1
[ "$API_STATUS" = 204 ] && settle && [ "$(ext_state "$X")" = "$pre" ] && [ "$(kernel_state)" = "$base" ]
ok $? "DELETE: the namespace is as it was (inode, links, lo, qdiscs, port range, somaxconn)"
diff <(echo "$pre") <(ext_state "$X") | sed 's/^/# /'

post "$(body x1 "$P")"; a=$API_STATUS
api DELETE /containers/x1; b=$API_STATUS
post "$(body x1 "$P")"
[ "$a $b $API_STATUS" = "201 204 201" ]
ok $? "reload: POST, DELETE, POST in the same namespace (as podman network reload): $a $b $API_STATUS"
eph=$(jq -c .ephemeral_ports <<<"$API_BODY")

ip netns del "$X"
for _ in $(seq 50); do api GET /containers/x1; [ "$API_STATUS" = 404 ] && break; sleep 0.1; done
[ "$API_STATUS" = 404 ] && grep -q "x1: its network namespace $P was removed or replaced by its runtime" "$SB_DIR/agent.log" &&
	[ "$(kernel_state)" = "$base" ]
ok $? "the runtime removes the namespace: x1 destroyed within 5 s, nothing left on the host"
ext_ns "$X"; post "$(body x1 "$P")"
[ "$API_STATUS" = 201 ] && [ "$(jq -c .ephemeral_ports <<<"$API_BODY")" = "$eph" ]
ok $? "its block was given back: a new x1 gets $eph again"

ip netns del "$X"; ext_ns "$X"; fresh=$(ext_state "$X")
for _ in $(seq 50); do api GET /containers/x1; [ "$API_STATUS" = 404 ] && break; sleep 0.1; done
st=$API_STATUS; settle
[ "$st" = 404 ] && [ "$(ext_state "$X")" = "$fresh" ] && [ "$(kernel_state)" = "$base" ]
ok $? "replaced by a new namespace of the same path: x1 destroyed, the new one untouched"

post "$(body x1 "$P")"; umount -l "$P"
for _ in $(seq 50); do api GET /containers/x1; [ "$API_STATUS" = 404 ] && break; sleep 0.1; done
[ "$API_STATUS" = 404 ]
ok $? "unmounted with the file left: seen by its inode, x1 destroyed"
rm -f "$P"; ext_ns "$X"

refused() {	# refused STATUS CODE BODY DESCRIPTION
	local k e; k=$(kernel_state); e=$(ext_state "$X")
	post "$3"
	[ "$API_STATUS" = "$1" ] && [ "$(jq -r .code <<<"$API_BODY")" = "$2" ] &&
		[ "$(kernel_state)" = "$k" ] && [ "$(ext_state "$X")" = "$e" ]
	ok $? "$4: $API_STATUS $(jq -r .error <<<"$API_BODY" 2>/dev/null)"
}
touch "$SB_DIR/plain"
refused 400 invalid_request "$(body r1 /run/netns/${SB}nope)" "a missing netns"
refused 400 invalid_request "$(body r1 "$SB_DIR/plain")" "a regular file"
refused 400 invalid_request "$(body r1 "run/netns/$X")" "a relative path"
refused 400 invalid_request "$(body r1 /proc/self/ns/mnt)" "a mount namespace"
refused 400 invalid_request "$(body r1 /run/netns/${SB}h)" "the agent's own namespace"
refused 400 invalid_request "$(body r1 "$SB_DIR/run/netns/x")" "a path under the agent's handles"
for n in lo a/b eth0.1 abcdefghijklmnop '""'; do
	[ "$n" = '""' ] && q='"ifname":""' || q="\"ifname\":\"$n\""
	refused 400 invalid_request "$(body r1 "$P" "$q")" "ifname $n"
done
refused 400 invalid_request '{"container_id":"r1","netns":7}' "netns not a string"
post "$(body x2 "$P")"
refused 409 netns_in_use "$(body r1 "$P")" "a namespace x2 holds"
api DELETE /containers/x2
refused 400 invalid_request "$(body r1 /proc/1/ns/net)" "init's namespace"
tc -n "$X" qdisc add dev lo ingress
refused 409 netns_in_use "$(body r1 "$P")" "lo already has someone's ingress qdisc"
tc -n "$X" qdisc show dev lo | grep -q ingress
ok $? "...and that qdisc stays"
tc -n "$X" qdisc del dev lo ingress
ip -n "$X" link add net1 type veth peer name net1p
refused 409 interface_exists "$(body r1 "$P" '"ifname":"net1"')" "net1 is there already"
ip -n "$X" link show net1 >/dev/null
ok $? "...and that interface stays"
ip -n "$X" link del net1
api PATCH /containers/x2 '{"netns":"/run/netns/x"}'
[ "$API_STATUS" = 404 ] || [ "$API_STATUS" = 400 ]
ok $? "PATCH does not take netns ($API_STATUS)"

# Restart: the agent left it running (no --cleanup_on_exit).
pre=$(ext_state "$X")
post "$(body x3 "$P" '"ifname":"net1"')"
ino=$(stat -L -c %i "$P")
agent_stop; agent_start || exit 1
api GET /containers/x3
[ "$API_STATUS" = 200 ] && grep -q "container x3 recovered" "$SB_DIR/agent.log" &&
	stat -L -c %i /proc/$SB_AGENT_PID/fd/* 2>/dev/null | grep -qx "$ino"
ok $? "restart: x3 recovered, the agent holds its namespace (inode $ino) again"
[ "$(sb_world timeout 5 socat -T 3 - TCP4:$SB_WORLD_IP:8080 <<<pong 2>/dev/null)" = pong ] &&
	[ "$(ip netns exec "$X" timeout 5 socat -T 3 - TCP4:$SB_WORLD_IP:8080 <<<pong 2>/dev/null)" = pong ]
ok $? "x3's traffic flows after the restart"
api DELETE /containers/x3; settle
[ "$(ext_state "$X")" = "$pre" ]
ok $? "its DELETE after the restart gives the namespace back as it was"

post "$(body x4 "$P")"
agent_stop; ip netns del "$X"; agent_start || exit 1
api GET /containers/x4
[ "$API_STATUS" = 404 ] && grep -q "container x4 not recovered" "$SB_DIR/agent.log" &&
	[ ! -e "$P" ] && [ "$(kernel_state)" = "$base" ]
ok $? "its namespace removed while the agent was down: not recovered, nothing left, the path not made again"
ext_ns "$X"; fresh=$(ext_state "$X")
post "$(body x5 "$P")"
agent_stop; ip netns del "$X"; ext_ns "$X"; fresh=$(ext_state "$X"); agent_start || exit 1
api GET /containers/x5
[ "$API_STATUS" = 404 ] && [ "$(ext_state "$X")" = "$fresh" ] && [ "$(kernel_state)" = "$base" ]
ok $? "replaced while the agent was down: not recovered, the new namespace untouched"

for step in 1 5 10; do
	agent_stop
	NETISOL_TEST_FAIL_STEP=$step agent_start || exit 1
	pre=$(ext_state "$X")
	post "$(body f$step "$P")"
	[ "$API_STATUS" = 500 ] && grep -q "injected failure at step $step" <<<"$API_BODY" &&
		[ "$(ext_state "$X")" = "$pre" ] && [ "$(kernel_state)" = "$base" ]
	ok $? "a failure at isolate step $step rolls back: the namespace as it was"
done
for step in 6 12; do
	agent_stop
	pre=$(ext_state "$X")
	NETISOL_TEST_ABORT_STEP=$step agent_start || exit 1
	post "$(body k$step "$P")"
	for _ in $(seq 50); do kill -0 "$SB_AGENT_PID" 2>/dev/null || break; sleep 0.1; done
	SB_AGENT_PID=
	agent_start || exit 1
	api GET /containers/k$step
	[ "$API_STATUS" = 404 ] && [ "$(ext_state "$X")" = "$pre" ] && [ "$(kernel_state)" = "$base" ]
	ok $? "killed at point $step of a create: finished off at restart, the namespace as it was"
done

t_done
