#!/usr/bin/env bash
# Per-class accounting (tc/bpf.c) through the real kernel: the programs on
# the host side of the sandbox's veth count what the world namespace (in
# the container's place) sends and receives, by peer address through the
# LPM trie; ARP and trie misses go to class 0; the counts match the link's,
# outlive the process that attached them, and survive a program swap.
. "$(dirname "$0")/lib.sh"

H=$SB_HOST_IP H2=198.19.0.1 H3=198.18.0.3
FRAME=1042	# ping -s 1000: 1000 + ICMP 8 + IPv4 20 + Ethernet 14
ARP=42		# an ARP frame on a veth: Ethernet 14 + ARP 28, no padding
PROBE=$top_builddir/tests/integration/acct_bpf_probe
probe() { sb_host "$PROBE" "$@"; }
pings() { sb_world ping -q -c "$1" -i 0.2 -s 1000 -W 2 "$2" >/dev/null; }
# count DIR CI FIELD: bytes (3) or packets (4) of one class in the last read.
count() { awk -v d="$1" -v c="$2" -v f="$3" '$1 == d && $2 == c { v = $f } END { print v + 0 }' "$SB_DIR/read"; }
read_counts() { probe read eth0 >"$SB_DIR/read"; }
# link DIR FIELD: the host veth's own counter (tx: what the world received).
link() { sb_host ip -s -j link show eth0 | jq ".[0].stats64.$1.$2"; }
near() { local d=$(($1 - $2)); [ "${d#-}" -le "$3" ]; }	# near A B TOLERANCE

# Three more host addresses to tell classes apart: 198.18.0.3 falls to the
# /15 (its /32 neighbour .2 has its own class), 198.19.0.1 to the /16.
sb_host ip addr add "$H2/32" dev eth0
sb_host ip addr add "$H3/32" dev eth0
sb_world ip route add 198.19.0.0/16 via "$H"
# Only ARP may be other than IPv4 on the link: no IPv6 router
# solicitations or MLD reports.
for ns in sb_host sb_world; do
	$ns sysctl -qw net.ipv6.conf.eth0.disable_ipv6=1 2>/dev/null || true
done

probe supported
ok $? "the program loads on this kernel"
probe trie-errors
ok $? "trie: bad prefix length and class refused, missing prefix is ENOENT"
probe read lo >/dev/null 2>&1
ok $([ $? = 2 ] && echo 0 || echo 1) "no accounting filter on lo: find gives ENOENT"

