#!/usr/bin/env bash
# A real runtime drives netisol-cni: podman 4.3 (CNI backend) in the
# sandbox's host namespace runs containers on netisol networks. They share
# the host's address and are reached on their ports, carry podman's ids and
# the caller's CNI_ARGS labels, are capped, and every lifecycle step
# (stop, rm -f, restart, network reload, a failed ADD, the agent killed)
# leaves the agent's registry, the host's veths, podman's netns files and
# libcni's cache agreeing with what podman runs. Every plugin call is logged
# by podman.sh's wrapper (its exit status, answer and input), so the CNI
# error codes are checked, not only podman's message.
if ! command -v podman >/dev/null 2>&1; then
	echo "1..0 # SKIP podman is not installed"
	exit 0
fi
. "$(dirname "$0")/lib.sh"
. "$(dirname "$0")/podman.sh"

miss=$(pm_missing | tr '\n' ' ')
[ -z "$miss" ] || { echo "1..0 # SKIP missing: $miss"; exit 0; }
PLUGIN=${NETISOL_CNI:-$top_builddir/netisol-cni}
[ -x "$PLUGIN" ] || { echo "1..0 # SKIP $PLUGIN is not built"; exit 0; }

H=$SB_HOST_IP
pm_up || { echo "Bail out! the podman fixture could not be made"; exit 1; }
pm_plugin netisol-cni "$PLUGIN"
# 8080 for the translated mapping of check 2 (refused today: the plugin
# stops it before the agent is asked).
agent_start --resources='ports:[8080-8080,31000-31099];ephemeral_ports:[32768-57344]' ||
	{ echo "Bail out! the agent did not start"; exit 1; }
SOCK=$SB_DIR/run/api.sock
NET=nisnet BWNET=nisbw
pm_net $NET '[{"type":"netisol-cni","socket":"'"$SOCK"'","capabilities":{"portMappings":true}}]'
IPNET=nisnetip
pm_net $IPNET '[{"type":"netisol-cni","socket":"'"$SOCK"'","capabilities":{"portMappings":true,"ips":true}}]'
CHNET=nischain
pm_net $CHNET '[{"type":"bridge","bridge":"pmbr0","isGateway":true,"ipMasq":false,"ipam":{"type":"host-local","subnet":"198.19.250.0/24","routes":[{"dst":"0.0.0.0/0"}],"dataDir":"'"$PM_D"'/ipam"}},{"type":"netisol-cni","socket":"'"$SOCK"'","mode":"chained","egressRate":80000000,"capabilities":{"bandwidth":true}}]'
pm_net $BWNET '[{"type":"netisol-cni","socket":"'"$SOCK"'","egressRate":80000000,"capabilities":{"portMappings":true}}]'
C=${SB}-	# our container names

# run NAME PORT [ARGS...]: a detached container on $NET with -p PORT:PORT
# and an echo server on PORT (busybox nc, persistent); prints the id.
run() {
	local n=$1 p=$2; shift 2
	pm run -d --name "$C$n" --network "$NET" -p "$p:$p" "$@" --rootfs "$PM_R" \
		/bin/nc -ll -p "$p" -e /bin/cat
}
cid() { pm inspect -f '{{.Id}}' "$C$1" 2>/dev/null; }
# reach PORT: the world's line comes back from $H:PORT (up to ~3 s for a
# server that has just started).
reach() {
	local i
	for i in 1 2 3 4 5 6; do
		[ "$(sb_world timeout 3 socat -T 2 - "TCP4:$H:$1" <<<"hello$1" 2>/dev/null)" = "hello$1" ] && return 0
		sleep 0.5
	done
	return 1
}
rec() { api GET /containers; jq -c --arg id "$1" '.[] | select(.container_id == $id)' <<<"$API_BODY"; }
errors() { grep -c ' ERROR ' "$SB_DIR/agent.log"; }
# cni_call CMD ID: the plugin's last answer to CMD for ID (exit status, stdout)
cni_call() { awk -v c="$1" -v i="$2" '$1 == c && $2 == i { l = $0; sub(/^[^ ]* [^ ]* /, "", l) } END { print l }' "$PM_CNI_LOG"; }

