// container.js - one container: its live rates (the cap as a line, its
// qdiscs' drops and backlog), its history per network class, the top
// containers of the period.
import { api, bytes, rate, ports, el, rates, qdiscSum, setStatus, POLL_MS, LIVE_POINTS }
  from './format.js';

const CLASS_COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#9467bd', '#8c564b', '#e377c2',
  '#7f7f7f', '#bcbd22', '#17becf', '#d62728'];
const SPAN = { hour: 2 * 86400, day: 31 * 86400, month: 366 * 86400, minute: 3 * 3600 };

export function start(root, id) {
  const st = { id, timer: null, stopped: false, prev: null };
  const live = el('canvas', { id: 'live', role: 'img', 'data-points': 0,
    'aria-label': 'Live receive and send rate of ' + id + ', with its egress cap, drops and backlog' });
  const hist = el('canvas', { id: 'history', role: 'img', 'data-points': 0, 'data-classes': '',
    'aria-label': 'Traffic history of ' + id + ' per network class' });
  const info = el('p', { class: 'info' });
  const form = controls(() => history(st));
  st.form = form;
  st.totals = el('tbody');
  st.top = el('tbody');
  st.topCaption = el('caption', {}, 'Heaviest containers');
  st.histNote = el('p', { class: 'note', role: 'status' });
  root.append(
    el('p', {}, el('a', { href: '#/' }, '\u2190 all containers')),
    el('h2', {}, id), info,
    el('div', { class: 'views' },
      el('section', { 'aria-label': 'Live traffic' }, el('h3', {}, 'Live, every 1.5 s'),
        el('div', { class: 'chartbox' }, live)),
      el('section', { 'aria-label': 'History' }, el('h3', {}, 'History'), form.el,
        st.histNote, el('div', { class: 'chartbox' }, hist))),
    el('section', { 'aria-label': 'Totals and heaviest containers' },
      el('div', { class: 'cols' },
        el('table', { id: 'totals' }, el('caption', {}, 'Totals of the range'),
          el('thead', {}, el('tr', {}, ...['', 'rx', 'tx', 'total'].map((h) =>
            el('th', { scope: 'col', class: h ? 'num' : null }, h)))), st.totals),
        el('table', { id: 'top' }, st.topCaption,
          el('thead', {}, el('tr', {}, ...['container', 'rx', 'tx', 'total'].map((h) =>
            el('th', { scope: 'col', class: h !== 'container' ? 'num' : null }, h)))), st.top))));
  st.liveCanvas = live;
  st.histCanvas = hist;
  st.live = liveChart(live);
  st.hist = histChart(hist);
  api('/containers/' + encodeURIComponent(id)).then((rec) => {
    st.rec = rec;
    const bits = [['ports', ports(rec.ports) || 'none'],
      ['egress cap', rec.egress_rate_limit ? rate(rec.egress_rate_limit) : 'none'],
      ['ingress cap', rec.ingress_rate_limit ? rate(rec.ingress_rate_limit) : 'none']];
    if (rec.pod) bits.unshift(['pod', (rec.namespace ? rec.namespace + '/' : '') + rec.pod]);
    info.textContent = bits.map(([k, v]) => k + ': ' + v).join(' \u00b7 ');
  }).catch((e) => { info.textContent = e.message; });

  async function tick() {
    try { await poll(st); setStatus('updated ' + new Date().toLocaleTimeString()); }
    catch (e) { setStatus('error: ' + e.message); }
    if (!st.stopped) st.timer = setTimeout(tick, POLL_MS);
  }
  tick();
  history(st);
  return { stop() { st.stopped = true; clearTimeout(st.timer); st.live.destroy(); st.hist.destroy(); } };
}