tx0=$(link tx bytes) txp0=$(link tx packets) rx0=$(link rx bytes) rxp0=$(link rx packets)
out=$(probe attach eth0 1=$H/32 2=198.19.0.0/16 3=198.18.0.0/15)
ok $? "attach: clsact, trie, counters, RX on egress and TX on ingress at prio 1"
map=${out#map }
[ "$(sb_host tc filter show dev eth0 egress | grep -c 'netisol_acct direct-action')" = 1 ] &&
	[ "$(sb_host tc filter show dev eth0 ingress | grep -c 'netisol_acct direct-action')" = 1 ]
ok $? "one netisol_acct direct-action filter on each clsact hook"

# Fresh neighbours on both ends: the ARP exchange happens under the filters.
sb_host ip neigh flush dev eth0
sb_world ip neigh flush dev eth0
pings 5 "$H"; ok $? "5 pings world -> $H"
pings 3 "$H2"; ok $? "3 pings world -> $H2"
pings 2 "$H3"; ok $? "2 pings world -> $H3"
read_counts
ok $? "read after the attaching process exited"
diag "$(tr '\n' ';' <"$SB_DIR/read")"
[ "$(head -1 "$SB_DIR/read")" = "map $map" ]
ok $? "the filters hold the counters map the attach made (map $map)"
for c in "1 5" "2 3" "3 2"; do
	set -- $c
	for d in rx tx; do
		[ "$(count $d $1 4)" = "$2" ] && [ "$(count $d $1 3)" = $(($2 * FRAME)) ]
		ok $? "$d class $1: $2 packets, $(($2 * FRAME)) bytes (got $(count $d $1 4), $(count $d $1 3))"
	done
done
for d in rx tx; do
	p=$(count $d 0 4) b=$(count $d 0 3)
	[ "$p" -ge 1 ] && [ "$b" = $((p * ARP)) ]
	ok $? "$d class 0: the ARP frames ($p, $b bytes)"
done
! awk '$1 ~ /^[rt]x$/ && $2 !~ /^[0-3]$/ { bad = 1 } END { exit !bad }' "$SB_DIR/read"
ok $? "no other class counted"

sum() { awk -v d="$1" -v f="$2" '$1 == d { s += $f } END { print s + 0 }' "$SB_DIR/read"; }
ltx=$(($(link tx bytes) - tx0)) ltxp=$(($(link tx packets) - txp0))
lrx=$(($(link rx bytes) - rx0)) lrxp=$(($(link rx packets) - rxp0))
near "$(sum rx 4)" "$ltxp" 3 && near "$(sum rx 3)" "$ltx" $((3 * FRAME))
ok $? "RX total $(sum rx 4) packets $(sum rx 3) bytes = host veth tx $ltxp, $ltx"
near "$(sum tx 4)" "$lrxp" 3 && near "$(sum tx 3)" "$lrx" $((3 * FRAME))
ok $? "TX total $(sum tx 4) packets $(sum tx 3) bytes = host veth rx $lrxp, $lrx"

# TC_ACT_UNSPEC: a drop at egress prio 2 still runs after the count.
sb_host tc filter add dev eth0 egress prio 2 protocol ip bpf bytecode '1,6 0 0 2,' da
! pings 2 "$H"
ok $? "a drop filter at egress prio 2 still runs after ours: the replies are lost"
sb_host tc filter del dev eth0 egress prio 2
read_counts
[ "$(count tx 1 4)" = 7 ] && [ "$(count rx 1 4)" = 7 ]
ok $? "the lost replies were counted before the drop (rx 1: $(count rx 1 4) packets)"

# A new trie and programs over the same counters, replacing the filters.
out=$(probe attach eth0 --reuse 4=$H/32)
ok $? "re-attach with a new trie over the existing counters (replace)"
[ "$out" = "map $map" ]
ok $? "the counters map is the same ($out)"
z0=$(count tx 0 4) zb0=$(count tx 0 3)
pings 1 "$H"; pings 2 "$H2"
read_counts
[ "$(count tx 1 4)" = 7 ] && [ "$(count rx 1 4)" = 7 ] && [ "$(count tx 4 4)" = 1 ] &&
	[ "$(count rx 4 3)" = $FRAME ]
ok $? "counts kept across the swap; $H now counts in class 4"
zp=$(($(count tx 0 4) - z0)) zb=$(($(count tx 0 3) - zb0))
[ "$zp" -ge 2 ] && [ "$zb" = $((2 * FRAME + (zp - 2) * ARP)) ]
ok $? "a trie miss ($H2, no longer in the trie) counts in class 0 (+$zp, +$zb bytes)"
[ "$(sb_host tc filter show dev eth0 ingress | grep -c 'netisol_acct')" = 1 ]
ok $? "still one filter on ingress"

# Chained meters' programs made ahead (acct/spare.h): two ready, taken
# (each its own counters), none left right after, made again, all closed.
out=$("$PROBE" spares | tr '\n' ' ')
[ "$out" = "ready 2 took 1 1 ids distinct third 0 again 2 fds 0 " ]
ok $? "spare counting programs: $out"

# Valgrind cannot run a sanitizer build (scripts/test.sh --sanitize): that
# run has ASan's own leak check instead.
if command -v valgrind >/dev/null && ! ldd "$PROBE" | grep -q libasan; then
	vg() { sb_host valgrind -q --leak-check=full --errors-for-leak-kinds=definite,indirect \
		--error-exitcode=99 "$PROBE" "$@"; }
	vg attach eth0 --reuse 4=$H/32 >/dev/null 2>"$SB_DIR/vg.log" &&
		vg read eth0 >/dev/null 2>>"$SB_DIR/vg.log" &&
		vg spares >/dev/null 2>>"$SB_DIR/vg.log"
	rc=$?
	[ $rc = 0 ] || sed 's/^/#   /' "$SB_DIR/vg.log"
	ok $rc "attach, read and spares under valgrind: no errors, no leaks"
fi
t_done
