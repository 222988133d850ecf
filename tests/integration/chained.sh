#!/usr/bin/env bash
# CNI chained mode: a primary plugin (here built by hand as the bridge
# plugin builds it: a bridge with the gateway address, a veth per container
# with the host end on the bridge) gave the container its veth and address;
# the agent adds its guard, egress meter, counting and HTBs to them, and on
# DELETE takes away only what it added. Spoofed frames reach no one; the
# cap holds when the tenant deletes its HTB; restarts and a netns removed
# while the agent is down are handled.
. "$(dirname "$0")/lib.sh"

RAW=${top_builddir}/tests/integration/rawframe
W=$SB_WORLD_IP
C1=${SB}c1 C2=${SB}c2 BR=cbr0 V1=cv1 V2=cv2	# (link names live inside ${SB}h)
IP1=198.19.0.5 IP2=198.19.0.6 GW=198.19.0.1
CAP=1250000	# B/s: 10 Mbit/s

# ct NS IP HOSTVETH: a container as the bridge plugin makes it
ct() {
	ip netns add "$1" && ip -n "$1" link set lo up &&
		sb_host ip link add "$3" type veth peer name eth0 netns "$1" &&
		sb_host ip link set "$3" master $BR up &&
		ip -n "$1" addr add "$2/16" dev eth0 && ip -n "$1" link set eth0 up &&
		ip -n "$1" route add default via $GW
}
sb_host ip link add $BR type bridge && sb_host ip addr add $GW/16 dev $BR &&
	sb_host ip link set $BR up && ct "$C1" $IP1 $V1 && ct "$C2" $IP2 $V2 &&
	sb_host sysctl -qw net.ipv4.ip_forward=1 && sb_world ip route add 198.19.0.0/16 via "$SB_HOST_IP"
ok $? "the primary's work by hand: bridge $BR $GW/16, $C1 $IP1 on $V1, $C2 $IP2 on $V2"
agent_start --accounting_interval=1secs || { cat "$SB_DIR/agent.log"; exit 1; }

