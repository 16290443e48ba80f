// enums.js: the lists of allowed values — committee positions (and which have one holder),
// social categories, genders, religions, the groups representation targets are set for — as
// the server publishes them in its OpenAPI document,
// read once and kept for the page's life, so that the UI offers exactly what the API accepts and
// keeps no copies of its own. Their labels stay in the translation tables (position.*, gender.*,
// community.*, religion.*).

import { openapi } from './api.js';

let loading = null;
let lists = null;

// load reads the lists; every caller shares the one request, and a failed one is tried again
// by the next caller.
export function load() {
  if (!loading) {
    loading = openapi().then((doc) => {
      const schemas = (doc && doc.components && doc.components.schemas) || {};
      const values = (name) => ((schemas[name] || {}).enum || []).filter((v) => typeof v === 'string' && v !== '');
      lists = {
        positions: values('Position'),
        singleHolder: (schemas.Position || {})['x-single-holder'] || [],
        categories: values('Category'),
        genders: values('Gender'),
        religions: values('Religion'),
        targetGroups: ((((schemas.RepresentationTarget || {}).properties || {}).group || {}).enum || []).filter((v) => typeof v === 'string' && v !== ''),
      };
      return lists;
    }, (e) => {
      loading = null;
      throw e;
    });
  }
  return loading;
}

function get(key) {
  if (!lists) throw new Error('enums.js: load() first');
  return lists[key];
}

// positions are the committee positions, most senior first (the order the API lists seats in).
export const positions = () => get('positions');
// singleHolder are the positions with one holder per committee.
export const singleHolder = () => get('singleHolder');
export const categories = () => get('categories');
export const genders = () => get('genders');
export const religions = () => get('religions');
// targetGroups are the groups a representation target is set for (women, SC, …, and the four
// communities together), in the order the API lists targets.
export const targetGroups = () => get('targetGroups');
