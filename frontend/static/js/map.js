// map.js draws the assembly constituencies (ACs) of the dashboard's area in SVG, each filled
// by one figure, from the shapes that cmd/mapshapes makes: shared borders stored once (arcs),
// already projected to a square grid, so that the numbers are SVG units as they stand. The
// shapes (about 50 KB compressed) load once per page, after the figures are on screen.

import { staticJSON } from './api.js';
import { t } from './i18n.js';
import { h, s } from './ui.js';

const SHAPES = '/map/up-ac.json';

let loading = null;

// load fetches and decodes the shapes once: {attribution, acs: Map(number → {no, name, pc, d, box})}.
export function load() {
  if (!loading) {
    loading = staticJSON(SHAPES).then(decode, (e) => {
      loading = null;
      throw e;
    });
  }
  return loading;
}

function decode(doc) {
  const arcs = doc.arcs.map((a) => {
    const pts = [];
    let x = 0;
    let y = 0;
    for (let i = 0; i < a.length; i += 2) {
      x += a[i];
      y += a[i + 1];
      pts.push([x, y]);
    }
    return pts;
  });
  const acs = new Map();
  for (const ac of doc.acs) {
    const box = [Infinity, Infinity, -Infinity, -Infinity];
    let d = '';
    for (const poly of ac.p) {
      for (const ring of poly) {
        const pts = [];
        for (const ref of ring) {
          const arc = ref < 0 ? arcs[~ref].slice().reverse() : arcs[ref];
          pts.push(...(pts.length ? arc.slice(1) : arc));
        }
        for (const [x, y] of pts) {
          if (x < box[0]) box[0] = x;
          if (y < box[1]) box[1] = y;
          if (x > box[2]) box[2] = x;
          if (y > box[3]) box[3] = y;
        }
        d += 'M' + pts.map((p) => p[0] + ' ' + p[1]).join(' ') + 'Z';
      }
    }
    acs.set(ac.no, { no: ac.no, name: ac.name, pc: ac.pc, d, box });
  }
  return { attribution: doc.attribution, acs };
}

// draw returns the SVG of the given areas: [{no, href, label, cls, current}], where no is the AC
// number, cls the colour class (0..4, or 'none' for no figure), and current marks the AC whose
// dashboard this is. Areas the shapes do not know are left out (and counted in svg.missing).
export function draw(shapes, areas, attrs = {}) {
  const box = [Infinity, Infinity, -Infinity, -Infinity];
  const items = [];
  let missing = 0;
  for (const a of areas) {
    const shape = shapes.acs.get(Number(a.no));
    if (!shape) {
      missing++;
      continue;
    }
    box[0] = Math.min(box[0], shape.box[0]);
    box[1] = Math.min(box[1], shape.box[1]);
    box[2] = Math.max(box[2], shape.box[2]);
    box[3] = Math.max(box[3], shape.box[3]);
    const path = s('path', { class: 'map-ac-shape map-c-' + a.cls, d: shape.d });
    const el = a.href
      ? s('a', { href: a.href, class: 'map-ac', 'data-ac': a.no, 'aria-label': a.label }, s('title', null, a.label), path)
      : s('g', { class: 'map-ac', 'data-ac': a.no, role: 'img', 'aria-label': a.label }, s('title', null, a.label), path);
    if (a.current) el.classList.add('map-ac-current');
    items.push(el);
  }
  // The current AC goes last, so that its outline is drawn over its neighbours'.
  items.sort((x, y) => x.classList.contains('map-ac-current') - y.classList.contains('map-ac-current'));
  const w = Math.max(1, box[2] - box[0]);
  const hgt = Math.max(1, box[3] - box[1]);
  const pad = Math.max(w, hgt) * 0.02;
  const svg = s('svg', {
    class: 'map',
    viewBox: items.length ? `${box[0] - pad} ${box[1] - pad} ${w + 2 * pad} ${hgt + 2 * pad}` : '0 0 1 1',
    role: 'group',
    ...attrs,
  }, items);
  svg.missing = missing;
  return svg;
}

// legend lists the colour classes: [{cls, text}].
export function legend(classes, attrs = {}) {
  return h('ul', { class: 'map-legend', 'aria-label': t('map.legend'), ...attrs },
    classes.map((c) => h('li', { 'data-cls': c.cls },
      s('svg', { class: 'map-swatch', viewBox: '0 0 16 16', 'aria-hidden': 'true' }, s('rect', { class: 'map-c-' + c.cls, x: 0, y: 0, width: 16, height: 16, rx: 3 })),
      c.text)));
}
