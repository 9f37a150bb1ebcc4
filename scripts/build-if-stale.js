#!/usr/bin/env node
/**
 * `npm start`, `npm run worker` and `prepare` (install) run this instead of `npm run build`: it builds the server
 * (tsc) and the dashboard (Vite) only when a source is newer than the last build this script made, so a restart
 * with nothing changed goes straight to `node dist/src/server.js`. `npm test` (and CI) still build every time.
 *
 * Plain JavaScript, not TypeScript: it has to run before anything is compiled.
 *
 *   node scripts/build-if-stale.js            server and dashboard
 *   node scripts/build-if-stale.js --server   the server only (a worker serves no dashboard)
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');
const { spawnSync } = require('node:child_process');

const ROOT = path.resolve(__dirname, '..');
const at = (...p) => path.join(ROOT, ...p);

/**
 * What each build reads, the file that must exist after it, and its stamp (touched with the time the build
 * started, so an edit made while it ran is seen next time). Directories count too: deleting or renaming a file
 * changes its directory's mtime, not any remaining file's.
 */
const TARGETS = {
  server: {
    script: 'build:server',
    inputs: ['src', 'migrations', 'scripts', 'tsconfig.json', 'tsconfig.build.json', 'package.json'],
    skip: [at('src', 'dashboard')], // tsconfig.build.json leaves it out: the dashboard's build reads it
    output: at('dist', 'src', 'server.js'),
    stamp: at('dist', '.stamp-server'),
    // tsc's incremental state (tsconfig.build.json): it trusts it and does not look at the outputs, so with them
    // deleted it would emit nothing.
    buildInfo: at('dist', '.tsbuildinfo.build'),
  },
  dashboard: {
    script: 'build:dashboard',
    inputs: ['src/dashboard', 'src/client', 'package.json'],
    skip: [],
    output: at('dist', 'dashboard', 'index.html'),
    stamp: at('dist', '.stamp-dashboard'), // not inside dist/dashboard: Vite empties that directory
  },
};

/** The newest mtime under `p` (a file or a directory, walked), or 0 when it does not exist. */
function newest(p, skip) {
  let stat;
  try {
    stat = fs.statSync(p);
  } catch {
    return 0;
  }
  let t = stat.mtimeMs;
  if (stat.isDirectory() && !skip.includes(p)) {
    for (const name of fs.readdirSync(p)) t = Math.max(t, newest(path.join(p, name), skip));
  }
  return t;
}

function mtime(p) {
  try {
    return fs.statSync(p).mtimeMs;
  } catch {
    return 0;
  }
}

function stale(target) {
  if (!fs.existsSync(target.output)) return 'not built yet';
  const stamp = mtime(target.stamp);
  if (!stamp) return 'built by something else';
  const changed = target.inputs.find((i) => newest(at(i), target.skip) > stamp);
  return changed ? `${changed} changed` : undefined;
}

function main() {
  const wanted = process.argv.includes('--server') ? ['server'] : ['server', 'dashboard'];
  const todo = wanted.map((name) => [name, stale(TARGETS[name])]).filter(([, why]) => why);
  if (!todo.length) return;
  // `npm ci --omit=dev` (a production install) has no tsc or Vite: nothing to build with, and nothing to fail.
  if (process.env.npm_lifecycle_event === 'prepare' && !fs.existsSync(at('node_modules', 'typescript'))) {
    console.log('build-if-stale: no dev dependencies installed, not building');
    return;
  }
  for (const [name, why] of todo) {
    const target = TARGETS[name];
    const started = new Date();
    if (target.buildInfo && !fs.existsSync(target.output)) fs.rmSync(target.buildInfo, { force: true });
    console.log(`Building the ${name} (${why})…`);
    const npm = process.env.npm_execpath;
    const res = npm
      ? spawnSync(process.execPath, [npm, 'run', '--silent', target.script], { cwd: ROOT, stdio: 'inherit' })
      : spawnSync('npm', ['run', '--silent', target.script], { cwd: ROOT, stdio: 'inherit', shell: process.platform === 'win32' });
    if (res.status !== 0) {
      fs.rmSync(target.stamp, { force: true }); // a failed build is stale whatever the mtimes say
      process.exit(res.status ?? 1);
    }
    fs.mkdirSync(path.dirname(target.stamp), { recursive: true });
    fs.closeSync(fs.openSync(target.stamp, 'w'));
    fs.utimesSync(target.stamp, started, started);
  }
}

main();