# agree: what podman runs (its running containers) is exactly the agent's
# registry; the host's nis veths are exactly those of the records; one
# netns file per running container in the private /run/netns; libcni's
# results cache holds entries only for running containers; no ERROR in the
# agent's log. Prints what differs.
agree() {
	settle
	local run ag recv veths ns cache bad=0 e
	run=$(pm ps -q --no-trunc | sort)
	api GET /containers
	ag=$(jq -r '.[].container_id' <<<"$API_BODY" | sort)
	recv=$(jq -r '.[].host_veth' <<<"$API_BODY" | sort)
	veths=$(sb_host ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }' | grep '^nis' | sort)
	ns=$(pm_ns ls /run/netns | wc -l)
	cache=$(for id in $(pm_ids); do
		for f in /var/lib/cni/results/{$NET,$IPNET,$BWNET,$CHNET}-"$id"-*; do [ -e "$f" ] && echo "$id"; done
	done | sort -u)
	e=$(errors)
	[ "$run" = "$ag" ] || { diag "podman runs [$(echo $run | cut -c1-12)], the agent holds [$(echo $ag | cut -c1-12)]"; bad=1; }
	[ "$recv" = "$veths" ] || { diag "veths of records [$(echo $recv)], in ${SB}h [$(echo $veths)]"; bad=1; }
	[ "$ns" = "$(echo -n "$run" | grep -c .)" ] || { diag "netns files: $(pm_ns ls /run/netns | tr '\n' ' ')"; bad=1; }
	[ "$cache" = "$run" ] || { diag "results cache for [$(echo $cache)]"; bad=1; }
	[ "$e" = 0 ] || { diag "agent log: $(grep ' ERROR ' "$SB_DIR/agent.log" | tail -3)"; bad=1; }
	AGREE="$(echo -n "$run" | grep -c .) running, $(echo -n "$veths" | grep -c .) nis veths, $ns netns files, $e log errors"
	return $bad
}

# --- 1. two containers on the primary network, the caller's CNI_ARGS
export CNI_ARGS=K8S_POD_NAMESPACE=ns1
ida=$(run a 31000) && idb=$(run b 31001)
rc=$?
unset CNI_ARGS
[ $rc = 0 ] || diag "podman run: $(cni_call ADD "$ida") $(cni_call ADD "$idb")"
ina=$(pm exec "${C}a" ip -o -4 addr show dev eth0 2>/dev/null | awk '{ print $4 }')
inb=$(pm exec "${C}b" ip -o -4 addr show dev eth0 2>/dev/null | awk '{ print $4 }')
[ $rc = 0 ] && [ "$ina" = "$H/24" ] && [ "$inb" = "$H/24" ]
ok $? "podman run -p 31000:31000 and -p 31001:31001 on $NET: both have eth0 $ina $inb (the host's)"
reach 31000 && reach 31001
ok $? "the world ($SB_WORLD_IP) reaches ${C}a on $H:31000 and ${C}b on $H:31001"
fields() {	# fields ID NAME: the record as "ID eth0 true nisnet NAME ns1"
	rec "$1" | jq -r '"\(.container_id) \(.ifname) \(.external) \(.network) \(.pod) \(.namespace) \(.ports)"'
}
fa=$(fields "$ida") fb=$(fields "$idb")
[[ $ida =~ ^[0-9a-f]{64}$ ]] && [[ $idb =~ ^[0-9a-f]{64}$ ]] &&
	[ "$fa" = "$ida eth0 true $NET ${C}a ns1 [[31000,31000]]" ] && [ "$fb" = "$idb eth0 true $NET ${C}b ns1 [[31001,31001]]" ]
ok $? "GET /containers: podman's 64-hex ids, ifname eth0, external, network $NET, pod = the name, namespace ns1, ports: ${fa:0:12}... ${fa#* }"
[ -n "$fa" ] || diag "records: $API_BODY"
api GET /metrics
na=$(grep -c "container_id=\"$ida\",namespace=\"ns1\",pod=\"${C}a\"" <<<"$API_BODY")
nb=$(grep -c "container_id=\"$idb\",namespace=\"ns1\",pod=\"${C}b\"" <<<"$API_BODY")
[ "$na" -gt 0 ] && [ "$nb" -gt 0 ]
ok $? "/metrics: namespace=\"ns1\" and the pod's name on $na and $nb series"
agree
ok $? "agree after two runs: $AGREE"

# --- 2. a translated mapping (hostPort != containerPort)
out=$(pm run -d --name "${C}m" --network "$NET" -p 8080:80 --rootfs "$PM_R" /bin/nc -ll -p 80 -e /bin/cat 2>&1)
rc=$?
idm=$(cid m)
[ $rc = 0 ] && reach 8080 && [ "$(rec "$idm" | jq -c '.port_mappings')" = '[{"container_port":80,"host_port":8080}]' ]
ok $? "-p 8080:80: runs, the world's $H:8080 reaches the container's port 80"
[ $rc = 0 ] || diag "podman: $out"
pm rm -f -t 0 "${C}m" >/dev/null 2>&1
agree
ok $? "...and rm -f leaves nothing: $AGREE"

