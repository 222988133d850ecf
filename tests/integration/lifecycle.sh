#!/usr/bin/env bash
# The container API and netisolctl: errors change nothing, blocks are
# counted exactly, and a DELETE leaves no kernel object behind.
. "$(dirname "$0")/lib.sh"

agent_start --resources='ports:[31000-32000];ephemeral_ports:[32768-57344]' \
	--ephemeral_ports_per_container=1024 || { cat "$SB_DIR/agent.log"; exit 1; }

base=$(kernel_state)
n_links() { sb_host ip -o link show | grep -c 'nis[0-9a-f]'; }

api POST /containers '{"container_id":"a.1","ports":"[31000-31009]","executor_id":"e1","framework_id":"f1"}'
[ "$API_STATUS" = 201 ] && [ "$(jq -r .container_id <<<"$API_BODY")" = a.1 ] &&
	[ "$(jq -c .ports <<<"$API_BODY")" = '[[31000,31009]]' ] &&
	[ "$(jq -r .ephemeral_ports.begin <<<"$API_BODY")" = 32768 ] &&
	[ "$(jq -r .ephemeral_ports.end <<<"$API_BODY")" = 33791 ]
ok $? "POST /containers: 201 with the record ($API_BODY)"
[ -e "$(jq -r .netns <<<"$API_BODY")" ] && sb_host ip link show "$(jq -r .host_veth <<<"$API_BODY")" >/dev/null
ok $? "the record's netns handle and host veth exist"

