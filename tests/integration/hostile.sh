#!/usr/bin/env bash
# A hostile tenant: root inside container A writes raw frames on its eth0
# (spoofed addresses, forged MACs and ARP, ICMP of every kind) while the
# world and neighbour B capture. Only what the host itself could have sent
# may arrive, and A is billed for none of the rest. Each refusal has a
# positive control beside it (the same frame, made legitimate, arrives),
# so the test fails if the capture does not see anything at all.
. "$(dirname "$0")/lib.sh"

RAW=${top_builddir}/tests/integration/rawframe
W=$SB_WORLD_IP H=$SB_HOST_IP
agent_start --accounting_interval=1secs || { cat "$SB_DIR/agent.log"; exit 1; }
ctl create a --ports '[31000-31009]' >/dev/null && ctl create b --ports '[31100-31109]' >/dev/null
ok $? "containers a and b"

# (nsenter keeps the root namespace's /sys: ask the kernel by netlink.)
mac_of() { "$@" ip -o link show eth0 | sed -n 's/.*link\/ether \([0-9a-f:]*\).*/\1/p'; }
HMAC=$(mac_of sb_host) WMAC=$(mac_of sb_world)
FAKE=02:de:ad:be:ef:01
BCAST=ff:ff:ff:ff:ff:ff
hx() { tr -d ':' <<<"$1"; }
ip_hx() { local IFS=.; printf '%02x' $1; }
str_hx() { printf '%s' "$1" | od -An -tx1 | tr -d ' \n'; }
# eth DST SRC TYPE: an Ethernet header
eth() { printf '%s%s%s' "$(hx "$1")" "$(hx "$2")" "$3"; }
# ipv4 SRC DST PROTO L4-HEX: an IPv4 packet (rawframe fills the checksums)
ipv4() { printf '4500%04x0000400040%02x0000%s%s%s' $((20 + ${#4} / 2)) "$3" "$(ip_hx "$1")" \
	"$(ip_hx "$2")" "$4"; }
udp() { printf '%04x%04x%04x0000%s' "$1" "$2" $((8 + ${#3} / 2)) "$3"; }	# SPORT DPORT DATA
syn() { printf '%04x%04x00000001000000005002ffff00000000%s' "$1" "$2" "$3"; }
icmp() { printf '%02x%02x000000000000%s' "$1" "$2" "$3"; }	# TYPE CODE DATA
# arp OP SHA SPA THA TPA [TRAILER]
arp() { printf '00010800060400%02x%s%s%s%s%s' "$1" "$(hx "$2")" "$(ip_hx "$3")" "$(hx "$4")" \
	"$(ip_hx "$5")" "$6"; }

# seen WHERE MARK FRAME [COUNT]: how many frames carrying MARK arrive on
# WHERE's eth0 (world, or container b) while a sends FRAME.
seen() {
	local where=$1 mark; mark=$(str_hx "$2")
	case $where in
	world) sb_world "$RAW" count eth0 "$mark" 1.5 >"$SB_DIR/seen" & ;;
	b) in_ct b "$RAW" count eth0 "$mark" 1.5 >"$SB_DIR/seen" & ;;
	esac
	sleep 0.3
	in_ct a "$RAW" send eth0 "$3" "${4:-1}"
	wait
	cat "$SB_DIR/seen"
}
# refused WHAT WHERE FRAME [COUNT]: nothing of it arrives
refused() {
	local n; n=$(seen "$2" "$1" "$3" "$4")
	[ "$n" = 0 ]; ok $? "refused: $1 (arrived: $n)"
}
arrives() {
	local n; n=$(seen "$2" "$1" "$3" "$4")
	[ "${n:-0}" -ge 1 ]; ok $? "arrives: $1 (arrived: $n)"
}
m() { str_hx "$1"; }

tx_link() { in_ct a cat /proc/net/dev | awk -F'[: ]+' '$2 == "eth0" { print $11 }'; }
sleep 2.2
billed0=$(billed a tx) link0=$(tx_link)

# --- addresses
arrives "udp-legit" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 "$H" "$W" 17 "$(udp 31000 9 "$(m udp-legit)")")"
refused "udp-spoofed-src-198.18.0.77" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 198.18.0.77 "$W" 17 "$(udp 31000 9 "$(m udp-spoofed-src-198.18.0.77)")")"
refused "udp-spoofed-src-203.0.113.5" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 203.0.113.5 "$W" 17 "$(udp 31000 9 "$(m udp-spoofed-src-203.0.113.5)")")"
arrives "udp-to-b-legit" b "$(eth "$HMAC" "$HMAC" 0800)$(ipv4 "$H" "$H" 17 "$(udp 31000 31100 "$(m udp-to-b-legit)")")"
refused "udp-to-b-spoofed" b "$(eth "$HMAC" "$HMAC" 0800)$(ipv4 198.18.0.77 "$H" 17 "$(udp 31000 31100 "$(m udp-to-b-spoofed)")")"
refused "syn-to-b-as-the-world" b "$(eth "$HMAC" "$HMAC" 0800)$(ipv4 "$W" "$H" 6 "$(syn 31000 31100 "$(m syn-to-b-as-the-world)")")"
refused "udp-to-127.0.0.2-via-eth0" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 "$H" 127.0.0.2 17 "$(udp 31000 9 "$(m udp-to-127.0.0.2-via-eth0)")")"
refused "udp-from-127.0.0.1-to-the-world" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 127.0.0.1 "$W" 17 "$(udp 31000 9 "$(m udp-from-127.0.0.1-to-the-world)")")"
refused "udp-unowned-port-22" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 "$H" "$W" 17 "$(udp 22 9 "$(m udp-unowned-port-22)")")"
refused "udp-from-b-s-port" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 "$H" "$W" 17 "$(udp 31100 9 "$(m udp-from-b-s-port)")")" 500
refused "udp-forged-mac" world "$(eth "$WMAC" "$FAKE" 0800)$(ipv4 "$H" "$W" 17 "$(udp 31000 9 "$(m udp-forged-mac)")")"
refused "mac-flood-2000" world "$(hx "$WMAC")02deadbe{mac}0800$(ipv4 "$H" "$W" 17 "$(udp 31000 9 "$(m mac-flood-2000)")")" 2000
refused "ipv6" world "$(eth "$WMAC" "$HMAC" 86dd)6000000000081140$(printf '2001000200000000000000000000000%s' 2)$(printf '2001000200000000000000000000000%s' 1)$(udp 31000 9 "$(m ipv6)")"

