#!/usr/bin/env bash
# Port mappings whose host port is not the container's port (podman's
# -p 8080:80): traffic to the host port reaches the container's port, the
# replies leave from the host port, checksums right, on TCP, UDP and in ICMP
# errors both ways; several containers listen on their own port 80; a
# container's 127.0.0.1:80 is its own; it holds while the agent is down.
. "$(dirname "$0")/lib.sh"

H=$SB_HOST_IP W=$SB_WORLD_IP
agent_start --resources='ports:[31000-31099];ephemeral_ports:[32768-57343]' ||
	{ cat "$SB_DIR/agent.log"; exit 1; }
base=$(kernel_state)
map() { echo "{\"host_port\":$1,\"container_port\":$2}"; }

api POST /containers "{\"container_id\":\"m1\",\"ports\":\"[31000-31002]\",\"port_mappings\":[$(map 31000 80),$(map 31001 81),$(map 31002 31002)]}"
[ "$API_STATUS" = 201 ] && [ "$(jq -c '[.port_mappings[] | [.host_port, .container_port]]' <<<"$API_BODY")" = '[[31000,80],[31001,81]]' ]
ok $? "m1 with 31000 -> 80 and 31001 -> 81 (31002 -> 31002 needs nothing): $(jq -c .port_mappings <<<"$API_BODY")"
api POST /containers "{\"container_id\":\"m2\",\"ports\":\"[31010-31010]\",\"port_mappings\":[$(map 31010 80)]}"
ok $? "m2 with 31010 -> 80: $API_STATUS"

sb_bg in_ct m1 socat TCP4-LISTEN:80,fork,reuseaddr SYSTEM:'echo m1'
sb_bg in_ct m2 socat TCP4-LISTEN:80,fork,reuseaddr SYSTEM:'echo m2'
sb_bg in_ct m1 socat UDP4-RECVFROM:80,fork EXEC:cat
sleep 0.5
tcp() { timeout 5 socat -T 3 - "TCP4:$1" </dev/null 2>/dev/null; }
[ "$(sb_world bash -c "$(declare -f tcp); tcp $H:31000")" = m1 ] &&
	[ "$(sb_world bash -c "$(declare -f tcp); tcp $H:31010")" = m2 ]
ok $? "world -> $H:31000 reaches m1's port 80, $H:31010 m2's port 80"
[ "$(sb_world bash -c "echo hi | timeout 5 socat -T 2 - UDP4:$H:31000")" = hi ]
ok $? "UDP: world -> $H:31000 -> m1:80, the echo comes back from 31000 (a connected socket)"
[ "$(in_ct m1 bash -c "$(declare -f tcp); tcp 127.0.0.1:80")" = m1 ] &&
	[ "$(in_ct m2 bash -c "$(declare -f tcp); tcp 127.0.0.1:80")" = m2 ]
ok $? "each container's 127.0.0.1:80 is its own"
# 4 MB one way through the rewrite: a wrong checksum would stall it.
api POST /containers "{\"container_id\":\"m3\",\"ports\":\"[31020-31020]\",\"port_mappings\":[$(map 31020 82)]}"
sb_bg in_ct m3 socat TCP4-LISTEN:82,fork,reuseaddr SYSTEM:'head -c 4000000 /dev/zero'
sleep 0.3
got=$(sb_world bash -c "timeout 20 socat -T 5 -u TCP4:$H:31020 - </dev/null 2>/dev/null | wc -c")
[ "$got" = 4000000 ]
ok $? "4 MB from m3:82 through 31020 arrive whole ($got B): checksums hold"

refused_udp() {	# python: a connected UDP socket gets the ICMP error as ECONNREFUSED
	timeout 5 python3 -c "
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
if len(sys.argv) > 3: s.bind(('0.0.0.0', int(sys.argv[3])))
s.settimeout(2); s.connect((sys.argv[1], int(sys.argv[2]))); s.send(b'x')
try: s.recv(10); print('data')
except ConnectionRefusedError: print('refused')
except socket.timeout: print('timeout')" "$@"
}
[ "$(sb_world bash -c "$(declare -f refused_udp); refused_udp $H 31001")" = refused ]
ok $? "m1's port unreachable for 81 quotes 31001 to the world (its socket sees it)"
[ "$(in_ct m2 bash -c "$(declare -f refused_udp); refused_udp $W 9 80")" = refused ]
ok $? "the world's port unreachable quoting 31010 reaches m2's socket on port 80"