# --- 3. egress capped at 80 Mbit/s from the conflist
sb_bg sb_world iperf3 -s -1 -p 5201 >/dev/null 2>&1
sleep 0.3
idw=$(pm run -d --name "${C}w" --network "$BWNET" --rootfs "$PM_R" /bin/sleep 600)
rate=$(rec "$idw" | jq -r .egress_rate_limit)
mbit=$(pm exec "${C}w" /usr/bin/iperf3 -c "$SB_WORLD_IP" -p 5201 -t 5 -J 2>/dev/null |
	jq -r '.end.sum_received.bits_per_second / 1e6 | . * 10 | round / 10' 2>/dev/null)
awk -v m="${mbit:-0}" 'BEGIN { exit !(m >= 0.85 * 80 && m <= 1.02 * 80) }' && [ "$rate" = 10000000 ]
ok $? "egressRate 80000000 bits/s: egress_rate_limit $rate B/s, iperf3 out of the container $mbit Mbit/s (0.85-1.02 of 80)"
pm rm -f -t 0 "${C}w" >/dev/null

# --- 3b. bridge + netisol chained: capped, counted, labelled, then gone
sb_world ip route add 198.19.250.0/24 via "$H"
sb_bg sb_world iperf3 -s -1 -p 5202 >/dev/null 2>&1
sleep 0.3
idc=$(CNI_ARGS=K8S_POD_NAMESPACE=ns2 pm run -d --name "${C}c" --network "$CHNET" --rootfs "$PM_R" /bin/sleep 600)
r=$(rec "$idc")
hv=$(jq -r .host_veth <<<"$r")
[ "$(jq -r '"\(.mode) \(.ifname) \(.namespace) \(.pod)"' <<<"$r")" = "chained eth0 ns2 ${C}c" ] &&
	sb_host ip -o link show "$hv" | grep -q 'master pmbr0'
ok $? "bridge + netisol chained: the record is chained on the bridge's veth $hv, pod ${C}c in ns2 ($(jq -r .address <<<"$r"))"
mbit=$(pm exec "${C}c" /usr/bin/iperf3 -c "$SB_WORLD_IP" -p 5202 -t 5 -J 2>/dev/null |
	jq -r '.end.sum_received.bits_per_second / 1e6 | . * 10 | round / 10' 2>/dev/null)
awk -v m="${mbit:-0}" 'BEGIN { exit !(m >= 0.85 * 80 && m <= 1.02 * 80) }'
ok $? "...its egress capped: iperf3 out of it $mbit Mbit/s (0.85-1.02 of 80)"
api GET /monitor/statistics.json
tx=$(jq --arg id "$idc" '.[] | select(.container_id == $id) | .statistics.net_tx_bytes' <<<"$API_BODY")
api GET /metrics
[ "${tx:-0}" -gt 30000000 ] && grep -q "container_id=\"$idc\",namespace=\"ns2\",pod=\"${C}c\"" <<<"$API_BODY"
ok $? "...counted: net_tx_bytes $tx in statistics.json, /metrics labelled with its pod"
pm rm -f -t 0 "${C}c" >/dev/null
[ -z "$(rec "$idc")" ] && ! sb_host ip link show "$hv" >/dev/null 2>&1 && agree
ok $? "...podman rm -f: its record and the bridge's veth gone, $AGREE"

