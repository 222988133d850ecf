#!/usr/bin/env bash
# Tenant-scoped reads: a credential with "containers" sees only those
# containers on TCP (lists, statistics, metrics), gets 403 for any other id
# and for every write; operators and the unix socket see everything.
. "$(dirname "$0")/lib.sh"

A=ten.a B=ten.b URL=http://127.0.0.1:5051
CREDS=$SB_DIR/creds.json
# tcurl USER:PASS PATH [CURL ARGS...]: the body over TCP ('' for no credentials).
tcurl() {
	local u=$1 p=$2; shift 2
	sb_host curl -s -m 30 ${u:+-u "$u"} "$@" "$URL$p"
}
# tcode USER:PASS METHOD PATH [BODY]: the status over TCP.
tcode() {
	tcurl "$1" "$3" -o /dev/null -w '%{http_code}' -X "$2" ${4:+-d "$4"}
}
ids() { jq -c '[.[].container_id] | sort'; }

host_state() {
	sb_host sh -c 'ip -d link show; ip addr show; ip route show;
		tc qdisc show; tc filter show dev eth0 ingress; tc filter show dev lo ingress' |
		grep -v -e inet6 -e fe80::
	ls "$SB_DIR"
}

# A bad "containers" is a bad start: one line naming file and principal, exit 1,
# nothing changed on the host.
printf '{"credentials":[{"principal":"ops","secret":"o"},{"principal":"alice","secret":"a","containers":["%s","bad id"]}]}' \
	"$A" >"$SB_DIR/bad.json"
before=$(host_state)
out=$(sb_host timeout 10 "$top_builddir/netisold" --isolation=network/port_mapping \
	--work_dir="$SB_DIR/work" --runtime_dir="$SB_DIR/run" --port=5051 \
	--http_credentials="$SB_DIR/bad.json" 2>&1 >/dev/null)
rc=$?
after=$(host_state)
[ $rc = 1 ] && [ "$(printf '%s\n' "$out" | grep -c .)" = 1 ] &&
	[[ $out == *"$SB_DIR/bad.json: principal 'alice': containers[1] 'bad id' is not a container id"* ]] &&
	[ "$before" = "$after" ]
ok $? "a bad containers list is refused ($rc): '$out'"

printf '{"credentials":[{"principal":"ops","secret":"o"},{"principal":"alice","secret":"a","containers":["%s","ten.gone"]}]}' \
	"$A" >"$CREDS"
agent_start --authenticate_http_readonly --authenticate_http_readwrite \
	--http_credentials="$CREDS" || { cat "$SB_DIR/agent.log"; exit 1; }
ctl create $A --egress-rate 10MB >/dev/null && ctl create $B --egress-rate 10MB >/dev/null
ok $? "containers $A and $B created on the unix socket"

# What the tenant sees.
got=$(tcurl alice:a /containers | ids)
[ "$got" = "[\"$A\"]" ]
ok $? "tenant: GET /containers lists $A only ($got)"
for p in /monitor/statistics.json /monitor/statistics; do
	got=$(tcurl alice:a $p | ids)
	[ "$got" = "[\"$A\"]" ]
	ok $? "tenant: GET $p has $A only ($got)"
done
tcurl alice:a /metrics >"$SB_DIR/t.prom"
grep -q "^container_network_receive_bytes_total{container_id=\"$A\"" "$SB_DIR/t.prom" &&
	grep -q "^netisol_tc_bytes_total{container_id=\"$A\"" "$SB_DIR/t.prom" &&
	grep -q "^netisol_egress_rate_limit_bytes_per_second{container_id=\"$A\"} 10485760$" "$SB_DIR/t.prom"