# --- ARP
arrives "arp-request-legit" world "$(eth "$BCAST" "$HMAC" 0806)$(arp 1 "$HMAC" "$H" 00:00:00:00:00:00 "$W" "$(m arp-request-legit)")"
refused "arp-reply-host-is-at-fake" world "$(eth "$WMAC" "$HMAC" 0806)$(arp 2 "$FAKE" "$H" "$WMAC" "$W" "$(m arp-reply-host-is-at-fake)")"
refused "arp-reply-host-is-at-host" world "$(eth "$WMAC" "$HMAC" 0806)$(arp 2 "$HMAC" "$H" "$WMAC" "$W" "$(m arp-reply-host-is-at-host)")"
refused "arp-reply-gateway-is-at" world "$(eth "$BCAST" "$HMAC" 0806)$(arp 2 "$HMAC" "$W" "$BCAST" "$W" "$(m arp-reply-gateway-is-at)")"
refused "arp-gratuitous" world "$(eth "$BCAST" "$HMAC" 0806)$(arp 1 "$HMAC" "$H" 00:00:00:00:00:00 "$H" "$(m arp-gratuitous)")"
refused "arp-request-forged-sender-mac" world "$(eth "$BCAST" "$HMAC" 0806)$(arp 1 "$FAKE" "$H" 00:00:00:00:00:00 "$W" "$(m arp-request-forged-sender-mac)")"
refused "arp-request-as-the-gateway" world "$(eth "$BCAST" "$HMAC" 0806)$(arp 1 "$HMAC" "$W" 00:00:00:00:00:00 198.18.0.9 "$(m arp-request-as-the-gateway)")"
for _ in 1 2 3 4; do	# what poisoned the world for 70-90 s before
	in_ct a "$RAW" send eth0 "$(eth "$WMAC" "$HMAC" 0806)$(arp 2 "$FAKE" "$H" "$WMAC" "$W")"
	sleep 0.25
