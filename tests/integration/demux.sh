#!/usr/bin/env bash
# Echo replies, ICMP errors and IP fragments reach the container they are
# for, and only it: two containers ping the world with the same echo id,
# the world floods the host with ICMP while an idle neighbour's bill is
# watched, datagrams larger than the MTU go both ways, and a tenant forges
# later fragments.
. "$(dirname "$0")/lib.sh"

RAW=${top_builddir}/tests/integration/rawframe
W=$SB_WORLD_IP H=$SB_HOST_IP
agent_start --accounting_interval=1secs || { cat "$SB_DIR/agent.log"; exit 1; }
ctl create a --ports '[31000-31009]' >/dev/null && ctl create b --ports '[31100-31109]' >/dev/null &&
	ctl create c --ports '[31200-31209]' >/dev/null
ok $? "containers a, b and c"

mac_of() { "$@" ip -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
HMAC=$(mac_of sb_host) WMAC=$(mac_of sb_world)
hx() { tr -d ':' <<<"$1"; }
ip_hx() { local IFS=.; printf '%02x' $1; }
str_hx() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# frame SRC DST PROTO ID FRAG L4-HEX: world -> host, or with a's MACs (from a)
frame() {
	local macs; macs=$(hx "$HMAC")$(hx "$WMAC")
	[ "$1" = "$H" ] && macs=$(hx "$WMAC")$(hx "$HMAC")
	printf '%s0800' "$macs"
	printf '4500%04x%04x%04x40%02x0000%s%s%s' $((20 + ${#6} / 2)) "$4" "$5" "$3" \
		"$(ip_hx "$1")" "$(ip_hx "$2")" "$6"
}
J=()
jwait() { wait "${J[@]}"; J=(); }	# (a bare wait would wait for the agent too)
rx_packets() { "$@" cat /proc/net/dev | awk -F'[: ]+' '$2 == "eth0" { print $4 }'; }

# --- echo: the same id from two containers, each gets its own replies
in_ct a ping -n -e 4660 -c 5 -i 0.2 -W 2 "$W" >"$SB_DIR/ping.a" 2>&1 & J+=($!)
in_ct b ping -n -e 4660 -c 5 -i 0.2 -W 2 "$W" >"$SB_DIR/ping.b" 2>&1 & J+=($!)
jwait
for c in a b; do
	grep -q '5 packets transmitted, 5 received' "$SB_DIR/ping.$c" && ! grep -q DUP "$SB_DIR/ping.$c"
	ok $? "ping -e 4660 from $c while its neighbour uses the same id: 5 of 5, no duplicate"
done
in_ct c ping -n -c 3 -i 0.2 -W 2 "$W" >/dev/null
ok $? "a plain ping from c works"
sb_host ping -n -c 2 -i 0.2 -W 2 "$W" >/dev/null
ok $? "the host's own ping works"

# An error quoting a rewritten request gets the container's id back.
sb_world sysctl -qw net.ipv4.icmp_echo_ignore_all=1
sb_world "$RAW" reject 3 >"$SB_DIR/rejected" & J+=($!)
in_ct b "$RAW" count eth0 030d 2.5 >"$SB_DIR/seen.b" & J+=($!)
sleep 0.3
in_ct a ping -n -e 4660 -c 3 -i 0.3 -W 1 "$W" >"$SB_DIR/ping.a" 2>&1
jwait
sb_world sysctl -qw net.ipv4.icmp_echo_ignore_all=0
n=$(grep -c 'Packet filtered\|prohibited' "$SB_DIR/ping.a")
[ "$n" -ge 2 ] && [ "$(cat "$SB_DIR/seen.b")" = 0 ]
ok $? "unreachables quoting a's requests reach a's ping ($n of $(cat "$SB_DIR/rejected")) and not b"

# --- an idle neighbour under an ICMP flood to the host IP is billed nothing
sleep 1.2
b_rx0=$(billed b rx) b_pk0=$(rx_packets in_ct b)
for t in 0 8 3; do	# stray echo replies, echo requests, errors about nobody
	l4=$(printf '%02x00000012340001%s' "$t" "$(str_hx flood-flood-flood-flood)")
	sb_world "$RAW" send eth0 "$(frame "$W" "$H" 1 1 0x4000 "$l4")" 4000
done
in_ct a ping -n -f -c 500 -W 1 "$W" >/dev/null 2>&1
sleep 2.2
b_rx=$(( $(billed b rx) - b_rx0 )) b_pk=$(( $(rx_packets in_ct b) - b_pk0 ))
diag "b received $b_pk packets ($b_rx B billed) while the world sent 12000 ICMP and a pinged 500"
[ "$b_pk" -lt 50 ] && [ "$b_rx" -lt 5000 ]
ok $? "an idle neighbour is not billed for ICMP to the host ($b_pk packets, $b_rx B)"

# --- fragments from the world: the datagram reaches the owner, whole
for size in 4000 2956 1400; do
	in_ct a "$RAW" udp-recv 31001 1.5 >"$SB_DIR/recv.a" & J+=($!)
	in_ct b "$RAW" count eth0 "$(str_hx olnetis)" 1.5 >"$SB_DIR/seen.b" & J+=($!)
	sleep 0.3
	sb_world "$RAW" udp-send "$H" 31001 "$size" 5
	jwait
	[ "$(cat "$SB_DIR/recv.a")" = "5 $((5 * size))" ] && [ "$(cat "$SB_DIR/seen.b")" = 0 ]
	ok $? "5 datagrams of $size B world -> a arrive whole ($(cat "$SB_DIR/recv.a")), b sees none"
done
sb_host "$RAW" udp-recv 5999 1.5 >"$SB_DIR/recv.h" & J+=($!)
in_ct a "$RAW" count eth0 "$(str_hx olnetis)" 1.5 >"$SB_DIR/seen.a" & J+=($!)
sleep 0.3
sb_world "$RAW" udp-send "$H" 5999 4000 3
jwait
[ "$(cat "$SB_DIR/recv.h")" = "3 12000" ] && [ "$(cat "$SB_DIR/seen.a")" = 0 ]
ok $? "datagrams of 4000 B to a host port stay with the host ($(cat "$SB_DIR/recv.h")), a sees none"

# A container off the fast path (its ingress limit is on its host veth)
# gets its replies, errors and later fragments there, shaped.
api PATCH /containers/c '{"ingress_rate_limit":"10MB"}'
[ "$API_STATUS" = 200 ] && in_ct c ping -n -e 4660 -c 3 -i 0.2 -W 2 "$W" >/dev/null
ok $? "ping from c with an ingress limit works"
in_ct c "$RAW" udp-recv 31201 1.5 >"$SB_DIR/recv.c" & J+=($!)
sleep 0.3
sb_world "$RAW" udp-send "$H" 31201 4000 5
jwait
[ "$(cat "$SB_DIR/recv.c")" = "5 20000" ]
ok $? "5 datagrams of 4000 B world -> c (ingress limited) arrive whole ($(cat "$SB_DIR/recv.c"))"

# --- fragments from a container
for size in 4000 2956; do
	sb_world "$RAW" udp-recv 9 1.5 >"$SB_DIR/recv.w" & J+=($!)
	sleep 0.3
	in_ct a "$RAW" udp-send "$W" 9 "$size" 5
	jwait
	[ "$(cat "$SB_DIR/recv.w")" = "5 $((5 * size))" ]
	ok $? "5 datagrams of $size B a -> world arrive whole ($(cat "$SB_DIR/recv.w"))"
done
in_ct b "$RAW" udp-recv 31101 1.5 >"$SB_DIR/recv.b" & J+=($!)
sleep 0.3
in_ct a "$RAW" udp-send "$H" 31101 4000 3
jwait
# (a's ephemeral port is a's own: the host's lo hands the datagram to b.)
[ "$(cat "$SB_DIR/recv.b")" = "3 12000" ]
ok $? "datagrams of 4000 B a -> b through the host arrive whole ($(cat "$SB_DIR/recv.b"))"
later=$(str_hx forged-later-fragment-forged-later-fragment)
sb_world "$RAW" count eth0 "$(str_hx forged-later)" 1.5 >"$SB_DIR/seen.w" & J+=($!)
in_ct b "$RAW" count eth0 "$(str_hx forged-later)" 1.5 >"$SB_DIR/seen.b" & J+=($!)
sleep 0.3
in_ct a "$RAW" send eth0 "$(frame "$H" "$W" 17 7777 0x00b9 "$later")" 50
in_ct a "$RAW" send eth0 "$(frame "$H" "$H" 17 7778 0x00b9 "$later")" 50
in_ct a "$RAW" send eth0 "$(frame "$H" "$W" 17 7779 0x20b9 "$later")" 50
jwait
[ "$(cat "$SB_DIR/seen.w")" = 0 ] && [ "$(cat "$SB_DIR/seen.b")" = 0 ]
ok $? "later fragments a never sent a first fragment for are dropped (world: $(cat "$SB_DIR/seen.w"), b: $(cat "$SB_DIR/seen.b"))"

t_done