refused() {	# refused STATUS CODE METHOD PATH BODY DESCRIPTION
	local links; links=$(n_links)
	api "$3" "$4" "$5"
	[ "$API_STATUS" = "$1" ] && [ "$(jq -r .code <<<"$API_BODY")" = "$2" ] && [ "$(n_links)" = "$links" ]
	ok $? "$6: $API_STATUS $(jq -r .error <<<"$API_BODY" 2>/dev/null)"
}
# HEAD is GET without the body; a method a path lacks is 405.
h=$(curl -s -m 10 -I --unix-socket "$SB_DIR/run/api.sock" http://netisold/containers/a.1)
g=$(curl -s -m 10 --unix-socket "$SB_DIR/run/api.sock" http://netisold/containers/a.1 | wc -c)
u=$(curl -s -m 10 -o /dev/null -w '%{http_code} %{size_download}' -I --unix-socket "$SB_DIR/run/api.sock" http://netisold/ui/)
grep -q '^HTTP/1.1 200' <<<"$h" && grep -qi "^content-length: $g"$'\r'"\?$" <<<"$h" && [ "$u" = "200 0" ]
ok $? "HEAD /containers/a.1: 200, no body, the Content-Length of its GET ($g); HEAD /ui/: $u"
refused 405 method_not_allowed PUT /containers/a.1 '{}' "PUT on a container"
refused 409 container_exists POST /containers '{"container_id":"a.1"}' "duplicate id"
refused 400 invalid_request POST /containers '{"container_id":"a.2",' "malformed JSON"
refused 400 invalid_request POST /containers '[1,2]' "a body that is not an object"
refused 400 invalid_request POST /containers '{"container_id":"a/2"}' "an id with a slash"
refused 400 invalid_request POST /containers '{"container_id":""}' "an empty id"
refused 400 invalid_request POST /containers "{\"container_id\":\"$(printf 'x%.0s' {1..65})\"}" "a 65-character id"
refused 400 invalid_request POST /containers '{"ports":"[31010-31019]"}' "no id"
refused 400 invalid_request POST /containers '{"container_id":"a.2","egress":"1MB"}' "an unknown field"
refused 400 invalid_request POST /containers '{"container_id":"a.2","egress_rate_limit":"1XB"}' "a bad rate"
refused 400 invalid_request POST /containers '{"container_id":"a.2","ports":"[31010-31000]"}' "a reversed range"
refused 400 invalid_request POST /containers '{"container_id":"a.2","egress_rate_limit":"18446744073709551615B"}' "a rate above INT64_MAX"
refused 409 ports_unavailable POST /containers '{"container_id":"a.2","ports":"[30000-30010]"}' "ports outside the agent's"
refused 409 ports_unavailable POST /containers '{"container_id":"a.2","ports":"[31005-31015]"}' "ports held by a.1"
refused 404 not_found DELETE /containers/nope '' "DELETE of an unknown id"
refused 404 not_found PATCH /containers/nope '{"egress_rate_limit":"1MB"}' "PATCH of an unknown id"
refused 404 not_found GET /containers/nope '' "GET of an unknown id"
api GET /containers
[ "$(jq length <<<"$API_BODY")" = 1 ]
ok $? "after every refusal there is still exactly one container"

out=$(sb_host curl -s -o /dev/null -w '%{http_code}' -X POST -d '{"container_id":"tcp.1"}' http://127.0.0.1:5051/containers)
[ "$out" = 403 ]
ok $? "POST on the TCP listener without read-write auth: 403"
[ "$(sb_host curl -s http://127.0.0.1:5051/containers | jq length)" = 1 ]
ok $? "GET /containers on the TCP listener (read-only) works"

api PATCH /containers/a.1 '{"ports":"[31100-31163]","egress_rate_limit":"2MB"}'
[ "$API_STATUS" = 200 ] && [ "$(jq -c .ports <<<"$API_BODY")" = '[[31100,31163]]' ] &&
	[ "$(jq .egress_rate_limit <<<"$API_BODY")" = 2097152 ]
ok $? "PATCH changes ports and the egress rate: $API_STATUS"
api POST /containers '{"container_id":"a.2","ports":"[31000-31009]"}'
[ "$API_STATUS" = 201 ]
ok $? "the ports a.1 gave up can be taken by a.2"
# DELETE answers before the veth is gone; a re-create of the id waits for it.
v=$(jq -r .host_veth <<<"$API_BODY")
api DELETE /containers/a.2
api POST /containers '{"container_id":"a.2","ports":"[31000-31009]"}'
[ "$API_STATUS" = 201 ] && sb_host ip link show "$v" >/dev/null 2>&1 &&
	in_ct a.2 ip -o addr show eth0 | grep -q "$SB_HOST_IP/"
ok $? "DELETE then POST of the same id at once: 201, and its new veth is up ($API_STATUS)"
api DELETE /containers/a.2
settle
! sb_host ip link show "$v" >/dev/null 2>&1 && ! [ -e "$SB_DIR/run/netns/a.2" ]
ok $? "the destroyed container's veth and netns handle are deleted in the background"

# Exactly 24 blocks of 1024 in [32768-57344]; the 25th is refused.
for i in $(seq 2 24); do api POST /containers "{\"container_id\":\"b.$i\"}"; [ "$API_STATUS" = 201 ] || break; done
ok $? "24 containers fit (the last create: $API_STATUS)"
api POST /containers '{"container_id":"b.25"}'
[ "$API_STATUS" = 409 ] && [ "$(jq -r .code <<<"$API_BODY")" = no_ephemeral_ports ]
ok $? "the 25th gets 409 no_ephemeral_ports"
freed=$(curl -s --unix-socket "$SB_DIR/run/api.sock" http://x/containers/b.7 | jq .ephemeral_ports.begin)
api DELETE /containers/b.7
[ "$API_STATUS" = 204 ]
ok $? "DELETE b.7: 204"
api POST /containers '{"container_id":"b.25"}'
[ "$API_STATUS" = 201 ] && [ "$(jq .ephemeral_ports.begin <<<"$API_BODY")" = "$freed" ]
ok $? "the freed block ($freed) is handed out again"
settle
[ "$(n_links)" = 24 ]
ok $? "24 host veths for 24 containers"

# netisolctl: exit codes and output.
ctl list | grep -q '^a.1 .*31100-31163'
ok $? "netisolctl list shows a.1 with its ports"
[ "$(ctl list --json | jq length)" = 24 ]
ok $? "netisolctl list --json is the API's list"
ctl destroy b.25 >/dev/null && ctl create c.1 --ports '[31500-31501]' --egress-rate 1MB | grep -q 'created c.1'
ok $? "netisolctl destroy and create"
ctl create c.1 2>/dev/null; [ $? = 1 ]
ok $? "netisolctl create of a duplicate exits 1"
ctl create c.2 --egress-rate 1XB 2>/dev/null; [ $? = 2 ]
ok $? "netisolctl with a bad rate exits 2"
"$top_builddir/netisolctl" --socket /nonexistent/api.sock list 2>/dev/null; [ $? = 3 ]
ok $? "netisolctl with no agent exits 3"
[ "$(sb_host "$top_builddir/netisolctl" --agent http://127.0.0.1:5051 list --json | jq length)" = 24 ]
ok $? "netisolctl --agent http://127.0.0.1:5051 (TCP) lists the same 24"
sb_host "$top_builddir/netisolctl" --agent http://127.0.0.1:1 list 2>/dev/null; [ $? = 3 ]
ok $? "netisolctl --agent with nobody at the port exits 3"
ctl update c.1 --egress-rate 3MB | grep -q 'updated c.1'
ok $? "netisolctl update"
ctl destroy c.1 >/dev/null
ctl run --id r.1 -- bash -c 'ip -o addr show eth0 | grep -q 198.18.0.2 && exit 7'
rc=$?
[ $rc = 7 ] && ! ctl list | grep -q '^r.1 '
ok $? "netisolctl run: CMD runs in the container, its status ($rc) is returned, the container is gone"
set -m	# its own process group, as a terminal's Ctrl-C would reach it
ctl run --id r.2 -- sleep 30 & runpid=$!
set +m
sleep 1
ctl list | grep -q '^r.2 '
ok $? "netisolctl run: the container exists while CMD runs"
kill -INT -- -$runpid; wait $runpid
rc=$?
[ $rc = 130 ] && ! ctl list | grep -q '^r.2 '
ok $? "netisolctl run: Ctrl-C ends CMD ($rc) and still destroys the container"
# Started with SIGINT ignored (as a script's background job is): CMD still
# gets it by default, so what netisolctl passes on ends it.
set -m
(trap '' INT; ctl run --id r.3 -- sleep 30) & runpid=$!
set +m
sleep 1
kill -INT -- -$runpid; wait $runpid
rc=$?
[ $rc = 130 ] && ! ctl list | grep -q '^r.3 '
ok $? "netisolctl run started with SIGINT ignored: Ctrl-C still ends CMD ($rc), the container is gone"

# Everything goes; the kernel is back to where it started.
for id in $(ctl list --json | jq -r '.[].container_id'); do api DELETE "/containers/$id"; done
[ "$(kernel_state)" = "$base" ]
ok $? "after DELETE of every container: no veth, filter, netns handle or mount left"
[ -z "$(ip netns list | grep -F "$SB_DIR")" ] && [ "$(ctl list --json | jq length)" = 0 ]
ok $? "the API lists nothing"
api DELETE /containers/a.1
[ "$API_STATUS" = 404 ]
ok $? "a second DELETE is 404"
t_done