done
! sb_world ip neigh show "$H" | grep -qi "$FAKE"
ok $? "the world's neighbour entry for the host IP is not the forged MAC"
sb_world ping -c 1 -W 2 "$H" >/dev/null
ok $? "the world still reaches the host"

# --- ICMP
arrives "icmp-echo-legit" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 "$H" "$W" 1 "$(icmp 8 0 "$(m icmp-echo-legit)")")"
for t in 5:redirect 9:router-advert 10:router-solicit 13:timestamp 17:mask-request 42:extended-echo; do
	refused "icmp-${t#*:}" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 "$H" "$W" 1 "$(icmp "${t%%:*}" 0 "$(m "icmp-${t#*:}")")")"
done
# errors about a flow: only one the container could have received
quoted() { ipv4 "$W" "$H" 17 "$(udp 5555 "$1" "")"; }	# world:5555 -> host:PORT
arrives "icmp-unreachable-about-a-s-flow" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 "$H" "$W" 1 "$(icmp 3 3 "$(quoted 31000)$(m icmp-unreachable-about-a-s-flow)")")"
refused "icmp-unreachable-about-b-s-flow" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 "$H" "$W" 1 "$(icmp 3 3 "$(quoted 31100)$(m icmp-unreachable-about-b-s-flow)")")"
refused "icmp-frag-needed-about-b-s-flow" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 "$H" "$W" 1 "$(icmp 3 4 "$(quoted 31100)$(m icmp-frag-needed-about-b-s-flow)")")"
refused "icmp-time-exceeded-quoting-the-world" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 "$H" "$W" 1 "$(icmp 11 0 "$(ipv4 "$H" "$W" 17 "$(udp 31000 9 "")")$(m icmp-time-exceeded-quoting-the-world)")")"
refused "icmp-echo-spoofed-src" world "$(eth "$WMAC" "$HMAC" 0800)$(ipv4 203.0.113.5 "$W" 1 "$(icmp 8 0 "$(m icmp-echo-spoofed-src)")")"
in_ct a ping -c 2 -i 0.2 -W 2 "$W" >/dev/null
ok $? "ping a -> world still works"
in_ct a arping -c 2 -w 3 -I eth0 "$W" >/dev/null
ok $? "arping from inside a still resolves the gateway"

# --- ICMP from the world: an error goes to the container whose flow it quotes
# demux WHAT FRAME [COUNT]: "in_a in_b" while the world sends FRAME
demux() {
	local mark; mark=$(str_hx "$1")
	in_ct a "$RAW" count eth0 "$mark" 1.5 >"$SB_DIR/seen.a" &
	in_ct b "$RAW" count eth0 "$mark" 1.5 >"$SB_DIR/seen.b" &
	sleep 0.3
	sb_world "$RAW" send eth0 "$2" "${3:-1}"
	wait
	echo "$(cat "$SB_DIR/seen.a") $(cat "$SB_DIR/seen.b")"
}
about() { ipv4 "$H" "$W" 17 "$(udp "$1" 5555 "")"; }	# host:PORT -> world:5555
to_host() { printf '%s' "$(eth "$HMAC" "$WMAC" 0800)$(ipv4 "$W" "$H" 1 "$(icmp 3 "$1" "$(about "$2")$(m "$3")")")"; }
read -r na nb <<<"$(demux unreach-about-a "$(to_host 3 31000 unreach-about-a)")"
[ "$na" -ge 1 ] && [ "$nb" = 0 ]
ok $? "a port unreachable about a's flow reaches a only (a: $na, b: $nb)"
read -r na nb <<<"$(demux fragneeded-about-b "$(to_host 4 31100 fragneeded-about-b)")"
[ "$na" = 0 ] && [ "$nb" -ge 1 ]
ok $? "a fragmentation-needed about b's flow reaches b only (a: $na, b: $nb)"
read -r na nb <<<"$(demux unreach-about-the-host "$(to_host 3 22 unreach-about-the-host)" 300)"
[ "$na" = 0 ] && [ "$nb" = 0 ]
ok $? "300 errors about a flow of the host's reach no container (a: $na, b: $nb)"

