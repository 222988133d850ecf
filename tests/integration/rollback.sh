#!/usr/bin/env bash
# A failure injected at every step of isolate (NETISOL_TEST_FAIL_STEP=N,
# a test-only hook that fires once) leaves nothing behind: no veth, no
# filter on the host, no netns handle or mount, and the block and ports
# are free again for the next create.
. "$(dirname "$0")/lib.sh"


for step in 1 2 3 4 5 6 7 8 9 10; do
	export NETISOL_TEST_FAIL_STEP=$step
	agent_start --egress_rate_limit_per_container=1MB \
		--ingress_rate_limit_per_container=1MB --network_enable_snmp_statistics \
		--network_enable_socket_statistics_summary \
		--network_enable_socket_statistics_details || { cat "$SB_DIR/agent.log"; exit 1; }
	unset NETISOL_TEST_FAIL_STEP
	base=$(kernel_state)
	api POST /containers '{"container_id":"f.1","ports":"[31000-31499]"}'
	[ "$API_STATUS" = 500 ] && grep -q "injected failure at step $step" <<<"$API_BODY" &&
		[ "$(kernel_state)" = "$base" ]
	ok $? "failure at step $step: 500 and nothing left behind"
	api POST /containers '{"container_id":"f.1","ports":"[31000-31499]"}'
	[ "$API_STATUS" = 201 ] && [ "$(jq .ephemeral_ports.begin <<<"$API_BODY")" = 32768 ]
	ok $? "after step $step ($API_STATUS $API_BODY) the same id, block and ports are free again"
	api DELETE /containers/f.1
	[ "$API_STATUS" = 204 ] && [ "$(kernel_state)" = "$base" ]
	ok $? "and its DELETE leaves the host as it was"
	agent_stop
done
t_done
