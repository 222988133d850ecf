#!/usr/bin/env bash
# The web page (issue 18) in headless Chromium, driven over DevTools
# (ui_cdp.py) inside the agent's namespace, against containers under
# iperf3 traffic: every container with a live rate that matches
# statistics.json, charts with data points, the history's classes as
# /accounting has them, a tenant's narrower view, no request to any other
# host; the redirect, the Basic challenge, ETags and the CSP with curl.
# UI_SCREENSHOTS=DIR also writes 1280x800 shots of both views there (and
# one of the overview at 375x740).
. "$(dirname "$0")/lib.sh"

W=$SB_WORLD_IP W2=198.19.0.1 URL=http://127.0.0.1:5051
A=ui.a B=ui.b CREDS=$SB_DIR/creds.json CLASSES=$SB_DIR/classes
CDP=$(dirname "$0")/ui_cdp.py
printf '1 0.0.0.0/0\n2 198.19.0.0/16\n' >"$CLASSES"
printf '{"credentials":[{"principal":"ops","secret":"o"},{"principal":"alice","secret":"a","containers":["%s"]}]}' \
	"$A" >"$CREDS"
sb_world ip addr add $W2/32 dev lo

# hcurl ARGS...: curl over TCP inside the agent's namespace.
hcurl() { sb_host curl -s -m 30 "$@"; }
# page USER:PASS FRAGMENT WAIT EVAL [ARGS]: the page in Chromium, as JSON.
page() {
	local auth=$1 frag=$2 wait=$3 ev=$4; shift 4
	sb_host env HOME="$SB_DIR" python3 "$CDP" --url "$URL/ui/$frag" --auth "$auth" \
		--wait "$wait" --eval "$ev" --timeout 40 "$@"
}
ratio_in() {	# ratio_in VALUE REF LO HI
	awk -v v="$1" -v r="$2" -v lo="$3" -v hi="$4" 'BEGIN { if (r <= 0) exit 1; x = v / r; printf "%.3f", x; exit !(x >= lo && x <= hi) }'
}

agent_start --authenticate_http_readonly --http_credentials="$CREDS" \
	--accounting_interval=1secs --network_classes="$CLASSES" ||
	{ cat "$SB_DIR/agent.log"; exit 1; }
ctl create $A --ports '[31000-31000]' --egress-rate 4MB >/dev/null &&
	ctl create $B --egress-rate 2MB >/dev/null
ok $? "containers $A (4 MB/s cap) and $B (2 MB/s cap)"

# --- HTTP: redirect, challenge, types, ETag, CSP ---------------------------
h=$(hcurl -o /dev/null -D - $URL/)
grep -q '^HTTP/1.1 302' <<<"$h" && grep -qi '^Location: /ui/' <<<"$h"
ok $? "GET / is 302 to /ui/ without credentials"
h=$(hcurl -o /dev/null -D - $URL/ui/)
grep -q '^HTTP/1.1 401' <<<"$h" && grep -qi '^WWW-Authenticate: Basic realm="netisol"' <<<"$h"
ok $? "GET /ui/ without credentials is 401 with a Basic challenge (the browser prompts)"
h=$(hcurl -u ops:o -o "$SB_DIR/index.html" -D - $URL/ui/)
etag=$(awk -F': ' 'tolower($1)=="etag" { sub(/\r$/, "", $2); print $2 }' <<<"$h")
grep -q '^HTTP/1.1 200' <<<"$h" && grep -qi '^Content-Type: text/html; charset=utf-8' <<<"$h" &&
	grep -qi "^Content-Security-Policy: default-src 'self'" <<<"$h" && [ -n "$etag" ]
