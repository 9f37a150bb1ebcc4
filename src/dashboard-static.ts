import * as fs from 'node:fs';
import * as path from 'node:path';
import type { FastifyInstance } from 'fastify';
import { lockedDownPage } from './http/page-headers';

// dist/src/dashboard-static.js → dist/dashboard; src/dashboard-static.ts (tests) → dist/dashboard as well.
const DIST = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../dashboard' : '../dist/dashboard');

const TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.json': 'application/json',
};

/**
 * The dashboard's security headers: only this origin's scripts, styles and API (`connect-src 'self'`), no inline
 * script or style, no framing, no third-party requests of any kind.
 */
export const DASHBOARD_HEADERS: Record<string, string> = lockedDownPage(
  ["script-src 'self'", "style-src 'self'", "img-src 'self' data:", "font-src 'self'", "connect-src 'self'", "form-action 'none'"],
  {
    'cross-origin-opener-policy': 'same-origin',
    'cross-origin-resource-policy': 'same-origin',
    'permissions-policy': 'camera=(), microphone=(), geolocation=(), payment=()',
  },
);

/**
 * Serves the built single-page dashboard (src/dashboard → dist/dashboard, built by `npm run build`, which
 * `npm start` and `npm test` run) at /dashboard. The files are read once at start and kept in memory: a handful of
 * small files, and no path from a request ever reaches the file system.
 */
export function registerDashboard(app: FastifyInstance): void {
  const files = new Map<string, { body: Buffer; type: string }>();
  if (fs.existsSync(path.join(DIST, 'index.html'))) {
    const walk = (dir: string) => {
      for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
        const full = path.join(dir, entry.name);
        if (entry.isDirectory()) walk(full);
        else files.set(path.relative(DIST, full).split(path.sep).join('/'), { body: fs.readFileSync(full), type: TYPES[path.extname(entry.name)] ?? 'application/octet-stream' });
      }
    };
    walk(DIST);
  }
  const index = files.get('index.html');

  // A new user opens the address `npm start` printed: send them to the dashboard rather than a bare 404. 302, not
  // 301: browsers cache a 301 for good, and `/` may answer something else some day.
  app.get('/', async (_req, reply) => reply.redirect('/dashboard/', 302));
  app.get('/dashboard', async (_req, reply) => reply.redirect('/dashboard/', 301));
  app.get('/dashboard/*', async (req, reply) => {
    reply.headers(DASHBOARD_HEADERS);
    if (!index) return reply.code(503).type('text/plain').send('The dashboard is not built: run `npm run build`.');
    const rel = (req.params as { '*': string })['*'];
    const file = rel ? files.get(rel) : undefined;
    if (file) {
      // Hashed asset names never change content: cache them for good; the page itself is always revalidated.
      reply.header('cache-control', rel.startsWith('assets/') ? 'public, max-age=31536000, immutable' : 'no-cache');
      return reply.type(file.type).send(file.body);
    }
    if (rel.startsWith('assets/')) return reply.code(404).type('text/plain').send('Not found');
    return reply.header('cache-control', 'no-cache').type(index.type).send(index.body); // the page (hash routing)
  });
}