ok $? "tenant: /metrics has $A's network, qdisc and limit series"
! grep -q "$B" "$SB_DIR/t.prom"
ok $? "tenant: /metrics never mentions $B"
! grep -qE '^(# (HELP|TYPE) )?netisol_(containers|ephemeral_blocks_free|containers_destroying|api_requests_total)' "$SB_DIR/t.prom"
ok $? "tenant: /metrics has no agent-wide family"
[ "$(grep -v '^#' "$SB_DIR/t.prom" | grep -vc "{container_id=\"$A\"")" = 0 ]
ok $? "tenant: every sample carries container_id=\"$A\""
awk -f "$(dirname "$0")/promcheck.awk" "$SB_DIR/t.prom" >"$SB_DIR/t.err"
ok $? "tenant: /metrics passes the exposition-format check $(head -3 "$SB_DIR/t.err" | tr '\n' ' ')"

# Other ids: 403 whether they exist or not; its own ids as usual.
[ "$(tcode alice:a GET /containers/$A)" = 200 ]
ok $? "tenant: GET /containers/$A is 200"
body=$(tcurl alice:a /containers/$B -w ' %{http_code}')
[ "${body##* }" = 403 ] && [ "$(jq -r .code <<<"${body% *}")" = forbidden ]
ok $? "tenant: GET /containers/$B is 403 forbidden ($body)"
[ "$(tcode alice:a GET /containers/ten.nosuch)" = 403 ]
ok $? "tenant: GET /containers/ten.nosuch (unknown) is 403 too"
[ "$(tcode alice:a GET /containers/ten.gone)" = 404 ]
ok $? "tenant: an id of its own that does not exist is 404"
[ "$(tcode alice:a GET /containers/$A/kernel)" = 200 ] && [ "$(tcode alice:a GET /containers/$B/kernel)" = 403 ]
ok $? "tenant: GET /containers/$A/kernel is 200, $B's 403"

# No writes, not even on its own container.
[ "$(tcode alice:a POST /containers '{"container_id":"ten.c"}')" = 403 ] &&
	[ "$(tcode alice:a DELETE /containers/$A)" = 403 ] &&
	[ "$(tcode alice:a PATCH /containers/$A '{"egress_rate_limit":"1MB"}')" = 403 ] &&
	[ "$(tcode alice:a DELETE /containers/$B)" = 403 ]
ok $? "tenant: POST, PATCH and DELETE are 403 with --authenticate_http_readwrite"
api GET /containers
[ "$(ids <<<"$API_BODY")" = "[\"$A\",\"$B\"]" ]
ok $? "after the refused writes both containers are still there, ten.c is not"

# Wrong or missing credentials.
[ "$(tcode alice:wrong GET /containers)" = 401 ] && [ "$(tcode '' GET /metrics)" = 401 ] &&
	[ "$(tcode alice:o GET /monitor/statistics.json)" = 401 ]
ok $? "wrong secret (or none) on a read: 401"

# Operators and the unix socket are unscoped.
got=$(tcurl ops:o /containers | ids)
[ "$got" = "[\"$A\",\"$B\"]" ] && [ "$(tcurl ops:o /monitor/statistics.json | ids)" = "$got" ]
ok $? "operator: /containers and statistics have both ($got)"
tcurl ops:o /metrics >"$SB_DIR/o.prom"
grep -q "container_id=\"$B\"" "$SB_DIR/o.prom" && grep -q '^netisol_containers 2$' "$SB_DIR/o.prom" &&
	grep -q '^netisol_api_requests_total{' "$SB_DIR/o.prom"
ok $? "operator: /metrics has $B and the agent-wide families"
[ "$(tcode ops:o GET /containers/$B)" = 200 ]
ok $? "operator: GET /containers/$B is 200"
api GET /monitor/statistics.json
[ "$(ids <<<"$API_BODY")" = "[\"$A\",\"$B\"]" ]
ok $? "unix socket: statistics has both"

# Without --authenticate_http_readonly: anonymous reads stay unscoped, a
# tenant's credentials still scope, wrong ones are ignored as before.
agent_stop
agent_start --http_credentials="$CREDS" || { cat "$SB_DIR/agent.log"; exit 1; }
[ "$(tcurl '' /containers | ids)" = "[\"$A\",\"$B\"]" ]
ok $? "open reads: anonymous GET /containers has both"
[ "$(tcurl alice:a /monitor/statistics.json | ids)" = "[\"$A\"]" ] &&
	! tcurl alice:a /metrics | grep -q "$B" && [ "$(tcode alice:a GET /containers/$B)" = 403 ]
ok $? "open reads: with the tenant's credentials, still scoped"
[ "$(tcurl alice:wrong /containers | ids)" = "[\"$A\",\"$B\"]" ]
ok $? "open reads: wrong credentials are ignored (unscoped, as for anonymous)"
[ "$(tcode alice:a POST /containers '{"container_id":"ten.c"}')" = 403 ]
ok $? "open reads, no read-write auth: a tenant's POST is 403"

api DELETE /containers/$A && api DELETE /containers/$B
[ "$API_STATUS" = 204 ]
ok $? "containers removed"
t_done