ok $? "GET /ui/ is 200 text/html with a self-only CSP and ETag $etag"
! grep -qi '<script>\|<script [^>]*>[^<]' "$SB_DIR/index.html" && ! grep -qi ' on[a-z]*=' "$SB_DIR/index.html"
ok $? "index.html has no inline script or handler"
code=$(hcurl -u ops:o -o /dev/null -w '%{http_code}' -H "If-None-Match: $etag" $URL/ui/)
[ "$code" = 304 ]
ok $? "If-None-Match with its ETag is 304 ($code)"
code=$(hcurl -u ops:o -o /dev/null -w '%{http_code}' -H 'If-None-Match: "other"' $URL/ui/)
[ "$code" = 200 ]
ok $? "If-None-Match with another tag is 200 ($code)"
for f in app.js:text/javascript overview.js:text/javascript container.js:text/javascript \
	format.js:text/javascript style.css:text/css chart.js:text/javascript; do
	t=$(hcurl -u ops:o -o "$SB_DIR/${f%%:*}" -w '%{content_type}' $URL/ui/${f%%:*})
	[[ $t == ${f#*:}* ]] && [ -s "$SB_DIR/${f%%:*}" ]
	ok $? "/ui/${f%%:*} is $t"
done
! grep -l 'https\?://' "$SB_DIR"/{index.html,app.js,overview.js,container.js,format.js,style.css}
ok $? "the page's own files name no URL of another host"
[ "$(hcurl -u ops:o -o /dev/null -w '%{http_code}' $URL/ui/nosuch.js)" = 404 ]
ok $? "an unknown /ui/ file is 404"

# --- GET /agent -------------------------------------------------------------
hcurl -u ops:o $URL/agent >"$SB_DIR/agent.json"
jq -e '.containers == 2 and (.free_blocks|type) == "number" and (.destroying|type) == "number"
	and (.accounting.pass_seconds|type) == "number" and (.status|type) == "string"
	and (.warnings|type) == "array"' "$SB_DIR/agent.json" >/dev/null
ok $? "GET /agent (operator): $(jq -c . "$SB_DIR/agent.json")"
code=$(hcurl -u alice:a -o /dev/null -w '%{http_code}' $URL/agent)
[ "$code" = 403 ]
ok $? "GET /agent (tenant) is 403 ($code)"

# --- traffic: both containers send to the world, A also to class 2 ----------
sb_bg sb_world iperf3 -s -p 5201 >/dev/null 2>&1
sb_bg sb_world iperf3 -s -p 5202 >/dev/null 2>&1
sb_bg sb_world socat -u TCP4-LISTEN:5203,bind=$W2,reuseaddr,fork OPEN:/dev/null
sleep 0.5
sb_bg in_ct $A iperf3 -c $W -p 5201 -t 120 >/dev/null 2>&1
sb_bg in_ct $B iperf3 -c $W -p 5202 -t 120 >/dev/null 2>&1
in_ct $A bash -c "head -c 2000000 /dev/zero | socat -u - TCP4:$W2:5203"
ok $? "iperf3 from $A and $B, 2 MB from $A to class 2"
sleep 3

# A container's send rate from two statistics.json polls 2 s apart.
txrate() {
	local t0 b0 t1 b1 q=".[] | select(.container_id==\"$1\") | .statistics | \"\(.timestamp) \(.net_tx_bytes)\""
	read -r t0 b0 < <(hcurl -u ops:o $URL/monitor/statistics.json | jq -r "$q")
	sleep 2
	read -r t1 b1 < <(hcurl -u ops:o $URL/monitor/statistics.json | jq -r "$q")
	awk -v a="$t0" -v b="$b0" -v c="$t1" -v d="$b1" 'BEGIN { printf "%.0f", (d - b) / (c - a) }'
}

# --- the overview, as the operator ------------------------------------------
ROWS='[...document.querySelectorAll("#containers tbody tr[data-id]")].map(r => ({id: r.dataset.id,
	tx: +r.querySelector("td.tx").dataset.bps, rx: +r.querySelector("td.rx").dataset.bps,
	txt: r.querySelector("td.tx").textContent, drops: +r.querySelector("td.drops").textContent, points: +r.querySelector("canvas").dataset.points,
	chart: !!Chart.getChart(r.querySelector("canvas"))}))'
READY='document.querySelectorAll("#containers tbody tr[data-id]").length >= N &&
	[...document.querySelectorAll("#containers canvas")].every(c => +c.dataset.points >= 3)'
