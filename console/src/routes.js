// Hash routes → views. A route names the console page (view) it belongs to; a page the server did not give this
// role falls back to the map (the API would refuse its calls anyway).
import * as mapView from './views/map.js';
import * as card from './views/card.js';
import * as redraw from './views/redraw.js';
import * as split from './views/split.js';
import * as merge from './views/merge.js';
import * as upload from './views/upload.js';
import * as history from './views/history.js';
import * as people from './views/people.js';
import * as credentials from './views/credentials.js';
import * as modules from './views/modules.js';
import * as packages from './views/packages.js';
import * as templates from './views/templates.js';
import * as evaluation from './views/evaluation.js';
import * as cases from './views/cases.js';
import * as caseList from './views/caselist.js';
import * as inbox from './views/inbox.js';

export const routes = [
  { pattern: /^#\/map(?:\/(\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?)\/(-?\d+(?:\.\d+)?))?$/, view: 'map', render: mapView.render },
  { pattern: /^#\/grids\/([^/]+)$/, view: 'map', render: (p, [code], ctx) => card.render(p, decodeURIComponent(code), ctx) },
  { pattern: /^#\/grids\/([^/]+)\/redraw$/, view: 'redraw', render: (p, [code], ctx) => redraw.render(p, decodeURIComponent(code), ctx) },
  { pattern: /^#\/grids\/([^/]+)\/split$/, view: 'redraw', render: (p, [code], ctx) => split.render(p, decodeURIComponent(code), ctx) },
  { pattern: /^#\/merge(?:\/([^/]+))?$/, view: 'redraw', render: (p, [codes], ctx) => merge.render(p, codes ? decodeURIComponent(codes) : '', ctx) },
  { pattern: /^#\/grids\/([^/]+)\/history$/, view: 'history', render: (p, [code], ctx) => history.render(p, decodeURIComponent(code), ctx) },
  { pattern: /^#\/asof(?:\/(\d{4}-\d{2}-\d{2}))?$/, view: 'history', render: (p, [date], ctx) => history.renderAsOf(p, date, ctx) },
  { pattern: /^#\/upload$/, view: 'upload', render: upload.render },
  { pattern: /^#\/people(?:\/(squads|officers|liaisons|bulk|webhooks)(?:\/([^/]+))?)?$/, view: 'people', render: (p, [kind, id], ctx) => people.render(p, kind, id ? decodeURIComponent(id) : null, ctx) },
  { pattern: /^#\/credentials$/, view: 'credentials', render: credentials.render },
  { pattern: /^#\/modules$/, view: 'modules', render: modules.render },
  { pattern: /^#\/modules\/packages\/([^/]+)$/, view: 'modules', render: (p, [name], ctx) => packages.render(p, decodeURIComponent(name), ctx) },
  { pattern: /^#\/evaluation(?:\/([a-z]+)\/([a-z]+)\/(\d{4}-\d{2}-\d{2}))?$/, view: 'evaluation', render: (p, params, ctx) => evaluation.render(p, params.filter(Boolean), ctx) },
  { pattern: /^#\/cases(?:\/state\/([A-Za-z]+))?(?:\?(.*))?$/, view: 'cases', render: caseList.renderList },
  { pattern: /^#\/cases\/new$/, view: 'cases', render: cases.renderNew },
  { pattern: /^#\/cases\/(queue|supervision)$/, view: 'cases', render: caseList.renderMarks },
  { pattern: /^#\/cases\/([^/]+)$/, view: 'cases', render: (p, [id], ctx) => cases.render(p, decodeURIComponent(id), ctx) },
  { pattern: /^#\/inbox$/, view: 'inbox', render: inbox.render },
  { pattern: /^#\/templates$/, view: 'templates', render: templates.renderList },
  { pattern: /^#\/templates\/([^/]+)$/, view: 'templates', render: (p, [name], ctx) => templates.render(p, decodeURIComponent(name), ctx) },
];

export function match(hash, views) {
  for (const route of routes) {
    const m = route.pattern.exec(hash);
    if (m && views.has(route.view)) return { view: route.view, params: m.slice(1), render: route.render };
  }
  return { view: 'map', params: [], render: mapView.render };
}
