// overview.js - every container the reader may see, its live rates and a
// small chart each, sortable; the agent's own state for operators.
import { api, bytes, rate, ports, el, rates, drops, setStatus, POLL_MS, LIVE_POINTS }
  from './format.js';

const COLUMNS = [
  { key: 'id', label: 'Container' },
  { key: 'pod', label: 'Pod' },
  { key: 'ports', label: 'Ports' },
  { key: 'limit', label: 'Limits' },
  { key: 'rx', label: 'Receive', num: true },
  { key: 'tx', label: 'Send', num: true },
  { key: 'drops', label: 'Drops', num: true },
  { key: 'chart', label: 'Last 90 s', nosort: true },
];

export function start(root) {
  const st = { rows: new Map(), sort: 'id', dir: 1, timer: null, stopped: false };
  const agentBox = el('section', { id: 'agent', 'aria-label': 'Agent state', hidden: true });
  const tbody = el('tbody');
  const head = el('tr');
  const table = el('table', { id: 'containers' },
    el('caption', {}, 'Containers, with rates over the last poll'), el('thead', {}, head), tbody);
  for (const c of COLUMNS) head.append(headerCell(c, st, () => draw(st, tbody, head)));
  root.append(agentBox, el('div', { class: 'scroll' }, table));

  async function tick() {
    try {
      await refresh(st, tbody, head);
      await agentState(agentBox);
      setStatus('updated ' + new Date().toLocaleTimeString());
    } catch (e) {
      setStatus('error: ' + e.message);
    }
    if (!st.stopped) st.timer = setTimeout(tick, POLL_MS);
  }
  tick();
  return { stop() { st.stopped = true; clearTimeout(st.timer); destroy(st); } };
}

function headerCell(c, st, redraw) {
  const th = el('th', { scope: 'col', 'data-key': c.key, class: 'c-' + c.key + (c.num ? ' num' : '') });
  if (c.nosort) { th.append(c.label); return th; }
  th.append(el('button', { type: 'button', onclick: () => {
    st.dir = st.sort === c.key ? -st.dir : (c.num ? -1 : 1);
    st.sort = c.key;
    redraw();
  } }, c.label));
  return th;
}

function destroy(st) {
  for (const r of st.rows.values()) r.chart.destroy();
  st.rows.clear();
}

async function refresh(st, tbody, head) {
  const [list, stats] = await Promise.all([api('/containers'), api('/monitor/statistics.json')]);
  const byId = new Map(stats.map((s) => [s.container_id, s.statistics]));
  const seen = new Set();
  for (const rec of list) {
    const s = byId.get(rec.container_id);
    if (!s) continue;
    seen.add(rec.container_id);
    let row = st.rows.get(rec.container_id);
    if (!row) row = newRow(st, rec);
    row.rec = rec;
    update(row, s);
  }
  for (const [id, row] of st.rows)
    if (!seen.has(id)) { row.chart.destroy(); row.tr.remove(); st.rows.delete(id); }
  draw(st, tbody, head);
}

function limits(rec) {
  const l = [];
  if (rec.egress_rate_limit) l.push('out ' + rate(rec.egress_rate_limit));
  if (rec.ingress_rate_limit) l.push('in ' + rate(rec.ingress_rate_limit));
  return l.join(', ') || 'none';
}

function newRow(st, rec) {
  const id = rec.container_id;
  const canvas = el('canvas', { role: 'img', width: 160, height: 40, 'data-points': 0,
    'aria-label': 'Receive and send rate of ' + id + ' over the last 90 seconds' });
  const cells = {
    id: el('th', { scope: 'row' }, el('a', { href: '#/c/' + encodeURIComponent(id) }, id)),
    pod: el('td', {}, rec.pod ? (rec.namespace ? rec.namespace + '/' : '') + rec.pod : '-'),
    ports: el('td', {}, ports(rec.ports) || '-'),
    limit: el('td', {}, limits(rec)),
    rx: el('td', { class: 'num rx' }, '-'),
    tx: el('td', { class: 'num tx' }, '-'),
    drops: el('td', { class: 'num drops' }, '-'),
    chart: el('td', { class: 'spark' }, el('div', { class: 'sparkbox' }, canvas)),
  };
  const tr = el('tr', { 'data-id': id });
  for (const c of COLUMNS) { cells[c.key].classList.add('c-' + c.key); tr.append(cells[c.key]); }
  const row = { tr, cells, canvas, prev: null, rx: 0, tx: 0, drops: 0, chart: spark(canvas) };
  st.rows.set(id, row);
  return row;
}

