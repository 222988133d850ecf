#!/usr/bin/env bash
# netisol-cni run as a runtime runs it (CNI_* environment, the config on
# stdin, the result or error on stdout): a conformance table of command x
# spec version x good and bad input, first with no agent, then against one.
# CNI_WRAP="valgrind -q --error-exitcode=99 --leak-check=full" runs every
# call of the plugin under it (build with configure --disable-static-cni:
# valgrind cannot follow malloc in a static binary).
. "$(dirname "$0")/lib.sh"

PLUGIN=${NETISOL_CNI:-$top_builddir/netisol-cni}
if [[ ${CNI_WRAP:-} == *valgrind* ]] && ! readelf -l "$PLUGIN" | grep -q INTERP; then
	echo "Bail out! $PLUGIN is static: valgrind would check nothing (configure --disable-static-cni)"
	exit 1
fi
SOCK=$SB_DIR/run/api.sock
VERSIONS="0.3.0 0.3.1 0.4.0 1.0.0 1.1.0"
NETNS=()	# the runtime's namespaces this test made
cni_cleanup() {
	local n
	for n in "${NETNS[@]}"; do ip netns del "$n" 2>/dev/null; done
	sandbox_down
}
trap cni_cleanup EXIT

# conf VERSION [MEMBERS]: one plugin entry as the runtime passes it.
conf() {
	echo "{\"cniVersion\":\"$1\",\"name\":\"${NET:-tnet}\",\"type\":\"netisol-cni\",\"socket\":\"$SOCK\"${2:+,$2}}"
}
# cni COMMAND CONFIG [VAR=VALUE...]: the plugin in the agent's namespace,
# with only the given CNI variables; sets OUT and RC.
cni() {
	local cmd=$1 cfg=$2
	shift 2
	OUT=$(printf '%s' "$cfg" | sb_host env -i PATH="$PATH" CNI_COMMAND="$cmd" "$@" \
		$CNI_WRAP "$PLUGIN" 2>>"$SB_DIR/cni.err")
	RC=$?
}
# att ID NETNS: the attachment variables of an ADD, DEL or CHECK.
att() { echo "CNI_CONTAINERID=$1 CNI_NETNS=$2 CNI_IFNAME=${IFN:-eth0} CNI_PATH=/opt/cni/bin"; }
# fails CODE DESCRIPTION [VERSION]: the last call exited 1 with error CODE,
# a message, and the config's cniVersion.
fails() {
	[ "$RC" = 1 ] && [ "$(jq -r .code <<<"$OUT")" = "$1" ] && jq -e '.msg | length > 0' <<<"$OUT" >/dev/null &&
		{ [ -z "${3:-}" ] || [ "$(jq -r .cniVersion <<<"$OUT")" = "$3" ]; }
	ok $? "$2: code $1 (rc $RC: $(jq -r .msg <<<"$OUT" 2>/dev/null || echo "$OUT"))"
}
# succeeds DESCRIPTION [quiet]: exit 0 (quiet: and no output at all).
succeeds() {
	[ "$RC" = 0 ] && { [ "${2:-}" != quiet ] || [ -z "$OUT" ]; }
	ok $? "$1 (rc $RC${OUT:+: $OUT})"
}
ext_ns() { ip netns add "$1" && ip -n "$1" link set lo up && NETNS+=("$1"); }

## Part 1: no agent. VERSION, the environment, bad configs, version gates.
want='{"cniVersion":"1.1.0","supportedVersions":["0.3.0","0.3.1","0.4.0","1.0.0","1.1.0"]}'
for v in $VERSIONS; do
	cni VERSION "$(conf "$v")"
	[ "$RC" = 0 ] && [ "$OUT" = "$want" ]
	ok $? "VERSION with a $v config: $OUT"
done
cni VERSION 'not json at all'
[ "$RC" = 0 ] && [ "$OUT" = "$want" ]
ok $? "VERSION ignores stdin"
"$PLUGIN" --version | grep -q '^netisol-cni ' && "$PLUGIN" --help | grep -q CNI_COMMAND
ok $? "--version and --help"