mac_of() { "$@" ip -o link show "${MACDEV:-eth0}" | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
M1=$(mac_of ip netns exec "$C1") M2=$(mac_of ip netns exec "$C2") BMAC=$(MACDEV=$BR mac_of sb_host)
# state: everything of the primary's and of the others (but counters and
# IPv6 duplicate address detection's progress)
state() {
	settle
	state_raw | sed 's/ tentative//; s/direct_packets_stat [0-9]*//'
}
state_raw() {
	sb_host ip -o link show; sb_host ip -o addr show; sb_host ip route show
	sb_host tc qdisc show; sb_host bridge link show
	for d in $V1 $V2 $BR; do
		sb_host tc filter show dev $d ingress; sb_host tc filter show dev $d egress
	done
	for n in "$C1" "$C2"; do
		stat -L -c '%d %i' "/run/netns/$n"
		ip -n "$n" -o link show; ip -n "$n" -o addr show; ip -n "$n" route show
		tc -n "$n" qdisc show; tc -n "$n" filter show dev eth0 ingress
	done
}
body() {	# body ID NETNS IFNAME HOSTVETH [EXTRA]
	printf '{"container_id":"%s","netns":"%s","ifname":"%s","chained":{"host_veth":"%s","address":"%s/16","mac":"%s"},"egress_rate_limit":%s,"ingress_rate_limit":%s,"pod":"p1"%s}' \
		"$1" "/run/netns/$2" "$3" "$4" $IP1 "$M1" $CAP $((4 * CAP)) "${5:+,$5}"
}
post() { api POST /containers "$1"; }
pre=$(state)

# ---- refusals change nothing ----
refused() {	# refused STATUS CODE BODY DESCRIPTION
	local s; s=$(state)
	post "$3"
	[ "$API_STATUS" = "$1" ] && [ "$(jq -r .code <<<"$API_BODY")" = "$2" ] && [ "$(state)" = "$s" ]
	ok $? "refused, nothing changed: $4: $API_STATUS $(jq -r .error <<<"$API_BODY" 2>/dev/null)"
	diff <(echo "$s") <(state) | sed 's/^/# /'
}
refused 400 no_such_interface "$(body r1 "$C1" nope $V1)" "no interface nope in the netns"
refused 400 no_such_interface "$(body r1 "$C1" eth0 nosuch0)" "no host veth nosuch0"
refused 400 invalid_request "$(body r1 "$C1" eth0 $BR)" "host_veth $BR is a bridge"
refused 400 invalid_request '{"container_id":"r1","netns":"/run/netns/'"$C1"'","chained":{"host_veth":"'$V1'","address":"198.19.0.5","mac":"'"$M1"'"}}' "an address without its prefix"
refused 400 invalid_request "$(body r1 "$C1" eth0 $V1 '"ports":"[31000-31000]"')" "ports in chained mode"
sb_host tc qdisc add dev $V1 ingress
refused 409 qdisc_in_use "$(body r1 "$C1" eth0 $V1)" "an ingress qdisc on $V1 (the bandwidth plugin's)"
grep -q "the bandwidth plugin must not be in the same chain" <<<"$API_BODY"
ok $? "...its message says the bandwidth plugin must not be in the chain"
sb_host tc qdisc del dev $V1 ingress
sb_host tc qdisc add dev $V1 root handle 7: htb
refused 409 qdisc_in_use "$(body r1 "$C1" eth0 $V1)" "someone's root qdisc on $V1 (htb 7:)"
sb_host tc qdisc del dev $V1 root
pre=$(state)

# ---- a failed create rolls back, a crash in one is finished off ----
for step in 2 5; do
	agent_stop
	NETISOL_TEST_FAIL_STEP=$step agent_start --accounting_interval=1secs || exit 1
	post "$(body f$step "$C1" eth0 $V1)"
	[ "$API_STATUS" = 500 ] && grep -q "injected failure at step $step" <<<"$API_BODY" &&
		[ "$(state)" = "$pre" ]
	ok $? "a failure at chained step $step rolls back: $API_STATUS, everything as it was"
	diff <(echo "$pre") <(state) | sed 's/^/# /'
done
for step in 4 12; do
	agent_stop
	NETISOL_TEST_ABORT_STEP=$step agent_start --accounting_interval=1secs || exit 1
	post "$(body k$step "$C1" eth0 $V1)"
	for _ in $(seq 50); do kill -0 "$SB_AGENT_PID" 2>/dev/null || break; sleep 0.1; done
	SB_AGENT_PID=
	agent_start --accounting_interval=1secs || exit 1
	api GET /containers/k$step
	[ "$API_STATUS" = 404 ] && grep -q "container k$step not recovered" "$SB_DIR/agent.log" &&
		[ "$(state)" = "$pre" ]
	ok $? "killed at point $step of a chained create: finished off at restart, only ours removed"
	diff <(echo "$pre") <(state) | sed 's/^/# /'
done

# ---- create ----
post "$(body c1 "$C1" eth0 $V1)"
[ "$API_STATUS" = 201 ] &&
	[ "$(jq -r '"\(.mode) \(.host_veth) \(.ifname) \(.external) \(.address) \(.mac) \(.ephemeral_ports) \(.pod)"' <<<"$API_BODY")" = \
	  "chained $V1 eth0 true $IP1/16 $M1 null p1" ]
ok $? "POST chained: 201, mode chained, host_veth $V1, its own address and MAC, no ephemeral ports"
echo "$API_BODY" | sed 's/^/# /'
api GET /containers/c1
[ "$(jq -r .mode <<<"$API_BODY")" = chained ]
ok $? "GET shows it chained"
sb_host tc filter show dev $V1 ingress | grep -q 'netisol_chain' &&
	sb_host tc filter show dev $V1 ingress | grep -q 'pref 2 bpf.*netisol_acct' &&
	sb_host tc qdisc show dev $V1 | grep -q 'qdisc htb 1: root' &&
	tc -n "$C1" qdisc show dev eth0 | grep -q 'qdisc htb 1: root'
ok $? "its guard (prio 1), counting (prio 2), ingress HTB on $V1, egress HTB on eth0 inside"

# ---- traffic ----
sb_bg sb_world socat TCP4-LISTEN:8080,fork,reuseaddr EXEC:cat; sleep 0.3
[ "$(ip netns exec "$C1" timeout 5 socat -T 3 - TCP4:$W:8080 <<<pong 2>/dev/null)" = pong ]
ok $? "c1 -> world through the bridge and the host"
sb_bg ip netns exec "$C1" socat TCP4-LISTEN:7070,fork,reuseaddr EXEC:cat; sleep 0.3
in_c1=${SB_PIDS[-1]}	# it holds c1's namespace: ended before the runtime removes it
[ "$(sb_world timeout 5 socat -T 3 - TCP4:$IP1:7070 <<<ping 2>/dev/null)" = ping ] &&
	[ "$(ip netns exec "$C2" timeout 5 socat -T 3 - TCP4:$IP1:7070 <<<nb 2>/dev/null)" = nb ]
ok $? "world -> c1 and neighbour c2 -> c1 over the bridge"

goodput() {	# goodput: c1's TCP goodput to the world as a fraction of the cap (x1000)
	sb_bg sb_world iperf3 -s -1 -p 5201 >/dev/null 2>&1
	sleep 0.5
	local bps
	bps=$(ip netns exec "$C1" iperf3 -c "$W" -p 5201 -t 4 -J 2>/dev/null | jq '.end.sum_received.bits_per_second // 0')
	awk -v b="$bps" -v c="$CAP" 'BEGIN { printf "%d", b / 8 / c * 1000 }'
}
g=$(goodput)
[ "$g" -ge 850 ] && [ "$g" -le 1020 ]
ok $? "egress capped: one TCP flow c1 -> world gets $g/1000 of the 10 Mbit/s cap"

world_rx() {
	sb_world bash -c 'awk -F"[: ]+" '"'"'$2 == "eth0" { printf "%s ", $3 }'"'"' /proc/net/dev; date +%s%N'
}
hx() { tr -d ':' <<<"$1"; }
ip_hx() { local IFS=.; printf '%02x' $1; }
str_hx() { printf '%s' "$1" | od -v -An -tx1 | tr -d ' \n'; }
udp_frame() {	# udp_frame DSTMAC SRCMAC SRCIP DSTIP MARK: Ethernet + IPv4 + UDP
	local data; data=$(str_hx "$5")
	printf '%s%s0800' "$(hx "$1")" "$(hx "$2")"
	printf '4500%04x0000400040110000%s%s' $((28 + ${#data} / 2)) "$(ip_hx "$3")" "$(ip_hx "$4")"
	printf '%04x%04x%04x0000%s' 40000 9 $((8 + ${#data} / 2)) "$data"
}
pad=$(printf 'x%.0s' $(seq 1000))
# The tenant deletes its HTB again and again and floods past its qdiscs:
# the host-side meter alone holds it to the cap.
ip netns exec "$C1" bash -c 'for i in $(seq 60); do tc qdisc del dev eth0 root; sleep 0.1; done' >/dev/null 2>&1 &
tamper=$!
ip netns exec "$C1" env RAWFRAME_SECONDS=6 RAWFRAME_BYPASS=1 "$RAW" send eth0 "$(udp_frame "$BMAC" "$M1" $IP1 $W "$pad")" 100 &
fl=$!
sleep 1.5; read -r b0 t0 <<<"$(world_rx)"; sleep 4; read -r b1 t1 <<<"$(world_rx)"
wait $fl $tamper
r=$(( (b1 - b0) * 1000000 / ((t1 - t0) / 1000) * 1000 / CAP ))
[ "$r" -ge 500 ] && [ "$r" -le 1050 ]
ok $? "the tenant keeps deleting its HTB and floods with PACKET_QDISC_BYPASS: $r/1000 of the cap reach the world"
for _ in $(seq 30); do tc -n "$C1" class show dev eth0 | grep -q 'htb 1:1' && break; sleep 0.2; done
tc -n "$C1" class show dev eth0 | grep -q 'htb 1:1'
ok $? "the watch puts its HTB back"

# ---- spoofing: nothing forged reaches the world or the neighbour ----
seen() {	# seen world|c2 MARK FRAME: frames with MARK arriving there while c1 sends FRAME
	local mark; mark=$(str_hx "$2")
	case $1 in
	world) sb_world "$RAW" count eth0 "$mark" 1.5 >"$SB_DIR/seen" & ;;
	c2) ip netns exec "$C2" "$RAW" count eth0 "$mark" 1.5 >"$SB_DIR/seen" & ;;
	esac
	sleep 0.3
	ip netns exec "$C1" "$RAW" send eth0 "$3" 3
	wait
	cat "$SB_DIR/seen"
}
check() {	# check arrives|refused WHERE WHAT FRAME
	local n; n=$(seen "$2" "$3" "$4")
	if [ "$1" = arrives ]; then [ "${n:-0}" -ge 1 ]; else [ "$n" = 0 ]; fi
	ok $? "$1 at $2: $3 (arrived: $n)"
}
FAKE=02:de:ad:be:ef:01
check arrives world "ok-w" "$(udp_frame "$BMAC" "$M1" $IP1 $W ok-w)"
check refused world "spoofip-w" "$(udp_frame "$BMAC" "$M1" 198.19.0.99 $W spoofip-w)"
check refused world "spoofmac-w" "$(udp_frame "$BMAC" $FAKE $IP1 $W spoofmac-w)"
check arrives c2 "ok-n" "$(udp_frame "$M2" "$M1" $IP1 $IP2 ok-n)"
check refused c2 "spoofip-n" "$(udp_frame "$M2" "$M1" $IP2 $IP2 spoofip-n)"
check refused c2 "spoofmac-n" "$(udp_frame ff:ff:ff:ff:ff:ff $FAKE $IP1 $IP2 spoofmac-n)"
arp() {	# arp SHA SPA TPA MARK: a broadcast ARP reply (gratuitous) with a trailer
	printf 'ffffffffffff%s0806' "$(hx "$1")"
	printf '000108000604000%d%s%s%s%s%s' 2 "$(hx "$1")" "$(ip_hx "$2")" ffffffffffff "$(ip_hx "$3")" "$(str_hx "$4")"
}
check arrives c2 "arp-own" "$(arp "$M1" $IP1 $IP1 arp-own)"
check refused c2 "arp-gw" "$(arp "$M1" $GW $GW arp-gw)"
check refused c2 "arp-mac" "$(arp $FAKE $IP1 $IP1 arp-mac)"
check refused c2 "ipv6" "$(printf '%s%s86dd' "$(hx "$M2")" "$(hx "$M1")")60000000000811ff$(printf '0%.0s' $(seq 64))$(str_hx ipv6)"
# Both chained: one guard program reads each veth's entry; c1 in c2's
# whole identity (its MAC and address) is still c1, on cv1.
post "$(printf '{"container_id":"c2","netns":"/run/netns/%s","ifname":"eth0","chained":{"host_veth":"%s","address":"%s/16","mac":"%s"}}' \
	"$C2" $V2 $IP2 "$M2")"; a=$API_STATUS
[ "$a" = 201 ] && [ "$(sb_host tc filter show dev $V1 ingress pref 1 | grep -o 'id [0-9]*')" = \
	"$(sb_host tc filter show dev $V2 ingress pref 1 | grep -o 'id [0-9]*')" ]
ok $? "c2 chained too ($a): cv1 and cv2 run the same guard program"
check refused world "as-c2" "$(udp_frame "$BMAC" "$M2" $IP2 $W as-c2)"
sb_world "$RAW" count eth0 "$(str_hx own-c2)" 1.5 >"$SB_DIR/seen" & cnt=$!
sleep 0.3
ip netns exec "$C2" "$RAW" send eth0 "$(udp_frame "$BMAC" "$M2" $IP2 $W own-c2)" 3
wait $cnt
n=$(cat "$SB_DIR/seen")
api DELETE /containers/c2
[ "${n:-0}" -ge 1 ] && [ "$API_STATUS" = 204 ] && [ -z "$(sb_host tc filter show dev $V2 ingress)" ]
ok $? "c2's own frames arrive (arrived: $n); DELETE c2 takes its guard off cv2"

# ---- counted ----
sleep 2.5
api GET /monitor/statistics.json
tx=$(jq '.[] | select(.container_id=="c1") | .statistics.net_tx_bytes' <<<"$API_BODY")
[ "${tx:-0}" -gt 1000000 ]
ok $? "statistics.json: c1 sent $tx bytes"
b=$(billed c1 tx); br=$(billed c1 rx)
[ "$b" -gt 1000000 ] && [ "$br" -gt 0 ]
ok $? "/metrics: c1 billed $b bytes sent, $br received"

# ---- PATCH ----
api PATCH /containers/c1 '{"egress_rate_limit":2500000}'
[ "$API_STATUS" = 200 ] && tc -n "$C1" class show dev eth0 | grep -q "rate 20Mbit"
ok $? "PATCH egress_rate_limit: $API_STATUS, its HTB at 20 Mbit/s"
api PATCH /containers/c1 '{"egress_rate_limit":'$CAP'}'; a=$API_STATUS
api PATCH /containers/c1 '{"ports":"[31000-31000]"}'
[ "$a $API_STATUS" = "200 400" ]
ok $? "PATCH back to the cap: $a; PATCH ports: $API_STATUS (a chained container has none)"

# ---- restart: what went missing meanwhile is put back ----
agent_stop && sb_host tc filter del dev $V1 ingress pref 1 && sb_host tc qdisc del dev $V1 root &&
	agent_start --accounting_interval=1secs
api GET /containers/c1
[ "$API_STATUS" = 200 ] && [ "$(jq -r .mode <<<"$API_BODY")" = chained ] &&
	grep -q "container c1 recovered (chained)" "$SB_DIR/agent.log" &&
	[ "$(sb_host tc filter show dev $V1 ingress | grep -c 'netisol_chain')" = 1 ] &&
	sb_host tc qdisc show dev $V1 | grep -q 'qdisc htb 1: root'
ok $? "agent restart: c1 recovered; its guard filter and ingress HTB, removed while it was down, are back"
g=$(goodput)
[ "$g" -ge 850 ] && [ "$g" -le 1020 ]
ok $? "after the restart still capped: $g/1000 of the cap"
# Its clsact deleted while the agent was down (its filters with it): re-made
# at restart, and still taken away on DELETE after another restart.
agent_stop && sb_host tc qdisc del dev $V1 clsact && agent_start --accounting_interval=1secs &&
	agent_stop && agent_start --accounting_interval=1secs
api GET /containers/c1
[ "$API_STATUS" = 200 ] && sb_host tc filter show dev $V1 ingress | grep -q netisol_chain &&
	sb_host tc filter show dev $V1 egress | grep -q netisol_acct
ok $? "its clsact deleted while the agent was down: re-made with the guard and counting at restart"
check refused world "spoofip-r" "$(udp_frame "$BMAC" "$M1" 198.19.0.99 $W spoofip-r)"

# ---- DELETE ----
api DELETE /containers/c1
[ "$API_STATUS" = 204 ] && [ "$(state)" = "$pre" ]
ok $? "DELETE: 204; links, addresses, routes, qdiscs, filters, bridge and netns as before"
diff <(echo "$pre") <(state) | sed 's/^/# /'
api DELETE /containers/c1
[ "$API_STATUS" = 404 ]
ok $? "a second DELETE: 404"

# An existing clsact (someone else's, with a filter) stays, with its filter.
sb_host tc qdisc add dev $V1 clsact
sb_host tc filter add dev $V1 ingress pref 50 protocol all matchall action pass 2>/dev/null ||
	sb_host tc filter add dev $V1 ingress pref 50 protocol all u32 match u32 0 0 action pass 2>/dev/null
pre=$(state)
post "$(body c1 "$C1" eth0 $V1)"; a=$API_STATUS
[ "$(ip netns exec "$C1" timeout 5 socat -T 3 - TCP4:$W:8080 <<<pong 2>/dev/null)" = pong ]; t=$?
api DELETE /containers/c1
[ "$a $t $API_STATUS" = "201 0 204" ] && [ "$(state)" = "$pre" ]
ok $? "over someone's clsact and filter: $a, traffic, DELETE leaves both"
diff <(echo "$pre") <(state) | sed 's/^/# /'
sb_host tc qdisc del dev $V1 clsact

# ---- the runtime removes the netns ----
post "$(body c1 "$C1" eth0 $V1)"
kill -- "-$in_c1" 2>/dev/null
ip netns del "$C1"
for _ in $(seq 50); do api GET /containers/c1; [ "$API_STATUS" = 404 ] && break; sleep 0.1; done
[ "$API_STATUS" = 404 ] && grep -q "c1: its network namespace /run/netns/$C1 was removed" "$SB_DIR/agent.log" &&
	sb_host ip link show $BR >/dev/null
ok $? "netns removed while the agent runs: c1 destroyed within 5 s, the bridge stays"
# (the kernel takes the veth away with the namespace, a little later)
for _ in $(seq 100); do sb_host ip link show $V1 >/dev/null 2>&1 || break; sleep 0.1; done
ct "$C1" $IP1 $V1; M1=$(mac_of ip netns exec "$C1")
post "$(body c1 "$C1" eth0 $V1)"
agent_stop
ip netns del "$C1"
# (its veth leaves the bridge when the kernel frees the namespace: not in s2)
for _ in $(seq 100); do sb_host ip link show $V1 >/dev/null 2>&1 || break; sleep 0.1; done
s2=$(ip -n "$C2" -o link show; tc -n "$C2" qdisc show; sb_host bridge link show)
agent_start --accounting_interval=1secs
api GET /containers/c1
[ "$API_STATUS" = 404 ] && grep -q "container c1 not recovered" "$SB_DIR/agent.log" &&
	[ "$(ip -n "$C2" -o link show; tc -n "$C2" qdisc show; sb_host bridge link show)" = "$s2" ] &&
	sb_host ip -o addr show dev $BR | grep -q "$GW/16"
ok $? "netns removed while the agent is down: finished off at start, c2 and the bridge untouched"

# The primary re-made the veth (same name) while the agent was down: the new
# one, and someone's clsact on it, are not ours.
ct "$C1" $IP1 $V1; M1=$(mac_of ip netns exec "$C1")
post "$(body c1 "$C1" eth0 $V1)"; a=$API_STATUS
agent_stop
ip -n "$C1" link del eth0
for _ in $(seq 100); do sb_host ip link show $V1 >/dev/null 2>&1 || break; sleep 0.1; done
sb_host ip link add $V1 type veth peer name eth0 netns "$C1" && sb_host ip link set $V1 master $BR up &&
	sb_host tc qdisc add dev $V1 clsact
s3=$(state)
agent_start --accounting_interval=1secs
api GET /containers/c1
[ "$a $API_STATUS" = "201 404" ] && grep -q "container c1 not recovered (its host veth $V1 was re-created" "$SB_DIR/agent.log" &&
	[ "$(state)" = "$s3" ]
ok $? "its host veth re-made while the agent was down: not recovered, the new veth and its clsact untouched"
diff <(echo "$s3") <(state) | sed 's/^/# /'

t_done
