#!/usr/bin/env bash
# The agent comes back from any stop: SIGTERM (traffic never stops),
# kill -9 at every lifecycle step (NETISOL_TEST_ABORT_STEP, a test-only
# hook), a wiped or corrupt work_dir, a veth removed by hand.
. "$(dirname "$0")/lib.sh"

W=$SB_WORLD_IP H=$SB_HOST_IP
agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
base=$(kernel_state)
n_veths() { sb_host ip -o link show | grep -c 'nis[0-9a-f]'; }
consistent() { [ "$(n_veths)" = "$(ctl list --json | jq length)" ]; }
echo_ok() {	# echo_ok ID PORT: the world reaches the container's echo server
	[ "$(sb_world bash -c "echo ping | timeout 5 socat -T 3 - TCP4:$H:$2" 2>/dev/null)" = ping ]
}

ctl create keep --ports '[31000-31000]' --egress-rate 20MB >/dev/null
sb_bg in_ct keep socat TCP4-LISTEN:31000,fork,reuseaddr EXEC:cat
sleep 0.3
echo_ok keep 31000
ok $? "keep serves on 31000"

# SIGTERM and restart while a stream runs: it completes.
sb_bg in_ct keep iperf3 -s -1 -p 31001 >/dev/null 2>&1
ctl update keep --ports '[31000-31001]' >/dev/null
sleep 0.3
sb_world iperf3 -c "$H" -p 31001 -t 4 -J >"$SB_DIR/iperf.json" 2>/dev/null &
ip3=$!
sleep 1
agent_stop && agent_start
ok $? "SIGTERM, restart"
wait $ip3
rc=$?
sent=$(jq '.end.sum_received.bytes' "$SB_DIR/iperf.json")
[ $rc = 0 ] && [ "${sent:-0}" -gt 1000000 ]
ok $? "an iperf3 stream across the restart completed ($sent bytes)"
ctl list | grep -q '^keep ' && echo_ok keep 31000 && consistent
ok $? "keep was recovered and still serves"

# kill -9 at every lifecycle step, then restart.
for step in 1 2 3 4 5 6 7 8 9 10 11 12 13 14 15; do
	if [ $step -le 12 ]; then
		op="POST half"
	else
		ctl create half >/dev/null
		op="DELETE half"
	fi
	agent_stop
	export NETISOL_TEST_ABORT_STEP=$step
	agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
	unset NETISOL_TEST_ABORT_STEP
	if [ $step -le 12 ]; then api POST /containers '{"container_id":"half","ports":"[31500-31599]"}'
	else api DELETE /containers/half; fi
	wait "$SB_AGENT_PID" 2>/dev/null
	SB_AGENT_PID=
	agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
	ctl list | grep -q '^keep ' && echo_ok keep 31000
	ok $? "abort at step $step ($op): keep recovered and serves"
	! ctl list | grep -q '^half ' && consistent
	ok $? "abort at step $step: half is gone, veths = containers"
	api POST /containers '{"container_id":"new","ports":"[31500-31599]"}'
	b=$(jq .ephemeral_ports.begin <<<"$API_BODY")
	k=$(ctl list --json | jq '.[] | select(.container_id=="keep") | .ephemeral_ports.begin')
	[ "$API_STATUS" = 201 ] && [ "$b" != "$k" ]
	ok $? "abort at step $step: its block and ports are free again, never handed out twice"
	api DELETE /containers/new
done

# A veth removed by hand: the record goes, its ports are free.
ctl create gone --ports '[31700-31709]' >/dev/null
v=$(ctl list --json | jq -r '.[] | select(.container_id=="gone") | .host_veth')
agent_stop
sb_host ip link del "$v"
agent_start || exit 1
! ctl list | grep -q '^gone ' && grep -q 'container gone not recovered' "$SB_DIR/agent.log"
ok $? "a container whose veth was removed by hand is dropped at restart"
api POST /containers '{"container_id":"gone2","ports":"[31700-31709]"}'
[ "$API_STATUS" = 201 ] && ! [ -e "$SB_DIR/run/netns/gone" ]
ok $? "its ports are free and its netns handle is gone"
api DELETE /containers/gone2

# A wiped work_dir: everything of the earlier containers is removed.
agent_stop
rm -rf "$SB_DIR/work"
agent_start || exit 1
[ "$(ctl list --json | jq length)" = 0 ] && [ "$(kernel_state)" = "$base" ]
ok $? "wiped work_dir: every veth, filter, netns handle and mount of the old containers removed"

# --cleanup_on_exit: SIGTERM tears every container down.
agent_stop
agent_start --cleanup_on_exit || exit 1
ctl create e1 --ports '[31800-31809]' --egress-rate 1MB >/dev/null && ctl create e2 >/dev/null
agent_stop
ok $? "--cleanup_on_exit: SIGTERM exits 0"
[ "$(n_veths)" = 0 ] && ! sb_host tc qdisc show dev eth0 | grep -q ingress &&
	! sb_host tc qdisc show dev lo | grep -q ingress && [ -z "$(ls "$SB_DIR/run/netns")" ] &&
	! grep -q "$SB_DIR/run/netns" /proc/mounts &&
	[ "$(sqlite3 "$SB_DIR/work/netisol.db" 'SELECT count(*) FROM containers')" = 0 ]
ok $? "--cleanup_on_exit: no veth, ingress qdisc, handle or mount left, and no checkpoint row"
agent_start || exit 1

# A corrupt database is moved aside by name, not emptied in place.
ctl create c1 >/dev/null
agent_stop
head -c 8192 /dev/urandom >"$SB_DIR/work/netisol.db"
rm -f "$SB_DIR/work/netisol.db-wal" "$SB_DIR/work/netisol.db-shm"
agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
ls "$SB_DIR"/work/netisol.db.corrupt-* >/dev/null 2>&1 && grep -q 'moved aside' "$SB_DIR/agent.log" &&
	[ "$(kernel_state)" = "$base" ]
ok $? "a corrupt netisol.db is moved aside (named in the log) and its containers removed"
t_done