cni "" "$(conf 1.0.0)"
fails 4 "no CNI_COMMAND"
cni FOO "$(conf 1.0.0)"
fails 4 "an unknown CNI_COMMAND"
for v in $VERSIONS; do
	cni ADD "$(conf "$v")" CNI_CONTAINERID=c1 CNI_IFNAME=eth0
	fails 4 "ADD $v without CNI_NETNS" "$v"
	[[ $(jq -r .msg <<<"$OUT") == *CNI_NETNS* ]]
	ok $? "  the message names CNI_NETNS"
done
cni ADD "$(conf 1.0.0)" CNI_NETNS=/run/netns/x
fails 4 "ADD without CNI_CONTAINERID and CNI_IFNAME"
[[ $(jq -r .msg <<<"$OUT") == *CNI_CONTAINERID,CNI_IFNAME* ]]
ok $? "  the message names both"
cni DEL "$(conf 1.0.0)" CNI_CONTAINERID=c1
fails 4 "DEL without CNI_IFNAME"
cni ADD "$(conf 1.0.0)" $(att -bad /run/netns/x)
fails 4 "a container id starting with '-'"
cni ADD "$(conf 1.0.0)" $(IFN=waytoolonginterface att c1 /run/netns/x)
fails 4 "a 19-byte CNI_IFNAME"
cni ADD "$(conf 1.0.0)" $(IFN=a/b att c1 /run/netns/x)
fails 4 "a CNI_IFNAME with '/'"
cni GC "$(conf 1.1.0 '"cni.dev/valid-attachments":[]')"
fails 4 "GC without CNI_PATH"

# bad CODE DESCRIPTION CONFIG: ADD with CONFIG fails with CODE (version 1.0.0).
bad() {
	cni ADD "$3" $(att c1 /run/netns/x) ${CNI_ARGS:+CNI_ARGS=$CNI_ARGS}
	fails "$1" "$2"
}
bad 6 "config not JSON" '{"cniVersion":"1.0.0",'
bad 6 "config not an object" '[1,2]'
bad 6 "a duplicate key" '{"cniVersion":"1.0.0","name":"a","name":"b","type":"netisol-cni"}'
bad 1 "no cniVersion" '{"name":"tnet","type":"netisol-cni"}'
bad 1 "cniVersion 0.2.0" "$(conf 0.2.0)"
bad 1 "cniVersion 2.0.0" "$(conf 2.0.0)"
bad 7 "cniVersion a number" '{"cniVersion":1,"name":"tnet","type":"netisol-cni"}'
bad 7 "no name" '{"cniVersion":"1.0.0","type":"netisol-cni"}'
bad 7 "a name with a space" '{"cniVersion":"1.0.0","name":"a b","type":"netisol-cni"}'
bad 7 "no type" '{"cniVersion":"1.0.0","name":"tnet"}'
bad 7 "another type" '{"cniVersion":"1.0.0","name":"tnet","type":"bridge"}'
bad 7 "an unknown key" "$(conf 1.0.0 '"bridge":"cni0"')"
[[ $(jq -r .msg <<<"$OUT") == *bridge* ]]
ok $? "  the message names the key"
bad 7 "a relative socket" '{"cniVersion":"1.0.0","name":"tnet","type":"netisol-cni","socket":"api.sock"}'
bad 7 "mode bogus" "$(conf 1.0.0 '"mode":"bogus"')"
bad 7 "ingressRate negative" "$(conf 1.0.0 '"ingressRate":-1')"
[[ $(jq -r .msg <<<"$OUT") == *ingressRate* ]]
ok $? "  the message names ingressRate and what it must be"
bad 7 "egressRate a string" "$(conf 1.0.0 '"egressRate":"10M"')"
bad 7 "egressRate a float" "$(conf 1.0.0 '"egressRate":1.5e6')"
bad 7 "egressBurst 0" "$(conf 1.0.0 '"egressRate":8000000,"egressBurst":0')"
bad 7 "ingressBurst without ingressRate" "$(conf 1.0.0 '"ingressBurst":80000')"
bad 7 "capabilities not an object" "$(conf 1.0.0 '"capabilities":true')"
bad 7 "disableCheck not a boolean" "$(conf 1.0.0 '"disableCheck":"yes"')"
bad 7 "runtimeConfig.bandwidth with an unknown key" \
	"$(conf 1.0.0 '"runtimeConfig":{"bandwidth":{"ingressrate":1000}}')"
