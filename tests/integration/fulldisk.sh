#!/usr/bin/env bash
# A full disk under --work_dir (a small tmpfs): nothing is acknowledged
# that was not saved. A PATCH that cannot be recorded is undone in the
# kernel and refused (503 checkpoint_unwritable); /health stays 200 but
# says degraded; a container destroyed meanwhile keeps its last traffic
# until it can be written; once space returns everything held is written,
# exactly once.
. "$(dirname "$0")/lib.sh"

W=$SB_WORLD_IP
mkdir -p "$SB_DIR/work"
mount -t tmpfs -o size=3m nstfull "$SB_DIR/work"
trap 'agent_stop 2>/dev/null; umount "$SB_DIR/work" 2>/dev/null; sandbox_down' EXIT
agent_start --accounting_interval=1secs || { cat "$SB_DIR/agent.log"; exit 1; }
api POST /containers '{"container_id":"c1","egress_rate_limit":"1MB"}'
[ "$API_STATUS" = 201 ]; ok $? "c1 with an egress limit"
ctl create c2 >/dev/null; ok $? "c2"
rate() { in_ct c1 tc class show dev eth0 | sed -n 's/.* rate \([^ ]*\) .*/\1/p' | head -1; }
r0=$(rate)

# The disk fills up; writes start failing once SQLite needs a new page.
dd if=/dev/zero of="$SB_DIR/work/fill" bs=16k >/dev/null 2>&1
in_ct c2 ping -q -c 20 -s 1000 -i 0.05 "$W" >/dev/null
status=
for i in $(seq 1 200); do
	api PATCH /containers/c1 "{\"egress_rate_limit\":\"$((2000 + i))KB\"}"
	[ "$API_STATUS" = 200 ] || { status=$API_STATUS; break; }
	last=$((2000 + i))
done
body=$API_BODY
[ "$status" = 503 ] && [ "$(jq -r .code <<<"$body")" = checkpoint_unwritable ]
ok $? "a PATCH that cannot be recorded is refused: $status $(jq -r .code <<<"$body" 2>/dev/null)"
api GET /containers/c1
want=$(( ${last:-0} * 1024 ))
[ -z "$last" ] || [ "$(jq -r .egress_rate_limit <<<"$API_BODY")" = "$want" ]
ok $? "the API shows the last recorded limit (${last:-none}KB), not the refused one"
r1=$(rate)
diag "kernel rate: $r1 (before the fill: $r0, last recorded ${last:-none}KB)"
api PATCH /containers/c1 '{"egress_rate_limit":"9MB"}'
[ "$API_STATUS" = 503 ] && [ "$(rate)" = "$r1" ]
ok $? "the refused PATCH is undone in the kernel (rate stays $r1)"
h=$(sb_host curl -s -w '\n%{http_code}' http://127.0.0.1:5051/health)
[ "${h##*$'\n'}" = 200 ] && [ "$(jq -r .status <<<"${h%$'\n'*}")" = degraded ]
ok $? "/health answers 200 and says degraded: $(jq -r .reason <<<"${h%$'\n'*}" | cut -c1-80)"
api GET /metrics
n=$(awk '$1 == "netisol_checkpoint_write_failures_total" { print $2 }' <<<"$API_BODY")
[ "${n:-0}" -ge 1 ]; ok $? "netisol_checkpoint_write_failures_total = $n"
[ "$(grep -c 'checkpoint writes fail' "$SB_DIR/agent.log")" = 1 ]
ok $? "the failing checkpoint is logged once"

# c2 is destroyed while nothing can be written: its last delta is held.
api DELETE /containers/c2
[ "$API_STATUS" = 204 ] && grep -q "c2: its last traffic is held" "$SB_DIR/agent.log"
ok $? "DELETE c2 while full: 204, its last traffic held (not written yet)"
sleep 2.5
rm -f "$SB_DIR/work/fill"
sleep 3
h=$(sb_host curl -s http://127.0.0.1:5051/health)
api PATCH /containers/c1 '{"egress_rate_limit":"5MB"}'
[ "$API_STATUS" = 200 ] && [ "$(jq -r .status <<<"$(sb_host curl -s http://127.0.0.1:5051/health)")" = ok ]
ok $? "space is back: PATCH is recorded again and /health says ok"
api GET "/accounting?container_id=c2&by=day"
tx=$(jq '[.rows[].tx_bytes] | add // 0' <<<"$API_BODY")
# 20 pings of 1042-byte frames, plus its ARP: counted once, not lost
[ "$tx" -ge $((20 * 1042)) ] && [ "$tx" -lt $((20 * 1042 + 1024)) ]
ok $? "c2's traffic of the full-disk time is in its history exactly once ($tx bytes for 20 x 1042)"
grep -q "c2: its last traffic is written" "$SB_DIR/agent.log"
ok $? "the held delta is logged as written"
agent_stop; ok $? "SIGTERM"
agent_start --accounting_interval=1secs && api GET /containers/c1 &&
	[ "$(jq -r .egress_rate_limit <<<"$API_BODY")" = $((5 * 1024 * 1024)) ]
ok $? "after a restart the API shows what the kernel enforces (5MB)"

# c3 is destroyed while full, then the agent restarts, still full: its
# last traffic waits in the runtime directory and is written once space
# returns, equal to what its eth0 counted, byte for byte.
ctl create c3 >/dev/null && sleep 1.5
dd if=/dev/zero of="$SB_DIR/work/fill" bs=16k >/dev/null 2>&1
in_ct c3 ping -q -c 30 -s 700 -i 0.05 "$W" >/dev/null
sleep 1
link=$(in_ct c3 cat /proc/net/dev | awk -F'[: ]+' '$2 == "eth0" { print $3, $11 }')
api DELETE /containers/c3
[ "$API_STATUS" = 204 ] && grep -q "c3: its last traffic is held" "$SB_DIR/agent.log"
ok $? "DELETE c3 while full: its last traffic held"
agent_stop
grep -q "c3: its last traffic is kept in" "$SB_DIR/agent.log" &&
	[ -f "$SB_DIR/run/held/c3.held" ]
ok $? "SIGTERM while full: c3's last traffic is kept in the runtime directory"
agent_start --accounting_interval=1secs && sleep 2.5 &&
	grep -q "c3: its last traffic, kept by the last run, is held" "$SB_DIR/agent.log"
ok $? "restarted while still full: c3's kept traffic is held again"
rm -f "$SB_DIR/work/fill"
for _ in $(seq 50); do
	grep -q "c3: its last traffic is written" "$SB_DIR/agent.log" && break
	sleep 0.2
done
api GET "/accounting?container_id=c3&by=day"
hist=$(jq -r '"\([.rows[].rx_bytes] | add // 0) \([.rows[].tx_bytes] | add // 0)"' <<<"$API_BODY")
[ "$hist" = "$link" ] && [ ! -e "$SB_DIR/run/held/c3.held" ]
ok $? "space is back: c3's history (rx tx $hist) equals its eth0's counters ($link), its file gone"

t_done
