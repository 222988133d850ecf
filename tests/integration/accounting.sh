#!/usr/bin/env bash
# Traffic accounting through the kernel: per-class counting (two world
# peers in different classes, local traffic), the history against the
# payloads and the link counters, kill -9 / SIGTERM / destroy without loss
# or double count, a veth re-created by hand, rollups, retention, SIGHUP.
. "$(dirname "$0")/lib.sh"

W=$SB_WORLD_IP H=$SB_HOST_IP W2=198.19.0.1 MiB=1048576
CLASSES=$SB_DIR/classes
DB=$SB_DIR/work/netisol.db
mkdir -p "$SB_DIR"
printf '# test classes\n1 0.0.0.0/0\n2 198.19.0.0/16\n' >"$CLASSES"
sb_world ip addr add $W2/32 dev lo

q() { sqlite3 "file:$DB?mode=ro" "$1" 2>/dev/null; }
# sum BY CLASS FIELD [ID]: the history's total of one class and field.
sum() {
	q "SELECT COALESCE(SUM(h.$3),0) FROM acct_$1 h JOIN acct_container c USING (ck)
	   JOIN acct_class k USING (ci) WHERE c.id = '${4:-a1}' AND k.name = '$2'"
}
total() {	# total FIELD [ID]: every class
	q "SELECT COALESCE(SUM(h.$1),0) FROM acct_day h JOIN acct_container c USING (ck)
	   WHERE c.id = '${2:-a1}'"
}
ratio_in() {	# ratio_in VALUE REF LO HI
	awk -v v="$1" -v r="$2" -v lo="$3" -v hi="$4" 'BEGIN { x = v / r; printf "%.4f", x; exit !(x >= lo && x <= hi) }'
}
veth_of() { ctl list --json | jq -r ".[] | select(.container_id==\"$1\") | .host_veth"; }
link() { sb_host ip -s -j link show dev "$1" | jq ".[0].stats64.$2"; }
# The container's own eth0: the fast path delivers to it past the host veth.
ctlink() { in_ct "$1" ip -s -j link show dev eth0 | jq ".[0].stats64.$2"; }
# One whole interval with no traffic: every delta so far is written.
settle() { sleep "${1:-2.5}"; }
send() {	# send ID DST PORT BYTES: payload from the container to DST
	in_ct "$1" bash -c "head -c $4 /dev/zero | socat -u - TCP4:$2:$3"
}
recv() {	# recv ID PORT SRC BYTES: payload from the world (bound to SRC) into ID
	sb_bg in_ct "$1" socat -u TCP4-LISTEN:"$2",reuseaddr OPEN:/dev/null
	sleep 0.3
	sb_world bash -c "head -c $4 /dev/zero | socat -u - TCP4:$H:$2,bind=$3"
}

agent_start --accounting_interval=2secs --network_classes="$CLASSES" ||
	{ cat "$SB_DIR/agent.log"; exit 1; }
ctl create a1 --ports '[31000-31001]' >/dev/null && ctl create a2 --ports '[31002-31002]' >/dev/null
ok $? "two containers"
sb_bg sb_world socat -u TCP4-LISTEN:5201,reuseaddr,fork OPEN:/dev/null
sleep 0.3

# ---- classes: 6 MiB to class 1, 3 MiB to class 2, 2 MiB from each ----
send a1 $W 5201 $((6 * MiB)) && send a1 $W2 5201 $((3 * MiB))
recv a1 31000 $W $((2 * MiB)) && recv a1 31001 $W2 $((2 * MiB))
ok $? "traffic to and from two world peers"
settle
r=$(ratio_in "$(sum day 1 tx_bytes)" $((6 * MiB)) 1.00 1.10); ok $? "class 1 tx: $r of 6 MiB"
r=$(ratio_in "$(sum day 2 tx_bytes)" $((3 * MiB)) 1.00 1.10); ok $? "class 2 tx: $r of 3 MiB"
r=$(ratio_in "$(sum day 1 rx_bytes)" $((2 * MiB)) 1.00 1.10); ok $? "class 1 rx: $r of 2 MiB"
r=$(ratio_in "$(sum day 2 rx_bytes)" $((2 * MiB)) 1.00 1.10); ok $? "class 2 rx: $r of 2 MiB"
v=$(veth_of a1)
r=$(ratio_in "$(total tx_bytes)" "$(link "$v" rx.bytes)" 0.999 1.001)
ok $? "tx over every class = the veth's link counter ($r)"
r=$(ratio_in "$(total rx_bytes)" "$(ctlink a1 rx.bytes)" 0.999 1.001)
ok $? "rx over every class = the container eth0's link counter ($r)"
p=$(q "SELECT SUM(tx_packets) FROM acct_day h JOIN acct_container c USING (ck) WHERE c.id='a1'")
[ "$p" = "$(link "$v" rx.packets)" ]; ok $? "tx packets = the veth's ($p)"

