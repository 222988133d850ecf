#!/usr/bin/env bash
# Concurrency: 8 clients x 200 random operations (create, update, delete,
# get) on overlapping ids and ports, with continuous scraping, three runs;
# after each: blocks and ports disjoint, every container reachable, and
# kernel objects = checkpoint = API list.
. "$(dirname "$0")/lib.sh"

CLIENTS=${STRESS_CLIENTS:-8} OPS=${STRESS_OPS:-200} RUNS=${STRESS_RUNS:-3}
agent_start --resources='ports:[31000-32000];ephemeral_ports:[32768-57343]' \
	--ephemeral_ports_per_container=64 || { cat "$SB_DIR/agent.log"; exit 1; }
SOCK=$SB_DIR/run/api.sock

client() {	# client K: random operations, one line per status
	local k=$1 i id p
	for i in $(seq "$OPS"); do
		id=s$((RANDOM % 24))	# shared among clients: conflicts on purpose
		p=$((31000 + (RANDOM % 50) * 20))
		case $((RANDOM % 4)) in
		0) curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$SOCK" -X POST \
			-d "{\"container_id\":\"$id\",\"ports\":\"[$p-$((p + 9))]\"}" http://x/containers ;;
		1) curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$SOCK" -X PATCH \
			-d "{\"ports\":\"[$p-$((p + 19))]\",\"egress_rate_limit\":\"$((RANDOM % 50 + 1))MB\"}" \
			"http://x/containers/$id" ;;
		2) curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$SOCK" -X DELETE "http://x/containers/$id" ;;
		3) curl -s -o /dev/null -w '%{http_code}\n' --unix-socket "$SOCK" "http://x/containers/$id" ;;
		esac
	done >"$SB_DIR/client.$k"
}

scraper() {
	local body
	while [ ! -e "$SB_DIR/stop" ]; do
		body=$(sb_host curl -s -w '\n%{http_code}' http://127.0.0.1:5051/monitor/statistics.json)
		jq -e 'type=="array"' <<<"${body%$'\n'*}" >/dev/null 2>&1 ||
			printf "%s\n" "$body" | tail -c 300 >>"$SB_DIR/scrape.bad"
	done
}

invariants() {
	local list; list=$(ctl list --json)
	# blocks and ports pairwise disjoint
	jq -e '[.[] | [.ephemeral_ports.begin, .ephemeral_ports.end]] + [.[] | .ports[]] | sort |
		[range(1; length) as $i | .[$i - 1][1] < .[$i][0]] | all' <<<"$list" >/dev/null
	ok $? "run $1: ephemeral blocks and ports are disjoint ($(jq length <<<"$list") containers)"
	local unreachable=0 id
	for id in $(jq -r '.[].container_id' <<<"$list"); do
		in_ct "$id" ping -c 1 -W 2 "$SB_WORLD_IP" >/dev/null 2>&1 || unreachable=$((unreachable + 1))
	done
	ok $([ $unreachable = 0 ]; echo $?) "run $1: every container reaches the world ($unreachable not)"
	local api kern ckpt handles
	settle
	api=$(jq -r '.[].host_veth' <<<"$list" | sort)
	kern=$(sb_host ip -o link show | grep -o 'nis[0-9a-f]*' | sort)
	ckpt=$(sqlite3 "$SB_DIR/work/netisol.db" 'SELECT veth FROM containers WHERE state=1' | sort)
	handles=$(ls "$SB_DIR/run/netns" | sort)
	[ "$api" = "$kern" ] && [ "$api" = "$ckpt" ] && [ "$handles" = "$(jq -r '.[].container_id' <<<"$list" | sort)" ]
	ok $? "run $1: kernel veths = checkpoint = API list = netns handles"
}

for run in $(seq "$RUNS"); do
	rm -f "$SB_DIR/stop" "$SB_DIR/scrape.bad"
	scraper & spid=$!
	pids=()
	for k in $(seq "$CLIENTS"); do client "$k" & pids+=($!); done
	wait "${pids[@]}"
	touch "$SB_DIR/stop"; wait $spid
	codes=$(cat "$SB_DIR"/client.* | sort | uniq -c | awk '{printf "%s:%s ", $2, $1}')
	! grep -qvE '^(200|201|204|400|404|409)$' "$SB_DIR"/client.* && [ ! -e "$SB_DIR/scrape.bad" ]
	ok $? "run $run: $((CLIENTS * OPS)) operations answered with expected codes ($codes), scrapes well-formed"
	[ -e "$SB_DIR/scrape.bad" ] && diag "bad scrapes: $(head -c 600 "$SB_DIR/scrape.bad")"
	kill -0 "$SB_AGENT_PID"
	ok $? "run $run: the agent is alive"
	invariants "$run"
done
t_done
