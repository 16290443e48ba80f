// chart.js draws the representation chart of the dashboard in SVG, with no chart library: for
// each group a bar of its share of the seats, a solid tick at its target and a dashed tick at its
// share of the population (census 2011). Every figure is also written out in text next to its
// bar, and "below target" is said in words and with a marker, not by colour alone.

import { t, pct } from './i18n.js';
import { h, s } from './ui.js';

const has = (o, k) => o && o[k] !== undefined && o[k] !== null;

// below reports whether a representation answer's group is under its target.
export const below = (rep, g) => rep.seats > 0 && has(rep.gap, g) && rep.gap[g] < 0;

// censusShares are the population shares the census gives for the figures' area (SC, ST and
// minority, where counted), or {}.
export function censusShares(rep) {
  const p = rep && rep.population;
  if (!p) return {};
  return p.shares || p; // notes/rep-api.md first had the shares beside total
}

// shareChart draws rep (one answer of GET /units/{id}/representation) as a list of bars, one
// per group of groups.
export function shareChart(rep, groups, attrs = {}) {
  const list = h('ul', { class: 'chart', ...attrs });
  for (const g of groups) list.append(row(rep, g));
  return h('div', { class: 'chart-wrap' }, list, legend());
}

function row(rep, g) {
  const shares = rep.shares || {};
  const share = has(shares, g) ? shares[g] : 0;
  const target = has(rep.targets, g) ? rep.targets[g] : null;
  const pop = censusShares(rep);
  const census = typeof pop[g] === 'number' ? pop[g] : null;
  const low = below(rep, g);
  const x = (v) => Math.max(0, Math.min(1, v)) * 100;
  const parts = [t('chart.share_of_seats', { share: pct(share) })];
  if (target !== null) parts.push(t('chart.target_is', { share: pct(target) }));
  if (census !== null) parts.push(t('chart.census_is', { share: pct(census) }));
  const label = t('group.' + g) + ': ' + parts.join(', ');
  const svg = s('svg', { class: 'chart-bar', viewBox: '0 0 100 20', preserveAspectRatio: 'none', role: 'img', 'aria-label': label },
    s('rect', { class: 'chart-track', x: 0, y: 4, width: 100, height: 12 }),
    s('rect', { class: 'chart-fill' + (low ? ' chart-fill-low' : ''), x: 0, y: 4, width: x(share), height: 12 }),
    census !== null ? s('line', { class: 'chart-census', x1: x(census), x2: x(census), y1: 0, y2: 20 }) : null,
    target !== null ? s('line', { class: 'chart-target', x1: x(target), x2: x(target), y1: 0, y2: 20 }) : null);
  let status = null;
  if (target !== null && rep.seats > 0) {
    status = low
      ? h('span', { class: 'chart-status chart-status-low' }, '▼ ', t('chart.below', { points: points(target - share) }))
      : h('span', { class: 'chart-status chart-status-ok' }, '✓ ', t('chart.met'));
  }
  const meta = [];
  if (target !== null) meta.push(t('chart.target', { share: pct(target) }));
  if (census !== null) meta.push(t('chart.census', { share: pct(census) }));
  return h('li', { class: 'chart-row' + (low ? ' is-below' : ''), 'data-group': g, 'data-share': share, 'data-target': target === null ? null : target, 'data-census': census === null ? null : census },
    h('div', { class: 'chart-head' },
      h('span', { class: 'chart-label' }, t('group.' + g)),
      h('span', { class: 'chart-value' }, pct(share))),
    svg,
    h('div', { class: 'chart-meta' }, meta.join(' · '), status ? ' ' : null, status));
}

// points writes a difference of shares as percentage points, one decimal; a difference too
// small to show as 0.1 shows as "<0.1", so that "below target" never reads "0 points below".
export function points(d) {
  const p = Math.round(Math.abs(d) * 1000) / 10;
  const f = (x) => x.toLocaleString(document.documentElement.lang === 'hi' ? 'hi-IN' : 'en-IN');
  return p === 0 && d !== 0 ? '<' + f(0.1) : f(p);
}

function legend() {
  const key = (cls, text) => h('li', null,
    s('svg', { class: 'chart-key', viewBox: '0 0 20 12', 'aria-hidden': 'true' },
      cls === 'fill' ? s('rect', { class: 'chart-fill', x: 0, y: 2, width: 20, height: 8 })
        : s('line', { class: cls === 'target' ? 'chart-target' : 'chart-census', x1: 10, x2: 10, y1: 0, y2: 12 })),
    text);
  return h('ul', { class: 'chart-legend', 'aria-label': t('chart.legend') },
    key('fill', t('chart.key_share')), key('target', t('chart.key_target')), key('census', t('chart.key_census')));
}
