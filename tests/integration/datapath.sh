#!/usr/bin/env bash
# The port-mapping datapath through the real kernel: two containers share
# the host's IP and MAC and are reached by port, from the world, from each
# other, from the host; what they may not send never leaves.
. "$(dirname "$0")/lib.sh"

W=$SB_WORLD_IP H=$SB_HOST_IP
agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
ctl create c1 --ports '[31000-31009]' >/dev/null
ok $? "create c1 with ports [31000-31009]"
ctl create c2 >/dev/null
ok $? "create c2 with only its ephemeral block"
e1=$(ctl list --json | jq -r '.[] | select(.container_id=="c1") | "\(.ephemeral_ports.begin) \(.ephemeral_ports.end)"')
read -r e1b e1e <<<"$e1"
e2b=$(ctl list --json | jq -r '.[] | select(.container_id=="c2") | .ephemeral_ports.begin')
diag "c1 ephemeral $e1b-$e1e, c2 from $e2b"

# tcp_echo NS-RUNNER PORT: an echo server on PORT, run by the given runner.
listen() { sb_bg "$@"; sleep 0.3; }
say() { timeout 5 socat -T 3 - "$1" <<<"ping" 2>/dev/null; }

listen in_ct c1 socat TCP4-LISTEN:31000,fork,reuseaddr EXEC:cat
[ "$(sb_world bash -c "$(declare -f say); say TCP4:$H:31000")" = ping ]
ok $? "world -> c1 TCP on its port 31000"

listen in_ct c1 timeout 10 socat -u UDP4-RECV:31005 OPEN:"$SB_DIR/udp.out",creat,append
sb_world bash -c "echo hello-udp | socat -u - UDP4-SENDTO:$H:31005"
sleep 0.5
grep -q hello-udp "$SB_DIR/udp.out" 2>/dev/null
ok $? "world -> c1 UDP on its port 31005"

listen sb_world socat TCP4-LISTEN:5201,fork,reuseaddr SYSTEM:'echo $SOCAT_PEERPORT'
peer=$(in_ct c1 timeout 5 socat -T 3 -u TCP4:$W:5201 -)
[ -n "$peer" ] && [ "$peer" -ge "$e1b" ] && [ "$peer" -le "$e1e" ]
ok $? "c1 -> world TCP, source port $peer inside c1's block $e1b-$e1e"
peer=$(in_ct c2 timeout 5 socat -T 3 -u TCP4:$W:5201 -)
[ -n "$peer" ] && [ "$peer" -ge "$e2b" ]
ok $? "c2 -> world TCP, source port $peer in c2's block"

c2port=$((e2b + 100))
listen in_ct c2 socat TCP4-LISTEN:$c2port,fork,reuseaddr EXEC:cat
[ "$(in_ct c1 bash -c "$(declare -f say); say TCP4:$H:$c2port")" = ping ]
ok $? "c1 -> c2 via the host IP"
[ "$(in_ct c1 bash -c "$(declare -f say); say TCP4:127.0.0.1:$c2port")" = ping ]
ok $? "c1 -> c2 via 127.0.0.1"
[ "$(in_ct c2 bash -c "$(declare -f say); say TCP4:127.0.0.1:31000")" = ping ]
ok $? "c2 -> c1 via 127.0.0.1"
[ "$(sb_host bash -c "$(declare -f say); say TCP4:$H:31000")" = ping ]
ok $? "host -> c1 via the host IP"
[ "$(sb_host bash -c "$(declare -f say); say TCP4:127.0.0.1:31000")" = ping ]
ok $? "host -> c1 via 127.0.0.1"
[ "$(in_ct c1 bash -c "$(declare -f say); say TCP4:127.0.0.1:31000")" = ping ]
ok $? "c1 -> itself via 127.0.0.1"

listen sb_host socat TCP4-LISTEN:5999,fork,reuseaddr EXEC:cat
[ "$(in_ct c1 bash -c "$(declare -f say); say TCP4:$H:5999")" = ping ]
ok $? "c1 -> a host service (port 5999) via the host IP"
[ "$(in_ct c1 bash -c "$(declare -f say); say TCP4:127.0.0.1:5999")" = ping ]
ok $? "c1 -> a host service via 127.0.0.1"
[ "$(sb_world bash -c "$(declare -f say); say TCP4:$H:5999")" = ping ]
ok $? "the host's own service keeps working from the world while containers exist"

in_ct c1 ping -c 2 -i 0.2 -W 2 $W >/dev/null
ok $? "ping c1 -> world"
in_ct c1 ping -c 2 -i 0.2 -W 2 $H >/dev/null
ok $? "ping c1 -> the host IP"
out=$(sb_world ping -c 3 -i 0.2 -W 2 $H)
[ $? = 0 ] && ! grep -q DUP <<<"$out"
ok $? "ping world -> host IP: answered once (containers get a copy, the host replies)"
in_ct c1 arping -c 2 -w 3 -I eth0 $W >/dev/null
ok $? "arping from inside c1 resolves the gateway"

listen in_ct c1 socat TCP4-LISTEN:35001,fork,reuseaddr EXEC:cat
[ "$(sb_world bash -c "$(declare -f say); say TCP4:$H:35001")" != ping ]
ok $? "c1 listening on port 35001 it does not own is unreachable from the world"

listen sb_world timeout 8 socat -u UDP4-RECV:9999 OPEN:"$SB_DIR/leak.out",creat,append
in_ct c1 bash -c "echo foreign | socat -u - UDP4-SENDTO:$W:9999,sourceport=35555"
in_ct c1 bash -c "echo foreign | socat -u - UDP4-SENDTO:$H:5999,sourceport=35556"
in_ct c1 bash -c "echo owned | socat -u - UDP4-SENDTO:$W:9999,sourceport=$((e1b + 5))"
sleep 0.5
grep -q owned "$SB_DIR/leak.out" && ! grep -q foreign "$SB_DIR/leak.out"
ok $? "UDP from a source port c1 does not own never reaches the world (owned one does)"
drops=$(sb_host tc -s qdisc show dev "$(ctl list --json | jq -r '.[0].host_veth')" ingress |
	sed -n 's/.*dropped \([0-9]*\).*/\1/p' | head -1)
[ "${drops:-0}" -ge 2 ]
ok $? "the container's veth counted the dropped packets ($drops)"
t_done
