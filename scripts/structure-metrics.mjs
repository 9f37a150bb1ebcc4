#!/usr/bin/env node
/**
 * `node scripts/structure-metrics.mjs [checkout]`: how tangled src/modules is, in the numbers issue 24 tracks.
 *
 *   folder-to-folder imports  distinct (from, to) pairs of src/modules/* folders with at least one import between
 *                             files of them (type-only imports count: they tie the files together just the same)
 *   mutual pairs              pairs of folders that import each other, with the files that do it
 *   cycles                    import circles in src/: groups of files that reach each other (strongly connected
 *                             components); dependency-cruiser reports one violation per file on a circle
 *   files in src/modules      .ts files
 *
 * `checkout` (default: this one) may be any tree with src/ and tsconfig.json, e.g. an older commit unpacked with
 * `git archive <commit> src tsconfig.json | tar -x -C /tmp/before`; the rules of .dependency-cruiser.cjs are not
 * needed there, the cycle rule is given here.
 */
import { resolve } from 'node:path';
import { readdirSync, statSync } from 'node:fs';
import { cruise } from 'dependency-cruiser';

const root = resolve(process.argv[2] ?? '.');
process.chdir(root);

const result = await cruise(['src'], {
  tsPreCompilationDeps: true,
  doNotFollow: { path: 'node_modules' },
  exclude: { path: '^(node_modules|dist)/' },
  tsConfig: { fileName: 'tsconfig.json' },
  validate: true,
  ruleSet: { forbidden: [{ name: 'no-cycles', severity: 'error', from: {}, to: { circular: true } }] },
});
const modules = result.output.modules;

const folderOf = (file) => /^src\/modules\/([^/]+)\//.exec(file)?.[1];
const pairs = new Map(); // "from -> to" → files that import across
for (const m of modules) {
  const from = folderOf(m.source);
  if (!from) continue;
  for (const d of m.dependencies) {
    const to = folderOf(d.resolved);
    if (!to || to === from) continue;
    const key = `${from} -> ${to}`;
    if (!pairs.has(key)) pairs.set(key, new Set());
    pairs.get(key).add(`${m.source.replace('src/modules/', '')} → ${d.resolved.replace('src/modules/', '')}`);
  }
}
const mutual = [...pairs.keys()]
  .map((k) => k.split(' -> '))
  .filter(([a, b]) => a < b && pairs.has(`${b} -> ${a}`));

const cycles = stronglyConnected(modules).filter((group) => group.length > 1);
const cycleViolations = result.output.summary.violations.filter((v) => v.rule.name === 'no-cycles').length;

const folders = readdirSync('src/modules').filter((f) => statSync(`src/modules/${f}`).isDirectory());
const files = modules.filter((m) => m.source.startsWith('src/modules/') && /\.tsx?$/.test(m.source)).length;

console.log(`tree: ${root}`);
console.log(`folders in src/modules: ${folders.length}`);
console.log(`folder-to-folder imports: ${pairs.size}`);
console.log(`mutual pairs: ${mutual.length}`);
for (const [a, b] of mutual) {
  console.log(`  ${a} <-> ${b}`);
  for (const line of [...pairs.get(`${a} -> ${b}`), ...pairs.get(`${b} -> ${a}`)]) console.log(`      ${line}`);
}
console.log(`cycles: ${cycles.length} (files on them: ${cycleViolations}, dependency-cruiser's no-cycles violations)`);
for (const group of cycles) console.log(`  ${group.join(' ↔ ')}`);
console.log(`files in src/modules: ${files}`);

/** Tarjan's algorithm over the file graph: each component is one import circle (or a lone file). */
function stronglyConnected(mods) {
  const edges = new Map(mods.map((m) => [m.source, m.dependencies.map((d) => d.resolved)]));
  const index = new Map();
  const low = new Map();
  const stack = [];
  const onStack = new Set();
  const out = [];
  let next = 0;
  const visit = (v) => {
    index.set(v, next);
    low.set(v, next++);
    stack.push(v);
    onStack.add(v);
    for (const w of edges.get(v) ?? []) {
      if (!edges.has(w)) continue;
      if (!index.has(w)) {
        visit(w);
        low.set(v, Math.min(low.get(v), low.get(w)));
      } else if (onStack.has(w)) low.set(v, Math.min(low.get(v), index.get(w)));
    }
    if (low.get(v) === index.get(v)) {
      const group = [];
      let w;
      do {
        w = stack.pop();
        onStack.delete(w);
        group.push(w);
      } while (w !== v);
      out.push(group.sort());
    }
  };
  for (const v of edges.keys()) if (!index.has(v)) visit(v);
  return out;
}