function liveChart(canvas) {
  const line = (label, color, extra) => Object.assign({ label, data: [], borderColor: color,
    backgroundColor: color, borderWidth: 2, pointRadius: 0, yAxisID: 'y' }, extra);
  return new Chart(canvas, {
    type: 'line',
    data: { labels: [], datasets: [
      line('receive (bit/s)', '#1f77b4'),
      line('send (bit/s)', '#d62728'),
      line('egress cap (bit/s)', '#555', { borderDash: [6, 4], borderWidth: 1 }),
      line('qdisc drops (/s)', '#ff7f0e', { yAxisID: 'y1', borderWidth: 1 }),
      line('qdisc backlog (bytes)', '#2ca02c', { yAxisID: 'y1', borderWidth: 1 })] },
    options: { responsive: true, maintainAspectRatio: false, interaction: { mode: 'index', intersect: false },
      scales: {
        x: { type: 'category', ticks: { maxTicksLimit: 6 } },
        y: { beginAtZero: true, title: { display: true, text: 'bit/s' },
             ticks: { callback: (v) => rate(v / 8) } },
        y1: { beginAtZero: true, position: 'right', grid: { drawOnChartArea: false },
              title: { display: true, text: 'drops/s, backlog B' } } },
      plugins: { tooltip: { callbacks: { label: (c) => c.dataset.yAxisID === 'y'
        ? c.dataset.label.replace(' (bit/s)', '') + ': ' + rate(c.parsed.y / 8)
        : c.dataset.label + ': ' + c.parsed.y } } } },
  });
}

async function poll(st) {
  const arr = await api('/monitor/statistics.json');
  const e = arr.find((x) => x.container_id === st.id);
  if (!e) throw new Error('container ' + st.id + ' is gone');
  const s = e.statistics;
  const qdrops = qdiscSum(s, 'drops'), backlog = qdiscSum(s, 'backlog');
  if (st.prev) {
    const r = rates(st.prev.s, s);
    if (r) {
      const d = st.live.data, dt = s.timestamp - st.prev.s.timestamp;
      d.labels.push(new Date(s.timestamp * 1000).toLocaleTimeString());
      d.datasets[0].data.push(r.rx * 8);
      d.datasets[1].data.push(r.tx * 8);
      d.datasets[2].data.push(s.net_tx_rate_limit ? s.net_tx_rate_limit * 8 : null);
      d.datasets[3].data.push(Math.max(0, qdrops - st.prev.qdrops) / dt);
      d.datasets[4].data.push(backlog);
      if (d.labels.length > LIVE_POINTS) {
        d.labels.shift(); d.datasets.forEach((x) => x.data.shift());
      }
      st.live.update();
      st.liveCanvas.dataset.points = String(d.labels.length);
      st.liveCanvas.dataset.rxBps = r.rx.toFixed(0);
      st.liveCanvas.dataset.txBps = r.tx.toFixed(0);
    }
  }
  st.prev = { s, qdrops };
}

function controls(onchange) {
  const by = el('select', { id: 'by', 'aria-label': 'Period' },
    ...['minute', 'hour', 'day', 'month'].map((b) => el('option', { value: b, selected: b === 'hour' }, 'by ' + b)));
  const tz = el('select', { id: 'tz', 'aria-label': 'Time zone' },
    el('option', { value: 'utc' }, 'UTC'), el('option', { value: 'local' }, "agent's zone"));
  const from = el('input', { id: 'from', type: 'date', 'aria-label': 'From (date)' });
  const to = el('input', { id: 'to', type: 'date', 'aria-label': 'To (date, inclusive)' });
  const f = el('form', { class: 'picker', onsubmit: (e) => e.preventDefault() },
    el('label', {}, 'Show ', by), el('label', {}, 'in ', tz),
    el('label', {}, 'from ', from), el('label', {}, 'to ', to));
  by.addEventListener('change', () => { from.value = ''; to.value = ''; onchange(); });
  for (const x of [tz, from, to]) x.addEventListener('change', onchange);
  return { el: f, by, tz, from, to };
}

function histChart(canvas) {
  return new Chart(canvas, {
    type: 'bar',
    data: { labels: [], datasets: [] },
    options: { responsive: true, maintainAspectRatio: false,
      scales: { x: { type: 'category', stacked: true },
        y: { stacked: true, beginAtZero: true, title: { display: true, text: 'bytes' },
             ticks: { callback: (v) => bytes(v) } } },
      plugins: { tooltip: { callbacks: { label: (c) => c.dataset.label + ': ' + bytes(c.parsed.y) } } } },
  });
}