# Drops as the page sums them: the HTB roots (their leaves' included) and the link.
DROPS='.[] | select(.container_id==$c) | .statistics | ([.net_traffic_control_statistics[] |
	select(.id == "bw_limit" or .id == "ingress_bw_limit") | .drops] | add // 0) + .net_rx_dropped + .net_tx_dropped'
drops_of() { hcurl -u ops:o $URL/monitor/statistics.json | jq --arg c "$1" "$DROPS"; }
d0=$(drops_of $A)
shot=()
[ -n "${UI_SCREENSHOTS:-}" ] && shot=(--shot "$UI_SCREENSHOTS/ui-overview.png")
out=$(page ops:o '' "${READY/N/2} && !document.getElementById(\"agent\").hidden" \
	"({rows: $ROWS, agent: !!document.getElementById('agent') && !document.getElementById('agent').hidden,
	  agentText: document.getElementById('agent').textContent})" "${shot[@]}")
d1=$(drops_of $A)
ref_a=$(txrate $A) ref_b=$(txrate $B)
diag "overview: $(jq -c '.value.rows' <<<"$out") errors: $(jq -c .errors <<<"$out")"
[ "$(jq -r '.waited' <<<"$out")" = true ] &&
	[ "$(jq -c '[.value.rows[].id] | sort' <<<"$out")" = "[\"$A\",\"$B\"]" ]
ok $? "operator: the overview lists $A and $B"
for c in $A $B; do
	ref=$ref_a; [ $c = $B ] && ref=$ref_b
	got=$(jq -r ".value.rows[] | select(.id==\"$c\") | .tx" <<<"$out")
	txt=$(jq -r ".value.rows[] | select(.id==\"$c\") | .txt" <<<"$out")
	r=$(ratio_in "$got" "$ref" 0.75 1.33)
	ok $? "operator: $c's send rate on the page $got B/s ('$txt') is $r of statistics.json's $ref B/s"
done
jq -e '[.value.rows[] | select(.chart and .points >= 3)] | length == 2' <<<"$out" >/dev/null
ok $? "operator: each row's Chart.js chart has data points ($(jq -c '[.value.rows[].points]' <<<"$out"))"
got=$(jq ".value.rows[] | select(.id==\"$A\") | .drops" <<<"$out")
[ "$got" -ge "$d0" ] && [ "$got" -le "$d1" ]
ok $? "operator: $A's drops on the page ($got) lie between statistics.json's before and after ($d0, $d1)"
jq -e '.value.agent and (.value.agentText | test("free port blocks"))' <<<"$out" >/dev/null
ok $? "operator: the agent-state panel is shown"
jq -e '.errors == []' <<<"$out" >/dev/null
ok $? "operator: no console error ($(jq -c .errors <<<"$out"))"
others=$(jq -r '.requests[] | select(test("^(http://127\\.0\\.0\\.1:5051/|data:|about:)") | not)' <<<"$out")
[ -z "$others" ] && [ "$(jq '.requests | length' <<<"$out")" -ge 7 ]
ok $? "operator: all $(jq '.requests | length' <<<"$out") requests went to the agent ($others)"

# --- one container ----------------------------------------------------------
q="container_id=$A&by=hour&from=$(($(date +%s) - 172800))"
want=$(hcurl -u ops:o "$URL/accounting?$q" | jq -r '[.rows[].class] | unique | join(" ")')
shot=()
[ -n "${UI_SCREENSHOTS:-}" ] && shot=(--shot "$UI_SCREENSHOTS/ui-container.png")
out=$(page ops:o "#/c/$A" '+document.getElementById("live").dataset.points >= 4 &&
	document.getElementById("history").dataset.classes.split(" ").length >= 2 &&
	document.querySelectorAll("#top tbody tr").length >= 2' \
	"({live: +document.getElementById('live').dataset.points,
	  tx: +document.getElementById('live').dataset.txBps,
	  liveSets: Chart.getChart('live').data.datasets.map(d => d.label + ':' + d.data.filter(v => v !== null).length),
	  classes: document.getElementById('history').dataset.classes,
	  bars: Chart.getChart('history').data.datasets.map(d => d.label),
	  note: document.querySelector('.note').textContent,
	  totals: [...document.querySelectorAll('#totals tbody th')].map(t => t.textContent),
	  top: [...document.querySelectorAll('#top tbody th')].map(t => t.textContent)})" "${shot[@]}")
