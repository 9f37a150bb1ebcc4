#!/usr/bin/env node
/**
 * Runs after tsc (`npm run build:server`): deletes compiled files whose source is gone. tsc never deletes an
 * output, and a stale one is not always harmless: when `src/x.ts` becomes `src/x/index.ts`, Node resolves
 * `require('./x')` to the old `dist/src/x.js` before the new `dist/src/x/index.js`, and the server runs old code.
 *
 * Plain JavaScript, like build-if-stale.js: it has to run without anything compiled.
 */
'use strict';
const fs = require('node:fs');
const path = require('node:path');

const ROOT = path.resolve(__dirname, __dirname.includes(`${path.sep}dist${path.sep}`) ? '../..' : '..');
const DIST = path.join(ROOT, 'dist');
const SOURCES = ['.ts', '.tsx', '.mts', '.js'];
const OUTPUT = /\.(js|js\.map|d\.ts)$/;

/** Deletes, under one compiled tree (dist/src, dist/scripts, dist/migrations), every output without a source. */
function prune(dir) {
  let entries;
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const out = path.join(dir, entry.name);
    if (entry.isDirectory()) {
      prune(out);
      if (fs.readdirSync(out).length === 0) fs.rmdirSync(out);
      continue;
    }
    if (!OUTPUT.test(entry.name)) continue;
    const base = path.join(ROOT, path.relative(DIST, out)).replace(OUTPUT, '');
    if (!SOURCES.some((ext) => fs.existsSync(base + ext))) fs.rmSync(out);
  }
}

for (const tree of ['src', 'scripts', 'migrations']) prune(path.join(DIST, tree));
