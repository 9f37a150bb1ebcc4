import { createHash } from 'node:crypto';
import type { ComponentState } from '../component-state';
import { escapeXml as x } from './escape';
import { statusOf } from './statuspage-json';
import { HISTORY_DAYS, type PublicIncident, type Snapshot } from './snapshot';

const LABEL: Record<ComponentState, string> = {
  OPERATIONAL: 'Operational',
  DEGRADED_PERFORMANCE: 'Degraded performance',
  PARTIAL_OUTAGE: 'Partial outage',
  MAJOR_OUTAGE: 'Major outage',
  UNDER_MAINTENANCE: 'Under maintenance',
};

/**
 * The page's only style, inline; the CSP allows exactly this text by its hash, and nothing else (no script, no
 * image, no font, no other origin). Colours pass WCAG AA on white; state is always written as text too.
 */
const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",sans-serif;margin:0;color:#1a1a1a;background:#fff;line-height:1.45}
main{max-width:46rem;margin:0 auto;padding:1rem}
h1{font-size:1.5rem;margin:.5rem 0 1rem}h2{font-size:1.15rem;margin:1.75rem 0 .5rem}h3{font-size:1rem;margin:0}
.overall{padding:.75rem 1rem;border-radius:.4rem;font-weight:600;color:#fff}
.s-OPERATIONAL{background:#1e7a3c}.s-DEGRADED_PERFORMANCE{background:#8a5a00}.s-PARTIAL_OUTAGE{background:#b04a00}
.s-MAJOR_OUTAGE{background:#b3261e}.s-UNDER_MAINTENANCE{background:#1f5fa8}
ul{list-style:none;padding:0;margin:0}
.component{border:1px solid #d0d0d0;border-radius:.4rem;padding:.75rem;margin:.5rem 0}
.row{display:flex;justify-content:space-between;gap:.5rem;flex-wrap:wrap}
.state{font-weight:600}.t-OPERATIONAL{color:#1e7a3c}.t-DEGRADED_PERFORMANCE{color:#8a5a00}.t-PARTIAL_OUTAGE{color:#b04a00}
.t-MAJOR_OUTAGE{color:#b3261e}.t-UNDER_MAINTENANCE{color:#1f5fa8}
.desc{color:#4a4a4a;margin:.25rem 0 0;font-size:.9rem}
.bars{display:flex;gap:1px;height:2rem;margin:.5rem 0 .25rem}
.bars li{flex:1 1 0;min-width:0;border-radius:1px}
.u-full{background:#2f9e55}.u-high{background:#8fbf3f}.u-mid{background:#e0a100}.u-low{background:#c9372c}.u-none{background:#d9d9d9}
.legend{display:flex;justify-content:space-between;color:#4a4a4a;font-size:.8rem}
.incident{border-left:4px solid #b04a00;padding:.25rem .75rem;margin:.75rem 0}
.update{margin:.4rem 0}.update b{text-transform:capitalize}
time{color:#4a4a4a;font-size:.85rem}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
footer{margin:2rem 0 1rem;color:#4a4a4a;font-size:.8rem}
`;

/** `style-src` for exactly STYLE. */
export const STYLE_SOURCE = `'sha256-${createHash('sha256').update(STYLE).digest('base64')}'`;

const pct = (u: number) => `${(Math.floor(u * 10_000) / 100).toFixed(2)}%`;
const bucket = (u: number | null) => (u == null ? 'u-none' : u >= 0.9995 ? 'u-full' : u >= 0.99 ? 'u-high' : u >= 0.95 ? 'u-mid' : 'u-low');
const when = (d: Date) => `<time datetime="${d.toISOString()}">${d.toISOString().slice(0, 16).replace('T', ' ')} UTC</time>`;
const titleCase = (s: string) => s.charAt(0) + s.slice(1).toLowerCase();

function incidentHtml(i: PublicIncident): string {
  const updates = i.updates
    .map((u) => `<li class="update"><b>${titleCase(u.status)}</b> — ${x(u.message)}<br>${when(u.createdAt)}</li>`)
    .join('');
  return `<article class="incident" id="${x(i.id)}"><h3>${x(i.title)}</h3><p>Impact: ${titleCase(i.impact)}</p><ul>${updates}</ul></article>`;
}

/** The whole page, server-rendered: readable without JavaScript (there is none), at 390 px and up. */
export function statusHtml(s: Snapshot, paths: { atom: string; json: string; subscribe: string }): string {
  const status = statusOf(s);
  const components = s.components
    .map((c) => {
      const bars = s.page.showUptime
        ? `<ul class="bars" aria-label="Daily uptime, last ${c.days.length} days">` +
          c.days
            .map((d) => `<li class="${bucket(d.uptime)}" title="${d.date}: ${d.uptime == null ? 'no data' : pct(d.uptime)}"><span class="sr">${d.date}: ${d.uptime == null ? 'no data' : `${pct(d.uptime)} uptime`}</span></li>`)
            .join('') +
          `</ul><div class="legend"><span>${c.days.length} days ago</span><span>${c.uptime == null ? 'No data' : `${pct(c.uptime)} uptime`}</span><span>Today</span></div>`
        : '';
      return (
        `<li class="component"><div class="row"><h3>${x(c.name)}</h3><span class="state t-${c.state}">${LABEL[c.state]}</span></div>` +
        (c.description ? `<p class="desc">${x(c.description)}</p>` : '') +
        bars +
        `</li>`
      );
    })
    .join('');
  const open = s.incidents.filter((i) => i.status !== 'RESOLVED');
  const past = s.incidents.filter((i) => i.status === 'RESOLVED');
  const maintenance = s.maintenances.filter((m) => m.state !== 'completed');
  const section = (title: string, body: string) => `<section><h2>${title}</h2>${body}</section>`;
  return (
    `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">` +
    `<title>${x(s.page.name)} status</title><link rel="alternate" type="application/atom+xml" title="Incident history" href="${x(paths.atom)}">` +
    `<style>${STYLE}</style></head><body><main>` +
    `<h1>${x(s.page.name)} status</h1>` +
    `<p class="overall s-${s.state}" role="status">${x(status.description)}</p>` +
    (open.length ? section('Current incidents', open.map(incidentHtml).join('')) : '') +
    (maintenance.length
      ? section(
          'Scheduled maintenance',
          `<ul>${maintenance.map((m) => `<li class="component" id="${x(m.id)}"><h3>${x(m.name)}</h3><p>${m.state === 'in_progress' ? 'In progress' : 'Scheduled'}: ${when(m.startsAt)} to ${when(m.endsAt)}</p></li>`).join('')}</ul>`,
        )
      : '') +
    section('Components', `<ul>${components}</ul>`) +
    section(
      'Subscribe',
      `<form method="post" action="${x(paths.subscribe)}"><label for="email">Email updates on incidents</label> ` +
        `<input id="email" type="email" name="email" required autocomplete="email"> <button type="submit">Subscribe</button></form>`,
    ) +
    section(`Past incidents (last ${HISTORY_DAYS} days)`, past.length ? past.map(incidentHtml).join('') : '<p>No incidents reported.</p>') +
    `<footer><p>Updated ${when(s.at)}. <a href="${x(paths.atom)}">Incident feed (Atom)</a> · <a href="${x(paths.json)}">JSON</a></p></footer>` +
    `</main></body></html>`
  );
}
