#!/usr/bin/env bash
# Every refused start exits 1 with one clear line on stderr and leaves the
# host namespace exactly as it was: no link, address, route, qdisc, filter,
# sysctl or mount changed, no directory created.
. "$(dirname "$0")/lib.sh"

NETISOLD=$top_builddir/netisold

host_state() {
	sb_host sh -c 'ip -d link show; ip addr show; ip route show table all;
		for d in $(ip -o link show | sed "s/^[0-9]*: \([^:@]*\).*/\1/"); do
			tc qdisc show dev $d; tc filter show dev $d ingress; done;
		sysctl net.ipv4.conf.all.rp_filter net.ipv4.conf.lo.route_localnet \
			net.ipv4.conf.lo.accept_local net.ipv4.ip_local_port_range' |
		grep -v -e inet6 -e fe80:: # IPv6 duplicate address detection ends on its own
	grep -c netisol /proc/mounts
	ls "$SB_DIR"
}

# refused NEEDLE ARGS...: runs the agent, expects exit 1 and NEEDLE on stderr.
refused() {
	local needle=$1; shift
	local before after out rc lines
	before=$(host_state)
	out=$(sb_host timeout 10 "${RUNAS[@]}" "$NETISOLD" --work_dir="$SB_DIR/work" \
		--runtime_dir="$SB_DIR/run" --port=5051 "$@" 2>&1 >/dev/null)
	rc=$?
	after=$(host_state)
	lines=$(printf '%s\n' "$out" | grep -c .)
	[ $rc = 1 ] && [ "$lines" = 1 ] && [[ $out == *"$needle"* ]] && [ "$before" = "$after" ]
	ok $? "refused ($*): '$out'"
	[ "$before" = "$after" ] || diff <(echo "$before") <(echo "$after") | sed 's/^/# /'
}

RUNAS=()
ISO=--isolation=network/port_mapping
refused "Unknown or unsupported isolator: cgroups/cpu" --isolation=cgroups/cpu
refused "Unknown or unsupported isolator: posix/disk" --isolation=network/port_mapping,posix/disk
refused "isolation' is required"
refused "power of two" $ISO --ephemeral_ports_per_container=1000
refused "power of two" $ISO --ephemeral_ports_per_container=8
refused "larger than" $ISO --resources='ports:[31000-32000];ephemeral_ports:[32768-33791]' --ephemeral_ports_per_container=2048
refused "overlap ports" $ISO --resources='ports:[31000-40000];ephemeral_ports:[32768-57344]'
refused "below 1024" $ISO --resources='ports:[80-100];ephemeral_ports:[32768-57344]'
refused "ip_local_port_range" $ISO --resources='ports:[31000-32000];ephemeral_ports:[40960-65535]'
refused "'32000-31000'" $ISO --resources='ports:[32000-31000]'
refused "'70000" $ISO --resources='ports:[70000-70001]'
refused "10XB" $ISO --egress_rate_limit_per_container=10XB
refused "exceeds --maximum_egress_rate_limit" $ISO --minimum_egress_rate_limit=10MB --maximum_egress_rate_limit=1MB
refused "must exceed the rate" $ISO --egress_rate_limit_per_container=1MB --egress_ceil_limit=1MB
refused "unknown flag 'bogus'" $ISO --bogus=1
refused "'nosuch0' does not exist" $ISO --eth0_name=nosuch0
refused "no MAC address" $ISO --eth0_name=lo
refused "'nosuch1' does not exist" $ISO --lo_name=nosuch1
mkdir -p "$SB_DIR"
printf '1 0.0.0.0/0\n2 10.0.0.1/8\n' >"$SB_DIR/classes.bad"
printf '1 0.0.0.0/0\n2 2001:db8::/32\n' >"$SB_DIR/classes.v6"
refused "classes.bad: line 2: host bits are set" $ISO --network_classes="$SB_DIR/classes.bad"
refused "line 2: IPv6 classes are not supported yet" $ISO --network_classes="$SB_DIR/classes.v6"
refused "--network_classes=$SB_DIR/nosuch" $ISO --network_classes="$SB_DIR/nosuch"
refused "accounting_minute_retention" $ISO --accounting_minute_retention=2fortnights

# An interface with no IPv4 address, then a host with no default route.
sb_host ip link add "${SB}x" type veth peer name "${SB}y"
sb_host ip link set "${SB}x" up
refused "'${SB}x' has no IPv4 address" $ISO --eth0_name="${SB}x"
sb_host ip addr add 198.19.7.1/24 dev "${SB}x"
refused "no IPv4 default route via ${SB}x" $ISO --eth0_name="${SB}x"
sb_host ip link del "${SB}x"
sb_host ip route del default
refused "no IPv4 default route" $ISO
sb_host ip route add default via "$SB_WORLD_IP"

# A feature the flags ask for but this kernel lacks (the stock Debian
# kernel has fq_codel: there these two start, see scripts/vmtest.sh).
if ! sb_host tc qdisc add dev lo root fq_codel 2>/dev/null; then
	refused "fq_codel qdisc not available in this kernel" $ISO --bloat_reduction=fq_codel
	refused "fq_codel qdisc not available in this kernel" $ISO --egress_unique_flow_per_container
else
	sb_host tc qdisc del dev lo root
	diag "this kernel has fq_codel: the refusal for a kernel without it is not tested here"
fi

# Without CAP_NET_ADMIN/CAP_SYS_ADMIN.
RUNAS=(setpriv --reuid=65534 --regid=65534 --clear-groups --inh-caps=-all)
refused "must run as root" $ISO
RUNAS=()

# And the same command line without the fault starts and answers /health.
agent_start
ok $? "a good start answers /health"
body=$(sb_host curl -s http://127.0.0.1:5051/health)
[ "$body" = '{"status":"ok"}' ]
ok $? "GET /health is {\"status\":\"ok\"} ($body)"
[ "$(stat -c %a "$SB_DIR/run/api.sock")" = 600 ]
ok $? "api.sock is mode 0600"
agent_stop
ok $? "SIGTERM stops the agent with status 0"
[ ! -e "$SB_DIR/run/api.sock" ]
ok $? "api.sock is removed on exit"
t_done