bad 7 "runtimeConfig.bandwidth.egressRate negative" \
	"$(conf 1.0.0 '"runtimeConfig":{"bandwidth":{"egressRate":-5}}')"
bad 7 "portMappings not an array" "$(conf 1.0.0 '"runtimeConfig":{"portMappings":{}}')"
bad 7 "hostPort 0" "$(conf 1.0.0 '"runtimeConfig":{"portMappings":[{"hostPort":0,"containerPort":80}]}')"
bad 7 "containerPort 70000" "$(conf 1.0.0 '"runtimeConfig":{"portMappings":[{"hostPort":31000,"containerPort":70000}]}')"
bad 7 "protocol sctp" "$(conf 1.0.0 '"runtimeConfig":{"portMappings":[{"hostPort":31000,"containerPort":31000,"protocol":"sctp"}]}')"
bad 7 "a hostIP not of this host" \
	"$(conf 1.0.0 '"runtimeConfig":{"portMappings":[{"hostPort":31000,"containerPort":31000,"hostIP":"203.0.113.9"}]}')"
[[ $(jq -r .msg <<<"$OUT") == *203.0.113.9* ]]
ok $? "  the message names the mapping"
bad 7 "one host port to two container ports" \
	"$(conf 1.0.0 '"runtimeConfig":{"portMappings":[{"hostPort":31000,"containerPort":80},{"hostPort":31000,"containerPort":81,"protocol":"udp"}]}')"
bad 7 "mode chained without prevResult" "$(conf 1.0.0 '"mode":"chained"')"
bad 7 "chained: prevResult without the container interface" \
	"$(conf 1.0.0 '"mode":"chained","prevResult":{"cniVersion":"1.0.0","interfaces":[{"name":"veth1"}],"ips":[]}')"
bad 6 "prevResult with interfaces not an array" \
	"$(conf 1.0.0 '"mode":"chained","prevResult":{"cniVersion":"1.0.0","interfaces":3}')"
CNI_ARGS='FOO=bar' bad 2 "an unknown CNI_ARGS key" "$(conf 1.0.0)"
[[ $(jq -r .msg <<<"$OUT") == *FOO=bar* ]]
ok $? "  the message names the key and value"
CNI_ARGS='K8S_POD_NAME' bad 4 "a CNI_ARGS pair without '='" "$(conf 1.0.0)"
CNI_ARGS='IgnoreUnknown=maybe' bad 4 "IgnoreUnknown=maybe" "$(conf 1.0.0)"
CNI_ARGS='IgnoreUnknown=1;FOO=bar;K8S_POD_NAME=p' bad 11 "IgnoreUnknown=1: the unknown key is ignored (no agent: 11)" "$(conf 1.0.0)"

for v in 0.3.0 0.3.1; do
	cni CHECK "$(conf "$v" '"prevResult":{}')" $(att c1 /run/netns/x)
	fails 1 "CHECK with a $v config" "$v"
done
for v in 0.3.0 0.3.1 0.4.0 1.0.0; do
	cni STATUS "$(conf "$v")"
	fails 1 "STATUS with a $v config" "$v"
	cni GC "$(conf "$v" '"cni.dev/valid-attachments":[]')" CNI_PATH=/opt/cni/bin
	fails 1 "GC with a $v config" "$v"
done
for v in 0.4.0 1.0.0 1.1.0; do
	cni CHECK "$(conf "$v")" $(att c1 /run/netns/x)
	fails 7 "CHECK $v without prevResult" "$v"