kill -KILL "$SB_AGENT_PID"; wait "$SB_AGENT_PID" 2>/dev/null; SB_AGENT_PID=
[ "$(sb_world bash -c "$(declare -f tcp); tcp $H:31000")" = m1 ]
ok $? "the agent killed: 31000 still reaches m1:80 (the programs stay in the kernel)"
agent_start --resources='ports:[31000-31099];ephemeral_ports:[32768-57343]' || exit 1
api GET /containers/m1
[ "$(jq -c '[.port_mappings[] | [.host_port, .container_port]]' <<<"$API_BODY")" = '[[31000,80],[31001,81]]' ] &&
	[ "$(sb_world bash -c "$(declare -f tcp); tcp $H:31000")" = m1 ] &&
	[ "$(in_ct m1 tc filter show dev eth0 ingress | grep -c netisol_remap)" = 1 ]
ok $? "restarted: m1 recovered with its mappings, its programs not doubled, still reached"

refused() {	# refused BODY DESCRIPTION
	local k; k=$(kernel_state)
	api POST /containers "$1"
	[ "$API_STATUS" = 400 ] && [ "$(kernel_state)" = "$k" ]
	ok $? "$2: $API_STATUS $(jq -r .error <<<"$API_BODY")"
}
refused "{\"container_id\":\"r\",\"ports\":\"[31030-31030]\",\"port_mappings\":[$(map 31031 80)]}" "a host port not the container's"
refused "{\"container_id\":\"r\",\"ports\":\"[31030-31030]\",\"port_mappings\":[$(map 31030 40000)]}" "a container port in the ephemeral pool"
refused "{\"container_id\":\"r\",\"ports\":\"[31030-31031]\",\"port_mappings\":[$(map 31030 31031)]}" "a container port that is one of its ports"
refused "{\"container_id\":\"r\",\"ports\":\"[31030-31031]\",\"port_mappings\":[$(map 31030 80),$(map 31031 80)]}" "a container port mapped twice"
refused '{"container_id":"r","ports":"[31030-31030]","port_mappings":[{"host_port":31030}]}' "a mapping without container_port"
refused '{"container_id":"r","ports":"[31030-31030]","port_mappings":[{"host_port":31030,"container_port":0}]}' "container port 0"
refused '{"container_id":"r","ports":"[31030-31030]","port_mappings":{"a":1}}' "port_mappings not an array"
api PATCH /containers/m1 "{\"port_mappings\":[]}"
[ "$API_STATUS" = 400 ]
ok $? "PATCH does not take port_mappings (create-only)"

# A hostile tenant deletes its remap programs (root in its namespace owns
# its eth0's clsact): its port 80 is then no port it owns, and the host's
# guard drops what it sends from there.
api POST /containers "{\"container_id\":\"m4\",\"ports\":\"[31030-31030]\",\"port_mappings\":[$(map 31030 83)]}"
sb_bg sb_world python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 9999))
while True:
    d, a = s.recvfrom(100); print(a[1], d.decode(), flush=True)" >"$SB_DIR/udp9999"
sleep 0.3
send83() { in_ct m4 python3 -c "
import socket
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM); s.bind(('0.0.0.0', 83))
s.sendto(b'$1', ('$W', 9999))"; }
send83 before; sleep 0.3
grep -qx "31030 before" "$SB_DIR/udp9999"
ok $? "m4 sends from its port 83: it leaves as 31030 ($(tr '\n' ' ' <"$SB_DIR/udp9999"))"
in_ct m4 tc qdisc del dev eth0 clsact
in_ct m4 tc filter show dev eth0 egress 2>/dev/null | grep -q netisol_remap
ok $((! $?)) "the tenant deleted its eth0's clsact, the remap programs with it"
send83 after; sleep 0.3
! grep -q after "$SB_DIR/udp9999"
ok $? "then from port 83 (not its own): nothing reaches the world ($(tr '\n' ' ' <"$SB_DIR/udp9999"))"

for c in m1 m2 m3 m4; do api DELETE /containers/$c; done
[ "$(kernel_state)" = "$base" ]
ok $? "DELETE of all four leaves the host as it was"
t_done
