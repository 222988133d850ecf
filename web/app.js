// app.js - the page's router: #/ is the overview, #/c/ID one container.
import * as overview from './overview.js';
import * as container from './container.js';
import { el } from './format.js';

let current = null;

function route() {
  const main = document.getElementById('main');
  if (current) current.stop();
  main.replaceChildren();
  const m = location.hash.match(/^#\/c\/(.+)$/);
  try {
    current = m ? container.start(main, decodeURIComponent(m[1])) : overview.start(main);
  } catch (e) {
    main.append(el('p', { class: 'error' }, String(e)));
    current = null;
  }
  document.title = m ? 'netisol: ' + decodeURIComponent(m[1]) : 'netisol';
}

function boot() {
  if (typeof Chart === 'undefined') {
    document.getElementById('main').replaceChildren(
      el('p', { class: 'error' }, 'chart.js did not load'));
    return;
  }
  Chart.defaults.animation = false;
  Chart.defaults.font.family = 'system-ui, sans-serif';
  window.addEventListener('hashchange', route);
  route();
}

// Modules run after deferred classic scripts, so Chart is there by now.
boot();
