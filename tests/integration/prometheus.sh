#!/usr/bin/env bash
# cAdvisor's consumers against /metrics: promtool's check, then a real
# Prometheus server (run here, never the distribution's service) scraping
# the agent every second and answering the queries cAdvisor dashboards use,
# with the id/name/image labels, a runtime's pod labels and the host's
# id="/" series. Also: the image create field, kept across a restart, and
# control bytes kept out of label values.
. "$(dirname "$0")/lib.sh"

command -v promtool >/dev/null && command -v prometheus >/dev/null ||
	{ echo "1..0 # SKIP promtool and prometheus are not installed"; exit 0; }
W=$SB_WORLD_IP PROM_PORT=19090 PROM_PID=
cleanup() {
	[ -n "$PROM_PID" ] && kill "$PROM_PID" 2>/dev/null && wait "$PROM_PID" 2>/dev/null
	PROM_PID=
	sandbox_down	# takes $SB_DIR, the server's storage, with it
}
trap cleanup EXIT

agent_start || { cat "$SB_DIR/agent.log"; exit 1; }
api POST /containers '{"container_id":"pa","image":"docker.io/library/nginx:1.25"}'
[ "$API_STATUS" = 201 ] && [ "$(jq -r .image <<<"$API_BODY")" = docker.io/library/nginx:1.25 ]
ok $? "create with image: 201, the record shows it"
api POST /containers '{"container_id":"pbad","image":"nginx latest"}'
s1=$API_STATUS b1=$API_BODY
api POST /containers "{\"container_id\":\"pbad\",\"image\":\"$(printf 'a%.0s' {1..256})\"}"
s2=$API_STATUS
api GET /containers/pbad
[ "$s1" = 400 ] && grep -q 'printable' <<<"$b1" && [ "$s2" = 400 ] && [ "$API_STATUS" = 404 ]
ok $? "an image with a space or of 256 bytes: 400, nothing made ($s1 $s2 $API_STATUS)"
ctl create pb >/dev/null
ok $? "a container without image"
# A pod's container in its runtime's namespace, as the CNI plugin makes it.
X=${SB}p1
ip netns add "$X" && ip -n "$X" link set lo up
api POST /containers "{\"container_id\":\"pc\",\"netns\":\"/run/netns/$X\",\"namespace\":\"kube-ns\",\"pod\":\"web-0\",\"pod_uid\":\"u-1\"}"
[ "$API_STATUS" = 201 ]
ok $? "a pod's container (namespace kube-ns, pod web-0) in a runtime's netns"
api POST /containers '{"container_id":"pesc","executor_id":"a\u001b[31mb\u0007c\u007f"}'
[ "$API_STATUS" = 201 ]
ok $? "a container whose executor_id holds ESC, BEL and DEL"

api GET /metrics
printf '%s\n' "$API_BODY" >"$SB_DIR/m0.txt"
! grep -q $'[\x01-\x08\x0b-\x1f\x7f]' "$SB_DIR/m0.txt" &&
	grep -q '^container_network_receive_bytes_total{container_id="pesc",executor_id="a\[31mbc",' "$SB_DIR/m0.txt"
ok $? "/metrics carries no control byte: executor_id=\"a[31mbc\""
api DELETE /containers/pesc

# Traffic both ways for every container, long enough for several scrapes.
sb_bg sb_world socat -u TCP4-LISTEN:5201,reuseaddr,fork OPEN:/dev/null
sleep 0.3
traffic() {	# traffic CMD-PREFIX...: 20 s of 256 KiB sends every 0.2 s
	for _ in $(seq 100); do
		"$@" bash -c "head -c 262144 /dev/zero | socat -u - TCP4:$W:5201" 2>/dev/null
		sleep 0.2
	done
}
sb_bg traffic in_ct pa
sb_bg traffic in_ct pb
sb_bg traffic ip netns exec "$X"
sleep 1
sb_host curl -s http://127.0.0.1:5051/metrics >"$SB_DIR/m.txt"
promtool check metrics <"$SB_DIR/m.txt" >"$SB_DIR/promtool.out" 2>&1
ok $? "promtool check metrics: clean $(head -3 "$SB_DIR/promtool.out" | tr '\n' ' ')"
awk -f "$(dirname "$0")/promcheck.awk" "$SB_DIR/m.txt" >"$SB_DIR/m.err"
ok $? "promcheck.awk: well-formed $(head -3 "$SB_DIR/m.err" | tr '\n' ' ')"
grep -q '^container_network_transmit_bytes_total{container_id="pa",id="/netisol/pa",name="pa",image="docker.io/library/nginx:1.25",interface="eth0"} [1-9]' "$SB_DIR/m.txt" &&
	grep -q '^container_network_transmit_bytes_total{container_id="pb",id="/netisol/pb",name="pb",interface="eth0"} [1-9]' "$SB_DIR/m.txt" &&
	grep -q '^container_network_transmit_bytes_total{container_id="pc",namespace="kube-ns",pod="web-0",pod_uid="u-1",id="/netisol/pc",name="pc",interface="eth0"} [1-9]' "$SB_DIR/m.txt" &&
	grep -q '^container_network_transmit_bytes_total{id="/",interface="eth0"} [1-9]' "$SB_DIR/m.txt"
