import { escapeXml as x } from './escape';
import type { Snapshot } from './snapshot';

/** An Atom feed (RFC 4287) of the page's incidents, one entry each, its updates newest first in the content. */
export function atomFeed(s: Snapshot, url: string): string {
  const updated = s.incidents.reduce((t, i) => Math.max(t, i.updatedAt.getTime()), s.page.updatedAt.getTime());
  const entries = s.incidents.map((i) => {
    const text = i.updates.map((u) => `${u.status} (${u.createdAt.toISOString()}): ${u.message}`).join('\n\n');
    return (
      `<entry><id>${x(`${url}#${i.id}`)}</id><title>${x(i.title)}</title>` +
      `<published>${i.createdAt.toISOString()}</published><updated>${i.updatedAt.toISOString()}</updated>` +
      `<link rel="alternate" type="text/html" href="${x(`${url}#${i.id}`)}"/>` +
      `<content type="text">${x(text)}</content></entry>`
    );
  });
  return (
    `<?xml version="1.0" encoding="utf-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" xml:lang="en">` +
    `<id>${x(url)}</id><title>${x(`${s.page.name} status: incident history`)}</title>` +
    `<updated>${new Date(updated).toISOString()}</updated><author><name>${x(s.page.name)}</name></author>` +
    `<link rel="alternate" type="text/html" href="${x(url)}"/><link rel="self" type="application/atom+xml" href="${x(`${url}/history.atom`)}"/>` +
    `${entries.join('')}</feed>\n`
  );
}