done
cni GC "$(conf 1.1.0)" CNI_PATH=/opt/cni/bin
fails 7 "GC without cni.dev/valid-attachments"
cni GC "$(conf 1.1.0 '"cni.dev/valid-attachments":[{"containerID":1}]')" CNI_PATH=/opt/cni/bin
fails 7 "GC with a malformed cni.dev/valid-attachments"

# No agent: ADD says try again, STATUS not available, DEL succeeds when
# nothing of the container can be left.
mkdir -p "$SB_DIR/run"
ext_ns "${SB}n0"
for v in $VERSIONS; do
	cni ADD "$(conf "$v")" $(att c1 "/run/netns/${SB}n0")
	fails 11 "ADD $v with no agent" "$v"
done
[[ $(jq -r .msg <<<"$OUT") == *"netisold is not running"*"$SOCK"* ]]
ok $? "  the message names the socket"
cni STATUS "$(conf 1.1.0)"
fails 50 "STATUS with no agent"
cni DEL "$(conf 1.0.0)" CNI_CONTAINERID=c1 CNI_IFNAME=eth0
succeeds "DEL with no agent and no CNI_NETNS" quiet
cni DEL "$(conf 1.0.0)" $(att c1 "/run/netns/${SB}gone")
succeeds "DEL with no agent and a netns path that is gone" quiet
cni DEL "$(conf 1.0.0)" $(att c1 "/run/netns/${SB}n0")
fails 11 "DEL with no agent while the netns still exists"
cni GC "$(conf 1.1.0 '"cni.dev/valid-attachments":[]')" CNI_PATH=/opt/cni/bin
fails 11 "GC with no agent"
: >"$SB_DIR/afile"
SOCK=$SB_DIR/afile/api.sock cni ADD "$(SOCK=$SB_DIR/afile/api.sock conf 1.0.0)" $(att c1 "/run/netns/${SB}n0")
fails 5 "a lock file that cannot be made (the socket's directory is a file)"
[ -e "$SOCK.lock" ]
ok $? "the lock file is next to the socket ($SOCK.lock)"

## Part 2: against the agent.
agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
base=$(kernel_state)
cni STATUS "$(conf 1.1.0)"
succeeds "STATUS with the agent up: success, no output" quiet
lock_wait() {	# lock_wait MODE: a DEL while another holds the lock file in MODE
	sb_bg flock "$1" "$SOCK.lock" sleep 1.5
	sleep 0.3
	local t0 t1
	t0=$(date +%s%N)
	cni DEL "$(conf 1.0.0)" CNI_CONTAINERID="${SB}none" CNI_IFNAME=eth0
	t1=$(date +%s%N)
	WAITED=$(((t1 - t0) / 1000000))
}
lock_wait -x
[ "$RC" = 0 ] && [ "$WAITED" -ge 900 ]
ok $? "a DEL waits while a GC holds the lock file exclusively (${WAITED} ms)"
sleep 1.3
lock_wait -s
[ "$RC" = 0 ] && [ "$WAITED" -lt 900 ]
ok $? "a DEL does not wait for another ADD/DEL's shared lock (${WAITED} ms)"
sleep 1.3