# --- billing: a sent > 2500 refused frames; none is in its history
sleep 2.2
billed=$(( $(billed a tx) - billed0 )) sent=$(( $(tx_link) - link0 ))
diag "a's eth0 sent $sent bytes meanwhile; its history grew by $billed"
[ "$sent" -gt 100000 ] && [ "$billed" -lt 20000 ]
ok $? "refused frames are not billed (sent $sent B, billed $billed B)"

# --- the agent's API from inside a container: itself only, read-only
inside() { in_ct a curl -s -m 5 -w '\n%{http_code}' "$@"; }
out=$(inside http://127.0.0.1:5051/containers)
[ "${out##*$'\n'}" = 200 ] && [ "$(jq -r '[.[].container_id] | join(",")' <<<"${out%$'\n'*}")" = a ]
ok $? "from inside a, GET /containers lists only a"
out=$(inside "http://127.0.0.1:5051/monitor/statistics.json")
[ "$(jq -r '[.[].container_id] | join(",")' <<<"${out%$'\n'*}")" = a ]
ok $? "from inside a, statistics.json has only a"
out=$(inside http://127.0.0.1:5051/metrics)
grep -q 'container_id="a"' <<<"$out" && ! grep -q 'container_id="b"' <<<"$out" &&
	! grep -q '{id="/"' <<<"$out"
ok $? "from inside a, /metrics has only a's series (not the host's id=\"/\" ones)"
out=$(inside -u nobody:wrong "http://127.0.0.1:5051/containers/b")
out2=$(inside "http://127.0.0.1:5051/containers/nosuch")
[ "${out##*$'\n'}" = 403 ] && [ "${out2##*$'\n'}" = 403 ]
ok $? "from inside a, GET /containers/b is 403 as for an id that does not exist"
out=$(inside "http://127.0.0.1:5051/containers/b/kernel")
out2=$(inside "http://127.0.0.1:5051/containers/a/kernel")
[ "${out##*$'\n'}" = 403 ] && [ "${out2##*$'\n'}" = 200 ]
ok $? "from inside a, b's /kernel check is 403, its own is served"
out=$(inside "http://127.0.0.1:5051/accounting?container_id=b")
[ "${out##*$'\n'}" != 200 ]
ok $? "from inside a, b's /accounting is refused (${out##*$'\n'})"
out=$(inside "http://127.0.0.1:5051/accounting?container_id=a")
[ "${out##*$'\n'}" = 200 ]
ok $? "from inside a, its own /accounting is served, without credentials"
out=$(inside -X DELETE http://127.0.0.1:5051/containers/b)
[ "${out##*$'\n'}" = 403 ] && api GET /containers/b && [ "$API_STATUS" = 200 ]
ok $? "from inside a, DELETE /containers/b is 403 and b stays"
[ "$(sb_host curl -s -m 5 http://127.0.0.1:5051/containers | jq length)" = 2 ]
ok $? "a host-local client still sees both containers"

# 200 idle connections from inside a: the host's clients are not locked out
in_ct a bash -c 'for i in $(seq 200); do exec {fd}<>/dev/tcp/127.0.0.1/5051 || break; done; sleep 4' \
	>/dev/null 2>&1 &
hold=$!
sleep 1.5
t0=$(date +%s%N)
sb_host curl -sf -m 1 http://127.0.0.1:5051/health >/dev/null
rc=$? ms=$(( ($(date +%s%N) - t0) / 1000000 ))
ok $rc "200 idle connections from inside a: the host's /health answers (${ms} ms)"
out=$(inside http://127.0.0.1:5051/health)
[ "${out##*$'\n'}" != 200 ]
ok $? "a's own next connection is refused while it holds its quota of 8"
wait $hold 2>/dev/null
# a client that never finishes its request header is cut at the deadline
t0=$(date +%s)
sb_host timeout 12 bash -c 'exec 3<>/dev/tcp/127.0.0.1/5051; printf "GET /hea" >&3; cat <&3 >/dev/null'
rc=$? s=$(( $(date +%s) - t0 ))
[ $rc = 0 ] && [ $s -le 8 ]
ok $? "a client that sends half a request header is cut after ${s} s (deadline 5 s, idle timeout 30 s)"

t_done