ok $? "id, name, image, the pod's namespace and pod; the host's id=\"/\" series"
[ "$(grep -c '^container_network_.*{id="/",' "$SB_DIR/m.txt")" = 8 ] &&
	! grep -q '^netisol_tc_.*id="/netisol' "$SB_DIR/m.txt"
ok $? "the host series in all eight container_network_* families, and only there"
h1=$(grep -A2 '^# HELP container_network_receive_bytes_total' "$SB_DIR/m.txt" | head -2)
[ "$h1" = "# HELP container_network_receive_bytes_total Cumulative count of bytes received
# TYPE container_network_receive_bytes_total counter" ]
ok $? "HELP/TYPE as cAdvisor's"

# A Prometheus 2.42 server in the agent's namespace, scraping every second.
mkdir -p "$SB_DIR/prom"
cat >"$SB_DIR/prom/prometheus.yml" <<EOF
global: {scrape_interval: 1s, evaluation_interval: 1s}
scrape_configs:
  - job_name: netisol
    static_configs: [{targets: ['127.0.0.1:5051']}]
EOF
promtool check config "$SB_DIR/prom/prometheus.yml" >/dev/null 2>&1
ok $? "promtool check config"
# nsenter execs the server, so $! is its own pid (a function would fork).
nsenter --net="/run/netns/${SB}h" prometheus --config.file="$SB_DIR/prom/prometheus.yml" \
	--storage.tsdb.path="$SB_DIR/prom/data" --web.listen-address=127.0.0.1:$PROM_PORT \
	>"$SB_DIR/prom/log" 2>&1 &
PROM_PID=$!
up=1
for _ in $(seq 300); do
	sb_host curl -sf http://127.0.0.1:$PROM_PORT/-/ready >/dev/null 2>&1 && { up=0; break; }
	kill -0 "$PROM_PID" 2>/dev/null || break
	sleep 0.1
done
ok $up "prometheus $(prometheus --version 2>&1 | awk 'NR==1 { print $3 }') is ready"
[ $up = 0 ] || tail -5 "$SB_DIR/prom/log" | sed 's/^/# /'

# query EXPR: the result vector of an instant query (JSON)
query() {
	sb_host curl -s "http://127.0.0.1:$PROM_PORT/api/v1/query" --data-urlencode "query=$1" |
		jq -c '.data.result'
}
# nonempty EXPR: waits (up to 20 s) until EXPR has a result
nonempty() {
	local r
	for _ in $(seq 40); do
		r=$(query "$1")
		[ -n "$r" ] && [ "$r" != "[]" ] && [ "$r" != null ] && { R=$r; return 0; }
		sleep 0.5
	done
	R=$r
	return 1
}
nonempty 'up{job="netisol"} == 1'
ok $? "the netisol job is up"
for f in receive_bytes transmit_bytes receive_packets transmit_packets \
	receive_packets_dropped transmit_packets_dropped; do
	miss=0
	nonempty "sum by (name) (rate(container_network_${f}_total{name=~\".+\"}[1m]))" || miss=1
	for n in pa pb pc; do
		jq -e --arg n $n 'any(.[]; .metric.name == $n)' <<<"$R" >/dev/null 2>&1 || miss=1
	done
	ok $miss "sum by (name) (rate(container_network_${f}_total{name=~\".+\"}[1m])): pa, pb, pc"
done
nonempty 'sum by (name) (rate(container_network_transmit_bytes_total{name=~".+"}[1m])) > 0' &&
	[ "$(jq 'length' <<<"$R")" = 3 ]
ok $? "transmit rates above zero for all three"
nonempty 'rate(container_network_transmit_bytes_total{id="/"}[1m]) > 0'
ok $? "rate(container_network_transmit_bytes_total{id=\"/\"}[1m]): the host's interface"
nonempty 'sum by (namespace, pod) (rate(container_network_receive_bytes_total{pod!=""}[1m]))' &&
	[ "$(jq -r '[.[] | "\(.metric.namespace)/\(.metric.pod)"] | join(" ")' <<<"$R")" = kube-ns/web-0 ]
ok $? "sum by (namespace, pod) (...{pod!=\"\"}): kube-ns/web-0 only"
nonempty 'container_network_receive_bytes_total{id=~".+"}' && [ "$(jq 'length' <<<"$R")" = 4 ]
ok $? "{id=~\".+\"}: the three containers and the host"
nonempty 'container_network_receive_bytes_total{image!=""}' &&
	[ "$(jq -r '.[0].metric.name + " " + .[0].metric.image' <<<"$R")" = "pa docker.io/library/nginx:1.25" ]
ok $? "{image!=\"\"}: pa, docker.io/library/nginx:1.25"

# The image is checkpointed: a restarted agent recovers it.
agent_stop
agent_start || exit 1
api GET /containers/pa
[ "$(jq -r .image <<<"$API_BODY")" = docker.io/library/nginx:1.25 ] &&
	sb_host curl -s http://127.0.0.1:5051/metrics | grep -q '^container_network_receive_bytes_total{container_id="pa",.*image="docker.io/library/nginx:1.25"'
ok $? "after a restart: pa's image in /containers and on /metrics"
kill "$PROM_PID" && wait "$PROM_PID" 2>/dev/null
PROM_PID=
for c in pa pb pc; do api DELETE /containers/$c; done
t_done