# --- 4. lifecycle
idl=$(run l 31002)
reach 31002 && agree
ok $? "${C}l runs on 31002: $AGREE"
pm stop -t 0 "${C}l" >/dev/null
[ -z "$(rec "$idl")" ] && ! sb_world timeout 3 socat -T 2 - "TCP4:$H:31002" <<<x >/dev/null 2>&1 && agree
ok $? "podman stop: gone from the agent, port 31002 closed, $AGREE"
pm start "${C}l" >/dev/null && reach 31002 && agree
ok $? "podman start: reachable again, $AGREE"
ns1=$(rec "$idl" | jq -r .netns)
pm restart -t 0 "${C}l" >/dev/null && reach 31002 && agree
r=$?
ns2=$(rec "$idl" | jq -r .netns)
[ $r = 0 ] && [ -n "$ns2" ] && [ "$ns1" != "$ns2" ]
ok $? "podman restart: reachable again in a new netns ($(basename "$ns1") -> $(basename "$ns2")), $AGREE"
# network reload: DEL, then ADD in the same netns with MAC=...;IP=... in
# CNI_ARGS. With a static IP podman 4.3 (containers/common
# libnetwork/cni/run.go) injects "capabilities": {"ips": true} into the
# first plugin unless it declares "ips" already: that replaces the
# conflist's capabilities, so libcni passes no runtimeConfig.portMappings
# and the container comes back without its ports. $NET (the plain
# conflist) shows it; $IPNET declares "ips" too and keeps them.
reload() {	# reload NAME ID PORT: sets a0 a1 (successful ADDs before, after), r (reached: 0), ports, nsr
	a0=$(grep -c "^ADD $2 0 " "$PM_CNI_LOG")
	out=$(pm network reload "$C$1" 2>&1) || diag "podman network reload: $out"
	reach "$3"
	r=$?
	a1=$(grep -c "^ADD $2 0 " "$PM_CNI_LOG")
	read -r ports nsr < <(rec "$2" | jq -c -r '"\(.ports) \(.netns)"')
}
reload l "$idl" 31002
agree && [ $((a0 + 1)) = "$a1" ] && [ "$nsr" = "$ns2" ]
ok $? "podman network reload on $NET: DEL and one ADD in the same netns, $AGREE"
# podman 4.3 replaces the conflist's capabilities with {"ips": true} on a
# reload unless it declares ips: no portMappings reach the plugin then
# (the README's conflists declare both). Said, not counted.
diag "without the ips capability, after reload: ports $ports, reachable rc $r, the ADD had portMappings: $(pm_cni_in ADD "$idl" | jq -c '.runtimeConfig.portMappings // "none"')"
idr=$(pm run -d --name "${C}r" --network "$IPNET" -p 31003:31003 --rootfs "$PM_R" /bin/nc -ll -p 31003 -e /bin/cat)
nsr0=$(rec "$idr" | jq -r .netns)
reload r "$idr" 31003
[ $r = 0 ] && [ "$ports" = "[[31003,31003]]" ] && [ $((a0 + 1)) = "$a1" ] && [ "$nsr" = "$nsr0" ] && agree
ok $? "podman network reload on $IPNET (capabilities portMappings and ips): ports $ports kept, reachable again on 31003, $AGREE"
pm rm -f -t 0 "${C}r" >/dev/null
pm rm -f -t 0 "${C}l" >/dev/null
[ -z "$(rec "$idl")" ] && agree
ok $? "podman rm -f: $AGREE"
# A failed ADD: a host port outside the agent's ports; podman calls DEL.
out=$(run f 40000 2>&1)
rc=$?
idf=$(cid f)
ans=$(cni_call ADD "$idf")
[ $rc != 0 ] && [[ $ans == [1-9]* ]] && grep -q '40000' <<<"$ans" && [[ $(cni_call DEL "$idf") == "0 "* ]]
ok $? "-p 40000:40000 (outside ports): ADD fails (${ans:0:160}), DEL then succeeds"
[ $rc != 0 ] || diag "podman: $out"
agree
ok $? "...and leaves nothing: $AGREE"
pm rm -f -t 0 "${C}f" >/dev/null 2>&1
agree
ok $? "podman rm -f of the container that never started: $AGREE"

# --- 5. the agent killed while ${C}a runs
kill -KILL "$SB_AGENT_PID"; wait "$SB_AGENT_PID" 2>/dev/null; SB_AGENT_PID=
out=$(run k 31005 2>&1)
rc=$?
idk=$(cid k)
ans=$(cni_call ADD "$idk")
[ $rc != 0 ] && [[ $ans == [1-9]*'"code":11,'* ]]
ok $? "agent down: podman run fails, plugin code 11: $(jq -r .msg <<<"${ans#* }" 2>/dev/null)"
[ $rc != 0 ] || diag "podman: $out"
pm_ns ls /run/netns | grep -q . && [ "$(pm_ns ls /run/netns | wc -l)" = "$(pm ps -q | wc -l)" ]
ok $? "...no netns file left by the failed run ($(pm_ns ls /run/netns | wc -l) for $(pm ps -q | wc -l) running)"
agent_start --resources='ports:[8080-8080,31000-31099];ephemeral_ports:[32768-57344]' || { echo "Bail out! the agent did not start again"; exit 1; }
for _ in $(seq 50); do [ -n "$(rec "$ida")" ] && break; sleep 0.1; done
[ -n "$(rec "$ida")" ] && grep -q "container $ida recovered" "$SB_DIR/agent.log" && reach 31000 && reach 31001
ok $? "agent_start again: ${C}a recovered, 31000 and 31001 reachable"
pm rm -f -t 0 "${C}k" >/dev/null 2>&1
agree
ok $? "podman rm -f of the container whose ADD failed: $AGREE"
pm rm -f -t 0 "${C}a" "${C}b" >/dev/null
agree && [ "$(jq length <<<"$API_BODY")" = 0 ] && [ -z "$(pm_ns ls /run/netns)" ]
ok $? "podman rm -f after the recovery: $AGREE"

t_done