function query(st) {
  const f = st.form, by = f.by.value;
  const now = Date.now() / 1000;
  const from = f.from.value ? f.from.value : String(Math.floor(now - SPAN[by]));
  const p = new URLSearchParams({ container_id: st.id, by, from });
  if (f.to.value) p.set('to', String(Date.parse(f.to.value + 'T00:00:00Z') / 1000 + 86400));
  if (f.tz.value === 'local') p.set('tz', 'local');
  return p;
}

async function history(st) {
  const p = query(st), by = p.get('by');
  let body;
  try { body = await api('/accounting?' + p); } catch (e) {
    st.histNote.textContent = 'history: ' + e.message;
    return;
  }
  const starts = [...new Set(body.rows.map((r) => r.start))].sort();
  const classes = [...new Set(body.rows.map((r) => r.class))].sort();
  const cut = by === 'hour' || by === 'minute' ? 16 : by === 'day' ? 10 : 7;
  const sets = [];
  classes.forEach((c, i) => {
    for (const dir of ['rx', 'tx']) {
      const data = starts.map((s) => body.rows.filter((r) => r.start === s && r.class === c)
        .reduce((a, r) => a + r[dir + '_bytes'], 0));
      sets.push({ label: 'class ' + c + ' ' + dir, stack: dir, data,
        backgroundColor: CLASS_COLORS[i % CLASS_COLORS.length] + (dir === 'rx' ? 'ff' : '99') });
    }
  });
  st.hist.data.labels = starts.map((s) => s.slice(0, cut).replace('T', ' '));
  st.hist.data.datasets = sets;
  st.hist.update();
  st.histCanvas.dataset.points = String(starts.length);
  st.histCanvas.dataset.classes = classes.join(' ');
  st.histNote.textContent = 'by ' + by + ', times in ' + body.timezone +
    (starts.length ? '' : ' \u2014 no traffic recorded in this range');
  totals(st, body.rows, classes);
  top(st, by, starts.length ? starts[starts.length - 1] : null);
}

function line(label, rx, tx, cls) {
  return el('tr', { class: cls }, el('th', { scope: 'row' }, label),
    el('td', { class: 'num' }, bytes(rx)), el('td', { class: 'num' }, bytes(tx)),
    el('td', { class: 'num' }, bytes(rx + tx)));
}

// As netisolctl traffic: the range's total, then each class.
function totals(st, rows, classes) {
  const sum = (f) => rows.filter(f).reduce((a, r) => [a[0] + r.rx_bytes, a[1] + r.tx_bytes], [0, 0]);
  const all = sum(() => true);
  st.totals.replaceChildren(line('total', all[0], all[1], 'total'),
    ...classes.map((c) => { const s = sum((r) => r.class === c); return line('class ' + c, s[0], s[1], 'class'); }));
}

async function top(st, by, start) {
  const p = new URLSearchParams({ by, limit: '10' });
  if (start) p.set('start', start);
  let body;
  try { body = await api('/accounting/top?' + p); } catch (e) {
    st.topCaption.textContent = 'Heaviest containers: ' + e.message;
    return;
  }
  st.topCaption.textContent = 'Heaviest containers, the ' + by + (start ? ' starting ' + start : '');
  st.top.replaceChildren(...body.rows.map((r) => el('tr', {},
    el('th', { scope: 'row' }, el('a', { href: '#/c/' + encodeURIComponent(r.container_id) }, r.container_id)),
    el('td', { class: 'num' }, bytes(r.rx_bytes)), el('td', { class: 'num' }, bytes(r.tx_bytes)),
    el('td', { class: 'num' }, bytes(r.rx_bytes + r.tx_bytes)))));
  if (!body.rows.length)
    st.top.append(el('tr', {}, el('td', { colspan: 4 }, 'no traffic recorded in this period')));
}
