// format.js - units as netisolctl prints them, and the page's one fetch.

const BIN = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
const BITS = ['bit/s', 'kbit/s', 'Mbit/s', 'Gbit/s', 'Tbit/s'];

// 12.3 MiB (1024-based, as netisolctl and Mesos' Bytes).
export function bytes(n) {
  let i = 0;
  n = Number(n) || 0;
  while (n >= 1024 && i < BIN.length - 1) { n /= 1024; i++; }
  return (i ? n.toFixed(1) : String(Math.round(n))) + ' ' + BIN[i];
}

// Bytes per second as 98.1 Mbit/s (1000-based bits, as link speeds).
export function rate(bytesPerSec) {
  let n = (Number(bytesPerSec) || 0) * 8, i = 0;
  while (n >= 1000 && i < BITS.length - 1) { n /= 1000; i++; }
  return (i ? n.toFixed(1) : String(Math.round(n))) + ' ' + BITS[i];
}

export function ports(list) {
  if (!Array.isArray(list) || !list.length) return '';
  return list.map(([b, e]) => (b === e ? String(b) : b + '-' + e)).join(', ');
}

export class HttpError extends Error {
  constructor(status, msg) { super(msg); this.status = status; }
}

// GET path on this agent as JSON; the browser sends the Basic credentials
// it holds for the page (same origin).
export async function api(path) {
  const r = await fetch(path, { credentials: 'same-origin', cache: 'no-cache' });
  if (!r.ok) {
    let msg = r.status + ' ' + r.statusText;
    try { msg = (await r.json()).error || msg; } catch (e) { /* not JSON */ }
    throw new HttpError(r.status, msg);
  }
  return r.json();
}

// el('td', {class: 'num'}, 'text', child...): a DOM element (no innerHTML:
// container ids and labels are the tenants' own strings).
export function el(tag, attrs, ...kids) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) {
    if (v === undefined || v === null || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else e.setAttribute(k, v === true ? '' : String(v));
  }
  for (const k of kids) if (k !== null && k !== undefined) e.append(k);
  return e;
}

export function setStatus(text) {
  const s = document.getElementById('status');
  if (s) s.textContent = text;
}

// Per-second rates between two statistics.json samples of one container.
export function rates(prev, cur) {
  const dt = cur.timestamp - prev.timestamp;
  if (!(dt > 0)) return null;
  const d = (k) => Math.max(0, (cur[k] || 0) - (prev[k] || 0)) / dt;
  return { rx: d('net_rx_bytes'), tx: d('net_tx_bytes'),
           drops: d('net_rx_dropped') + d('net_tx_dropped') };
}

// A container's qdiscs that count for the whole direction: an HTB root's
// drops and backlog already include its leaf's, so the leaves are skipped.
const ROOTS = new Set(['bw_limit', 'ingress_bw_limit']);
export function qdiscSum(st, key) {
  const tc = st.net_traffic_control_statistics || [];
  const roots = tc.filter((t) => ROOTS.has(t.id));
  return (roots.length ? roots : tc).reduce((a, t) => a + (t[key] || 0), 0);
}

// Packets dropped: by its qdiscs and on its link.
export function drops(st) {
  return qdiscSum(st, 'drops') + (st.net_rx_dropped || 0) + (st.net_tx_dropped || 0);
}

export const POLL_MS = 1500;
export const LIVE_POINTS = 60;