BW='"runtimeConfig":{"bandwidth":{"ingressRate":80000000,"ingressBurst":800000},"portMappings":[{"hostPort":PORT,"containerPort":PORT,"protocol":"tcp"},{"hostPort":PORT,"containerPort":PORT,"protocol":"udp"},{"hostPort":PORT2,"containerPort":PORT2,"protocol":"tcp"}]},"egressRate":16000000,"egressBurst":160000,"ingressRate":8000'
i=0
declare -A RES
for v in $VERSIONS; do
	i=$((i + 1)); id=${SB}c$i ns=${SB}n$i p=$((31000 + 2 * i))
	ext_ns "$ns"
	cfg=$(conf "$v" "$(sed "s/PORT2/$((p + 1))/g; s/PORT/$p/g" <<<"$BW")")
	cni ADD "$cfg" $(att "$id" "/run/netns/$ns") CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=ns$i;K8S_POD_NAME=pod$i;K8S_POD_UID=uid-$i"
	RES[$v]=$OUT
	[ "$RC" = 0 ] && jq -e --arg v "$v" --arg ns "/run/netns/$ns" --arg h "$SB_HOST_IP/24" '
		.cniVersion == $v and (.interfaces | length) == 2 and (.interfaces[0].sandbox // "") == "" and
		.interfaces[1].name == "eth0" and .interfaces[1].sandbox == $ns and (.interfaces[1].mac | test("^[0-9a-f:]{17}$")) and
		(.ips | length) == 1 and .ips[0].address == $h and .ips[0].gateway == "198.18.0.1" and .ips[0].interface == 1 and
		(if ($v | startswith("0.")) then .ips[0].version == "4" else (.ips[0] | has("version") | not) end) and
		.routes == [{"dst": "0.0.0.0/0", "gw": "198.18.0.1"}] and .dns == {}' <<<"$OUT" >/dev/null
	ok $? "ADD $v: the result in $v ($OUT)"
	api GET "/containers/$id"
	[ "$API_STATUS" = 200 ] && jq -e --arg ns "/run/netns/$ns" --argjson p "$p" --arg i "$i" '
		.network == "tnet" and .netns == $ns and .ifname == "eth0" and .external == true and
		.ports == [[$p, ($p + 1)]] and .ingress_rate_limit == 10000000 and .egress_rate_limit == 2000000 and
		.ingress_burst == 100000 and .egress_burst == 20000 and
		.namespace == ("ns" + $i) and .pod == ("pod" + $i) and .pod_uid == ("uid-" + $i)' <<<"$API_BODY" >/dev/null &&
		[ "$(jq -r .host_veth <<<"$API_BODY")" = "$(jq -r '.interfaces[0].name' <<<"$OUT")" ]
	ok $? "  the record: this network, the netns, ports $p-$((p + 1)), rates in bytes, runtimeConfig over static, labels"
	ip -n "$ns" -o addr show dev eth0 | grep -q "inet $SB_HOST_IP/24"
	ok $? "  eth0 in $ns has the host's address"
	if [ "$(cut -d. -f1 <<<"$v")" != 0 ] || [ "$v" = 0.4.0 ]; then
		cni CHECK "$(jq -c --argjson r "$OUT" '. + {prevResult: $r}' <<<"$cfg")" $(att "$id" "/run/netns/$ns") \
			CNI_ARGS="IgnoreUnknown=1;K8S_POD_NAMESPACE=ns$i;K8S_POD_NAME=pod$i;K8S_POD_UID=uid-$i"
		succeeds "  CHECK $v right after ADD: success, no output" quiet
	fi
done
id=${SB}c5 ns=${SB}n5 cfg=$(conf 1.1.0 "$(sed "s/PORT2/31011/g; s/PORT/31010/g" <<<"$BW")")
chk() { cni CHECK "$(jq -c --argjson r "${RES[1.1.0]}" '. + {prevResult: $r}' <<<"$1")" "${@:2}"; }
chk "$cfg" $(att "$id" "/run/netns/$ns")
fails 100 "CHECK without the CNI_ARGS labels the ADD had"
ARGS="CNI_ARGS=K8S_POD_NAMESPACE=ns5;K8S_POD_NAME=pod5;K8S_POD_UID=uid-5"
chk "$(sed 's/"ingressRate":80000000/"ingressRate":80000008/' <<<"$cfg")" $(att "$id" "/run/netns/$ns") "$ARGS"
fails 100 "CHECK with another ingress rate"
[[ $(jq -r .msg <<<"$OUT") == *ingress_rate_limit* ]]
ok $? "  the message names the field"
chk "$cfg" $(att "$id" "/run/netns/${SB}n1") "$ARGS"
fails 100 "CHECK with another CNI_NETNS"
chk "$(sed 's/31011/31020/g' <<<"$cfg")" $(att "$id" "/run/netns/$ns") "$ARGS"
fails 100 "CHECK with a port the record lacks"
chk "$cfg" $(att "${SB}none" "/run/netns/$ns") "$ARGS"
fails 3 "CHECK of an unknown container"
NET=other chk "$(NET=other conf 1.1.0)" $(att "$id" "/run/netns/$ns") "$ARGS"
fails 3 "CHECK from another network"
cni CHECK "$(jq -c '. + {prevResult: {"cniVersion":"1.1.0","interfaces":[],"ips":[]}}' <<<"$cfg")" $(att "$id" "/run/netns/$ns") "$ARGS"
fails 100 "CHECK with a prevResult that lacks the interfaces"
# CHECK asks the agent to compare the kernel with its record.
api GET "/containers/$id"; hv=$(jq -r .host_veth <<<"$API_BODY")
sb_host tc qdisc del dev "$hv" root
chk "$cfg" $(att "$id" "/run/netns/$ns") "$ARGS"
fails 100 "CHECK after the ingress HTB on its host veth was deleted by hand"
[[ $(jq -r .msg <<<"$OUT") == *"in the kernel, host veth $hv has no HTB class 1:1"* ]]
ok $? "  the message says what the kernel lacks ($(jq -r .msg <<<"$OUT"))"
api GET "/containers/$id/kernel"
[ "$API_STATUS" = 200 ] && jq -e '.ok == false and (.problem | test("HTB"))' <<<"$API_BODY" >/dev/null
ok $? "  GET /containers/{id}/kernel says the same ($API_BODY)"
api PATCH "/containers/$id" '{"ingress_rate_limit":1250000}'
api PATCH "/containers/$id" '{"ingress_rate_limit":10000000}'
chk "$cfg" $(att "$id" "/run/netns/$ns") "$ARGS"
succeeds "  its limit PATCHed back: CHECK succeeds again" quiet

cni ADD "$(conf 1.0.0)" $(att "$id" "/run/netns/${SB}n0")
fails 7 "a second ADD for the same container id"
[[ $(jq -r .msg <<<"$OUT") == *"already has an attachment (network tnet, interface eth0)"* ]]
ok $? "  the message names the attachment"
cni ADD "$(conf 1.0.0)" $(att "${SB}x" "/run/netns/${SB}n1")
fails 7 "ADD into a netns another container holds (netns_in_use)"
cni ADD "$(conf 1.0.0 '"runtimeConfig":{"portMappings":[{"hostPort":31003,"containerPort":31003}]}')" $(att "${SB}x" "/run/netns/${SB}n0")
fails 7 "ADD of a host port another container holds (ports_unavailable)"
cni ADD "$(conf 1.0.0 '"runtimeConfig":{"portMappings":[{"hostPort":30000,"containerPort":30000}]}')" $(att "${SB}x" "/run/netns/${SB}n0")
fails 7 "ADD of a port outside the agent's ports"
cni ADD "$(conf 1.0.0)" $(att "${SB}x" "/run/netns/${SB}nothere")
fails 7 "ADD into a netns path that does not exist"

# A host port that is not the container port; hostIP the host's address.
cni ADD "$(conf 1.0.0 '"runtimeConfig":{"portMappings":[{"hostPort":31100,"containerPort":80,"protocol":"tcp","hostIP":"'"$SB_HOST_IP"'"},{"hostPort":31100,"containerPort":80,"protocol":"udp"}]}')" \
	$(att "${SB}m" "/run/netns/${SB}n0")
succeeds "ADD with hostPort 31100 -> containerPort 80 and hostIP $SB_HOST_IP"
api GET "/containers/${SB}m"
jq -e '.ports == [[31100, 31100]] and .port_mappings == [{"host_port": 31100, "container_port": 80}]' <<<"$API_BODY" >/dev/null
ok $? "  the record: port 31100, mapped once to 80 ($(jq -c .port_mappings <<<"$API_BODY"))"
sb_bg ip netns exec "${SB}n0" socat TCP4-LISTEN:80,fork,reuseaddr EXEC:cat; sleep 0.3
[ "$(sb_world timeout 5 socat -T 3 - TCP4:$SB_HOST_IP:31100 <<<ping 2>/dev/null)" = ping ]
ok $? "  world -> host port 31100 reaches the container's port 80"

# Chained after the reference bridge plugin, as a runtime runs the chain:
# bridge's result is netisol-cni's prevResult, and comes out unchanged.
if [ -x /usr/lib/cni/bridge ] && [ -x /usr/lib/cni/host-local ]; then
	ext_ns "${SB}nb"
	br='{"cniVersion":"1.0.0","name":"tbr","type":"bridge","bridge":"tbr0","isGateway":true,"ipam":{"type":"host-local","subnet":"198.19.251.0/24","dataDir":"'"$SB_DIR"'/ipam"}}'
	OUT=$(printf '%s' "$br" | sb_host env -i PATH="$PATH" CNI_COMMAND=ADD CNI_CONTAINERID="${SB}ch" \
		CNI_NETNS="/run/netns/${SB}nb" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni /usr/lib/cni/bridge)
	prev=$(jq -c . <<<"$OUT")
	cni ADD "$(conf 1.0.0 '"mode":"chained","egressRate":8000000,"prevResult":'"$prev")" $(att "${SB}ch" "/run/netns/${SB}nb")
	[ "$RC" = 0 ] && [ "$(jq -c . <<<"$OUT")" = "$prev" ]
	ok $? "chained after bridge: prevResult passed through unchanged (rc $RC: $OUT)"
	api GET "/containers/${SB}ch"
	[ "$(jq -r '"\(.mode) \(.host_veth) \(.address) \(.egress_rate_limit)"' <<<"$API_BODY")" = \
	  "chained $(jq -r '.interfaces[1].name' <<<"$prev") $(jq -r '.ips[0].address' <<<"$prev") 1000000" ]
	ok $? "  the record: chained on bridge's host veth, the container's address, 1000000 B/s"
	cni CHECK "$(conf 1.0.0 '"mode":"chained","egressRate":8000000,"prevResult":'"$prev")" $(att "${SB}ch" "/run/netns/${SB}nb")
	succeeds "  CHECK of the chained attachment" quiet
	hv=$(jq -r '.interfaces[1].name' <<<"$prev")
	sb_host tc filter del dev "$hv" ingress pref 1
	cni CHECK "$(conf 1.0.0 '"mode":"chained","egressRate":8000000,"prevResult":'"$prev")" $(att "${SB}ch" "/run/netns/${SB}nb")
	fails 100 "  CHECK after its guard filter was deleted by hand"
	[[ $(jq -r .msg <<<"$OUT") == *"host veth $hv has no guard filter"* ]]
	ok $? "  the message names the guard ($(jq -r .msg <<<"$OUT"))"
	cni DEL "$(conf 1.0.0 '"mode":"chained","egressRate":8000000,"prevResult":'"$prev")" $(att "${SB}ch" "/run/netns/${SB}nb")
	api GET "/containers/${SB}ch"
	[ "$RC" = 0 ] && [ "$API_STATUS" = 404 ] && sb_host ip link show "$(jq -r '.interfaces[1].name' <<<"$prev")" >/dev/null
	ok $? "  DEL: the attachment gone, bridge's veth left to bridge"
	p6=$(jq -c '.ips += [{"address": "2001:2:0:251::5/64", "interface": 2}]' <<<"$prev")
	cni ADD "$(conf 1.0.0 '"mode":"chained","prevResult":'"$p6")" $(att "${SB}ch" "/run/netns/${SB}nb")
	fails 7 "  chained ADD with an IPv6 address on eth0 in prevResult (the guard would drop it)"
	api GET "/containers/${SB}ch"
	[[ $(jq -r .msg <<<"$OUT") == *"IPv6 address 2001:2:0:251::5/64"*"IPv4 only"* ]] && [ "$API_STATUS" = 404 ]
	ok $? "  the message names the address; no attachment made"
	printf '%s' "$br" | sb_host env -i PATH="$PATH" CNI_COMMAND=DEL CNI_CONTAINERID="${SB}ch" \
		CNI_NETNS="/run/netns/${SB}nb" CNI_IFNAME=eth0 CNI_PATH=/usr/lib/cni /usr/lib/cni/bridge
else
	diag "no reference bridge plugin in /usr/lib/cni: the chained checks are skipped"
fi

# DEL: idempotent, and only this network's attachments.
api POST /containers '{"container_id":"api.1"}'
[ "$API_STATUS" = 201 ]
ok $? "a container made through the API"
api GET /containers/api.1/kernel
[ "$API_STATUS" = 200 ] && jq -e '.ok == true and (has("problem") | not)' <<<"$API_BODY" >/dev/null
ok $? "  GET /containers/api.1/kernel: as recorded ($API_BODY)"
api GET /containers/nosuch/kernel
[ "$API_STATUS" = 404 ]
ok $? "  GET /containers/nosuch/kernel: 404"
cni DEL "$(conf 1.0.0)" $(att api.1 "/run/netns/${SB}n0")
api GET /containers/api.1
succeeds "DEL of an API container: success" quiet
[ "$API_STATUS" = 200 ]
ok $? "  and it is still there"
NET=other cni DEL "$(NET=other conf 1.0.0)" $(att "${SB}c1" "/run/netns/${SB}n1")
api GET "/containers/${SB}c1"
[ "$RC" = 0 ] && [ "$API_STATUS" = 200 ]
ok $? "DEL from another network: success, the attachment stays"
for k in 1 2; do
	cni DEL "$(conf 1.0.0)" $(att "${SB}c1" "/run/netns/${SB}n1")
	succeeds "DEL #$k of ${SB}c1" quiet
done
api GET "/containers/${SB}c1"
[ "$API_STATUS" = 404 ]
ok $? "  the container is gone"
cni DEL "$(conf 1.0.0)" CNI_CONTAINERID="${SB}c2" CNI_IFNAME=eth0
succeeds "DEL without CNI_NETNS (as after a failed ADD)" quiet

# GC: removes this network's attachments not listed, spares the rest.
for k in 6 7; do ext_ns "${SB}n$k"; done
NET=other cni ADD "$(NET=other conf 1.0.0)" $(att "${SB}o" "/run/netns/${SB}n6")
succeeds "ADD in network other"
cni ADD "$(conf 1.0.0)" $(att "${SB}g" "/run/netns/${SB}n7")
succeeds "ADD ${SB}g"
valid="[{\"containerID\":\"${SB}c3\",\"ifname\":\"eth0\"},{\"containerID\":\"${SB}g\",\"ifname\":\"eth0\"},{\"containerID\":\"${SB}c4\",\"ifname\":\"net9\"}]"
cni GC "$(conf 1.1.0 "\"cni.dev/valid-attachments\":$valid")" CNI_PATH=/opt/cni/bin
succeeds "GC with c3, g and (c4, net9) valid" quiet
api GET /containers
[ "$(jq -c '[.[].container_id] | sort' <<<"$API_BODY")" = "$(jq -nc --arg s "$SB" '["api.1", ($s + "c3"), ($s + "g"), ($s + "o")] | sort')" ]
ok $? "  left: the API's, the other network's, the valid ones ($(jq -c '[.[].container_id]' <<<"$API_BODY"))"
cni GC "$(conf 1.1.0 '"cni.dev/valid-attachments":[]')" CNI_PATH=/opt/cni/bin
NET=other cni GC "$(NET=other conf 1.1.0 '"cni.dev/valid-attachments":[]')" CNI_PATH=/opt/cni/bin
api DELETE /containers/api.1
api GET /containers
[ "$(jq length <<<"$API_BODY")" = 0 ] && [ "$(kernel_state)" = "$base" ]
ok $? "GC with an empty list, for both networks: nothing left, the kernel as before"

agent_stop
cni STATUS "$(conf 1.1.0)"
fails 50 "STATUS once the agent is stopped"
[ ! -s "$SB_DIR/cni.err" ] || diag "stderr of the plugin: $(head -c 2000 "$SB_DIR/cni.err")"
t_done