diag "container view: $(jq -c .value <<<"$out")"
jq -e '.waited and .value.live >= 4' <<<"$out" >/dev/null
ok $? "container: the live chart has $(jq .value.live <<<"$out") points"
jq -e '[.value.liveSets[] | select(test("cap") and (endswith(":0") | not))] | length == 1' <<<"$out" >/dev/null &&
	jq -e '[.value.liveSets[] | select(test("drops|backlog"))] | length == 2' <<<"$out" >/dev/null
ok $? "container: the live chart has the cap line and the qdiscs' drops and backlog"
r=$(ratio_in "$(jq .value.tx <<<"$out")" "$ref_a" 0.75 1.33)
ok $? "container: its live send rate is $r of statistics.json's"
got=$(jq -r .value.classes <<<"$out")
[ -n "$want" ] && [ "$got" = "$want" ]
ok $? "container: the history shows the classes /accounting has ('$got' = '$want')"
jq -e '.value.totals[0] == "total" and (.value.totals | length) == 1 + ('"$(wc -w <<<"$want")"')' <<<"$out" >/dev/null
ok $? "container: totals per class like netisolctl traffic ($(jq -c .value.totals <<<"$out"))"
jq -e '.value.top | index("'$A'") != null and index("'$B'") != null' <<<"$out" >/dev/null
ok $? "container: the period's top containers ($(jq -c .value.top <<<"$out"))"
jq -e '.value.note | test("UTC")' <<<"$out" >/dev/null
ok $? "container: the history is labelled with its zone ($(jq -r .value.note <<<"$out"))"
others=$(jq -r '.requests[] | select(test("^(http://127\\.0\\.0\\.1:5051/|data:|about:)") | not)' <<<"$out")
[ -z "$others" ] && jq -e '.errors == []' <<<"$out" >/dev/null
ok $? "container: no request to another host, no console error ($others $(jq -c .errors <<<"$out"))"

# The agent's zone: the select switches the query to &tz=local.
out=$(page ops:o "#/c/$A" '+document.getElementById("history").dataset.points >= 1' \
	"(async () => { const s = document.getElementById('tz'); s.value = 'local';
	  s.dispatchEvent(new Event('change'));
	  await new Promise(r => setTimeout(r, 1500));
	  return document.querySelector('.note').textContent; })()")
want=$(hcurl -u ops:o "$URL/accounting?$q&tz=local" | jq -r .timezone)
jq -e --arg z "$want" '.value | contains($z)' <<<"$out" >/dev/null
ok $? "container: the agent's zone is labelled as /accounting names it ($(jq -r .value <<<"$out"), '$want')"

# --- a tenant ---------------------------------------------------------------
out=$(page alice:a '' "${READY/N/1}" "({rows: $ROWS, agent: !!document.getElementById('agent')})")
jq -e --arg a $A '.waited and ([.value.rows[].id] == [$a]) and (.value.agent | not)' <<<"$out" >/dev/null
ok $? "tenant: the overview lists $A only and has no agent panel ($(jq -c .value <<<"$out"))"
out=$(page alice:a "#/c/$B" 'document.getElementById("status").textContent.includes("error")' \
	"document.getElementById('live').dataset.points")
jq -e '.waited and .value == "0"' <<<"$out" >/dev/null
ok $? "tenant: $B's view shows no data ($(jq -c '{waited, value}' <<<"$out"))"

# --- phone width --------------------------------------------------------------
shot=()
[ -n "${UI_SCREENSHOTS:-}" ] && shot=(--shot "$UI_SCREENSHOTS/ui-phone.png")
out=$(page ops:o '' "${READY/N/2}" \
	'({sw: document.documentElement.scrollWidth, rows: document.querySelectorAll("#containers tbody tr[data-id]").length})' \
	--size 375x740 "${shot[@]}")
jq -e '.value.sw <= 375 and .value.rows == 2' <<<"$out" >/dev/null
ok $? "375 px wide: no horizontal scroll of the page ($(jq -c .value <<<"$out"))"

t_done