function spark(canvas) {
  return new Chart(canvas, {
    type: 'line',
    data: { labels: [], datasets: [
      { label: 'receive', data: [], borderColor: '#1f77b4', borderWidth: 1.5, pointRadius: 0 },
      { label: 'send', data: [], borderColor: '#d62728', borderWidth: 1.5, pointRadius: 0 }] },
    options: { responsive: true, maintainAspectRatio: false, events: [],
      plugins: { legend: { display: false }, tooltip: { enabled: false } },
      scales: { x: { display: false }, y: { display: false, beginAtZero: true } } },
  });
}

function update(row, s) {
  const r = row.prev ? rates(row.prev, s) : null;
  row.drops = drops(s);
  row.cells.drops.textContent = String(row.drops);
  if (r) {
    row.rx = r.rx; row.tx = r.tx;
    row.cells.rx.textContent = rate(r.rx);
    row.cells.tx.textContent = rate(r.tx);
    row.cells.rx.dataset.bps = r.rx.toFixed(0);
    row.cells.tx.dataset.bps = r.tx.toFixed(0);
    row.cells.rx.title = bytes(s.net_rx_bytes) + ' received in all';
    row.cells.tx.title = bytes(s.net_tx_bytes) + ' sent in all';
    const d = row.chart.data;
    d.labels.push('');
    d.datasets[0].data.push(r.rx * 8);
    d.datasets[1].data.push(r.tx * 8);
    if (d.labels.length > LIVE_POINTS) {
      d.labels.shift(); d.datasets.forEach((x) => x.data.shift());
    }
    row.chart.update();
    row.canvas.dataset.points = String(d.labels.length);
  }
  row.prev = s;
}

function value(row, key) {
  if (key === 'id') return row.rec.container_id;
  if (key === 'pod') return row.cells.pod.textContent;
  if (key === 'ports') return (row.rec.ports && row.rec.ports[0] && row.rec.ports[0][0]) || 0;
  if (key === 'limit') return row.rec.egress_rate_limit || 0;
  return row[key];
}

function draw(st, tbody, head) {
  const rows = [...st.rows.values()].sort((a, b) => {
    const x = value(a, st.sort), y = value(b, st.sort);
    return (x < y ? -1 : x > y ? 1 : 0) * st.dir;
  });
  rows.forEach((r) => tbody.append(r.tr));
  if (!rows.length && !tbody.querySelector('.empty'))
    tbody.append(el('tr', { class: 'empty' },
      el('td', { colspan: COLUMNS.length }, 'No containers you may see.')));
  else if (rows.length) tbody.querySelectorAll('.empty').forEach((e) => e.remove());
  for (const th of head.children)
    if (th.dataset.key === st.sort) th.setAttribute('aria-sort', st.dir > 0 ? 'ascending' : 'descending');
    else th.removeAttribute('aria-sort');
}

// The agent's panel: a tenant's 403 leaves it out altogether.
async function agentState(box) {
  let a;
  try { a = await api('/agent'); } catch (e) {
    if (e.status === 403) { box.remove(); return; }
    throw e;
  }
  const item = (k, v) => [el('div', {}, el('dt', {}, k), el('dd', {}, String(v)))];
  const dl = el('dl', {},
    ...item('status', a.status),
    ...item('containers', a.containers + ' of ' + a.capacity),
    ...item('free port blocks', a.free_blocks),
    ...item('destroy queue', a.destroying),
    ...item('accounting pass', (a.accounting.pass_seconds * 1000).toFixed(1) + ' ms'),
    ...item('accounting passes', a.accounting.passes),
    ...item('checkpoint write failures', a.checkpoint_write_failures));
  const warn = a.warnings.length
    ? el('ul', { class: 'warnings', 'aria-label': 'Warnings' }, ...a.warnings.map((w) => el('li', {}, w)))
    : null;
  box.replaceChildren(el('h2', {}, 'Agent'), dl, warn || '');
  box.hidden = false;
  box.className = a.status === 'ok' ? 'ok' : 'degraded';
}