# ---- the same history through the API, netisolctl and /metrics ----
api GET "/accounting?container_id=a1&by=day"
j() { echo "$API_BODY" | jq -r "$1"; }
[ "$API_STATUS" = 200 ] && [ "$(j .timezone)" = UTC ] &&
	[ "$(j '.rows[] | select(.class=="1") | .tx_bytes')" = "$(sum day 1 tx_bytes)" ] &&
	[ "$(j '.rows[] | select(.class=="2") | .rx_bytes')" = "$(sum day 2 rx_bytes)" ] &&
	[ "$(j '.rows[0].start')" = "$(date -u +%Y-%m-%dT00:00:00Z)" ]
ok $? "GET /accounting?by=day has the history's rows, UTC day starts"
api GET "/accounting?container_id=a1&by=minute&class=2"
[ "$(j '[.rows[].tx_bytes] | add')" = "$(sum minute 2 tx_bytes)" ] && [ "$(j '[.rows[].class] | unique | join(",")')" = 2 ]
ok $? "by=minute&class=2: only class 2, summing to the minute rows"
api GET "/accounting/top?by=day&limit=1"
[ "$(j '.rows | length')" = 1 ] && [ "$(j '.rows[0].container_id')" = a1 ]
ok $? "/accounting/top?by=day&limit=1 names a1, the heaviest"
api GET "/accounting?container_id=a1&by=fortnight"
[ "$API_STATUS" = 400 ]; ok $? "by=fortnight is refused with 400"
api GET "/accounting?container_id=nosuch&by=day"
[ "$API_STATUS" = 404 ]; ok $? "an unknown container is 404"
out=$(ctl traffic a1 -d)
echo "$out" | grep -q "$(date -u +%Y-%m-%d)" && echo "$out" | grep -qi "total"
ok $? "netisolctl traffic a1 -d prints today's row and a total"
api GET "/accounting?container_id=a1&by=hour"
[ "$(ctl traffic a1 -h --json | jq -c '[.rows[] | select(.class=="1")]')" = "$(echo "$API_BODY" | jq -c '[.rows[] | select(.class=="1")]')" ]
ok $? "netisolctl traffic --json is the endpoint's JSON"
m=$(sb_host curl -s http://127.0.0.1:5051/metrics)
v=$(echo "$m" | awk '/^netisol_accounting_bytes_total\{container_id="a1".*class="1",direction="tx"/ { print $2 }')
[ "$v" = "$(sum day 1 tx_bytes)" ]; ok $? "netisol_accounting_bytes_total{class=\"1\",direction=\"tx\"} = $v"
echo "$m" | awk -f "$top_srcdir/tests/integration/promcheck.awk" >/dev/null
ok $? "/metrics is still valid Prometheus text"

# ---- local: container -> host, container -> container ----
sb_bg sb_host socat -u TCP4-LISTEN:5300,bind=$H,reuseaddr,fork OPEN:/dev/null
sb_bg in_ct a2 socat -u TCP4-LISTEN:31002,reuseaddr,fork OPEN:/dev/null
sleep 0.3
before1=$(sum day 1 tx_bytes) before2=$(sum day 2 tx_bytes)
send a1 $H 5300 $MiB && send a1 $H 31002 $MiB && send a1 127.0.0.1 31002 $MiB
ok $? "a1 -> host and a1 -> a2 (host IP and 127.0.0.1)"
settle
r=$(ratio_in "$(sum day local tx_bytes)" $((3 * MiB)) 1.00 1.10); ok $? "a1's local tx: $r of 3 MiB"
r=$(ratio_in "$(sum day local rx_bytes a2)" $((2 * MiB)) 1.00 1.10); ok $? "a2's local rx: $r of 2 MiB"
[ "$(sum day 1 tx_bytes)" = "$before1" ] && [ "$(sum day 2 tx_bytes)" = "$before2" ] &&
	[ "$(sum day 1 rx_bytes a2)" = 0 ]
ok $? "local traffic is in no external class"

# ---- rollups ----
eq=1
for f in rx_bytes tx_bytes rx_packets tx_packets; do
	m=$(q "SELECT SUM($f) FROM acct_minute"); h=$(q "SELECT SUM($f) FROM acct_hour")
	d=$(q "SELECT SUM($f) FROM acct_day"); mo=$(q "SELECT SUM($f) FROM acct_month")
	[ "$m" = "$h" ] && [ "$h" = "$d" ] && [ "$d" = "$mo" ] || eq=0
done
bad=$(q "SELECT COUNT(*) FROM acct_hour h WHERE tx_bytes != (SELECT SUM(tx_bytes) FROM acct_minute m
	WHERE m.ck = h.ck AND m.ci = h.ci AND m.ts >= h.ts AND m.ts < h.ts + 3600)")
[ $eq = 1 ] && [ "$bad" = 0 ]; ok $? "hour, day and month rows equal the sum of their minutes"

# ---- kill -9 between passes, then SIGTERM: no loss, no double count ----
agent_stop; agent_start --accounting_interval=1mins --network_classes="$CLASSES" ||
	{ cat "$SB_DIR/agent.log"; exit 1; }
t0=$(sum day 1 tx_bytes)
send a1 $W 5201 $MiB
kill -9 "$SB_AGENT_PID"; wait "$SB_AGENT_PID" 2>/dev/null; SB_AGENT_PID=
agent_start --accounting_interval=1mins --network_classes="$CLASSES" || exit 1
send a1 $W 5201 $MiB
agent_stop; ok $? "kill -9 after 1 MiB, restart, 1 MiB more, SIGTERM"
r=$(ratio_in "$(( $(sum day 1 tx_bytes) - t0 ))" $((2 * MiB)) 1.00 1.10)
ok $? "the history grew by the 2 MiB sent ($r)"
# A stop's final pass takes what was still in flight when the last one ran
# (the closing ACK of the send above); from there, a start and a stop
# without traffic must add nothing.
agent_start --accounting_interval=1mins --network_classes="$CLASSES" || exit 1
agent_stop
t1=$(sum day 1 tx_bytes)
agent_start --accounting_interval=1mins --network_classes="$CLASSES" || exit 1
agent_stop
t2=$(sum day 1 tx_bytes)
[ "$t2" = "$t1" ]; ok $? "a restart without traffic adds nothing ($t1 -> $t2 bytes)"
agent_start --accounting_interval=1mins --network_classes="$CLASSES" || exit 1

# ---- destroyed mid-interval ----
ctl create a3 >/dev/null
send a3 $W 5201 $((3 * MiB)) && ctl destroy a3
ok $? "a3 sends 3 MiB and is destroyed at once"
r=$(ratio_in "$(sum day 1 tx_bytes a3)" $((3 * MiB)) 1.00 1.10); ok $? "a3's history has them ($r)"

# ---- kill -9 half-way through a destroy (after its last pass, before its
# veth goes): recovery finishes it off and counts nothing twice ----
agent_stop
[ "$(q "SELECT COUNT(*) FROM acct_last JOIN acct_container USING (ck) WHERE id='a3'")" = 0 ]
ok $? "a3's last counters went with the next pass, its history stays"
NETISOL_TEST_ABORT_STEP=13 agent_start --accounting_interval=1mins --network_classes="$CLASSES" || exit 1
ctl create a4 >/dev/null
send a4 $W 5201 $((2 * MiB))
ctl destroy a4 >/dev/null 2>&1
wait "$SB_AGENT_PID" 2>/dev/null; SB_AGENT_PID=
agent_start --accounting_interval=1mins --network_classes="$CLASSES" || exit 1
r=$(ratio_in "$(sum day 1 tx_bytes a4)" $((2 * MiB)) 1.00 1.10)
ok $? "agent killed mid-destroy of a4, restarted: a4's 2 MiB counted once ($r)"
[ -z "$(ctl list --json | jq -r '.[] | select(.container_id=="a4") | .container_id')" ]
ok $? "recovery finished the destroy of a4"

# ---- retention: rows older than the setting go, newer stay ----
agent_stop
now=$(date +%s)
sqlite3 "$DB" "INSERT INTO acct_minute VALUES (1, $((now - 3 * 86400)), 0, 1, 1, 1, 1),
	(1, $((now - 47 * 3600)), 0, 1, 1, 1, 1);
	INSERT INTO acct_hour VALUES (1, $((now - 70 * 86400)), 0, 1, 1, 1, 1),
	(1, $((now - 61 * 86400)), 0, 1, 1, 1, 1)"
printf '{"credentials":[{"principal":"ops","secret":"o"},{"principal":"alice","secret":"a","containers":["a2"]}]}' >"$SB_DIR/creds"
agent_start --accounting_interval=1secs --network_classes="$CLASSES" \
	--authenticate_http_readonly --http_credentials="$SB_DIR/creds" || exit 1
settle 2.5
tcode() { sb_host curl -s -o /dev/null -w '%{http_code}' -u "$1" "http://127.0.0.1:5051$2"; }
[ "$(tcode alice:a '/accounting?container_id=a2&by=day')" = 200 ] &&
	[ "$(tcode alice:a '/accounting?container_id=a1&by=day')" = 403 ] &&
	[ "$(tcode ops:o '/accounting?container_id=a1&by=day')" = 200 ]
ok $? "tenant alice reads a2's history, gets 403 for a1's; the operator reads both"
top=$(sb_host curl -s -u alice:a 'http://127.0.0.1:5051/accounting/top?by=day&limit=10' | jq -r '[.rows[].container_id] | join(",")')
[ "$top" = a2 ]; ok $? "alice's /accounting/top lists only a2 ($top)"
[ "$(q "SELECT COUNT(*) FROM acct_minute WHERE ts = $((now - 3 * 86400))")" = 0 ] &&
	[ "$(q "SELECT COUNT(*) FROM acct_minute WHERE ts = $((now - 47 * 3600))")" = 1 ] &&
	[ "$(q "SELECT COUNT(*) FROM acct_hour WHERE ts = $((now - 70 * 86400))")" = 0 ] &&
	[ "$(q "SELECT COUNT(*) FROM acct_hour WHERE ts = $((now - 61 * 86400))")" = 1 ]
ok $? "retention: a 3-day-old minute and a 70-day-old hour pruned; 47 h and 61 days kept"

# ---- SIGHUP: 198.19/16 becomes class 3; counted so far stays in class 2 ----
c2=$(sum day 2 tx_bytes)
printf '1 0.0.0.0/0\n3 198.19.0.0/16\n' >"$CLASSES"
kill -HUP "$SB_AGENT_PID"; sleep 0.3
send a1 $W2 5201 $MiB
settle
r=$(ratio_in "$(sum day 3 tx_bytes)" $MiB 1.00 1.10); ok $? "after SIGHUP 198.19.0.1 is class 3 ($r of 1 MiB)"
[ "$(sum day 2 tx_bytes)" = "$c2" ]; ok $? "class 2 kept what it had"
printf '1 0.0.0.0/0\n2 198.19.0.0/33\n' >"$CLASSES"
kill -HUP "$SB_AGENT_PID"; sleep 0.3
grep -q "SIGHUP: .*line 2.*the classes in use are kept" "$SB_DIR/agent.log"
ok $? "a bad file on SIGHUP is refused by line, the classes in use kept"
send a1 $W2 5201 $MiB; settle
r=$(ratio_in "$(( $(sum day 3 tx_bytes) ))" $((2 * MiB)) 1.00 1.10); ok $? "still class 3 ($r of 2 MiB)"

# ---- a veth re-created by hand: counted from zero, no spike ----
v=$(veth_of a1)
before=$(total tx_bytes)
sb_host ip link del "$v"
in_ct a1 ip link add nsttmp0 type veth peer name "$v" netns "$SB_AGENT_PID"
in_ct a1 ip addr add 198.19.255.2/30 dev nsttmp0
in_ct a1 ip link set nsttmp0 up
sb_host ip addr add 198.19.255.1/30 dev "$v"
sb_host ip link set "$v" up
settle
in_ct a1 ping -q -c 20 -s 1000 -i 0.05 198.19.255.1 >/dev/null
ok $? "veth $v re-created by hand; 20 pings over it"
settle
d=$(( $(total tx_bytes) - before ))
[ "$d" -ge $((20 * 1042)) ] && [ "$d" -lt $((20 * 1042 + 4096)) ]
ok $? "the next delta is the traffic really sent, no spike ($d bytes for 20 x 1042 + ARP)"
grep -q "was re-created.*counting from zero" "$SB_DIR/agent.log"
ok $? "the reset is logged"

t_done
