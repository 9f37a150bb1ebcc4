#!/usr/bin/env node
/**
 * The node flags `npm start` and `npm run worker` start tracer with, for the process's role (ADR 0078), printed on
 * one line for package.json's scripts (`flags=$(node scripts/node-flags.js server) && node $flags
 * dist/src/server.js`: if it fails, nothing starts). The bench
 * starts its processes with the same function, so the flags live here only.
 *
 * - A process on PostgreSQL (`DATABASE_URL` set: the API role, a worker, or both) keeps its heap small,
 *   `--max-old-space-size=1024 --max-semi-space-size=8` (ADR 0046): such processes are the ones deployed side by
 *   side, and the API role's RSS has a target.
 * - The embedded default (`DATABASE_URL` unset) holds the database itself: PostgreSQL in WebAssembly in a thread of
 *   the process, ~300 MB of RSS whatever the heap does, and by design the only tracer process on its data
 *   directory. It trades ~30 MB of RSS for CPU: a 32 MB young generation, collected on the main thread
 *   (`--single-threaded-gc`: on two cores V8's parallel-scavenge helper threads cost more than they save).
 *   Measured steady-state on the 2-core machine, `GET /v1/me`: 119–154 µs a request with the small heap's flags,
 *   86–110 µs with these (bench/results/me.md). And no allocation-site pretenuring (ADR 0079): V8's decision to
 *   allocate a site's objects straight in the old space, taken or not by each process from what survived its first
 *   scavenges, put some processes for their whole life in a mode ~50 % costlier a request (request objects held in
 *   the old space): 12 processes of one interleaved run measured 122–180 µs a `me` without it, 127–221 with it.
 *
 * Flags go on the command line (node refuses `--single-threaded-gc` in NODE_OPTIONS), where they would override an
 * operator's NODE_OPTIONS; so a default whose flag the operator's NODE_OPTIONS already names is left out, and the
 * operator's value wins as it did when the defaults were NODE_OPTIONS' first entries. `--single-threaded-gc` and
 * `--no-allocation-site-pretenuring` cannot be named there (node refuses them and their other forms):
 * `TRACER_NODE_FLAGS` replaces the whole list instead.
 *
 * Plain JavaScript: it runs before anything is compiled.
 */
'use strict';

/** The flags for `role` ('server' or 'worker') in environment `env`. */
function nodeFlags(role, env = process.env) {
  if (role !== 'server' && role !== 'worker') throw new Error(`node-flags: unknown role ${JSON.stringify(role)} (server or worker)`);
  // The whole list, replaced: the only way to drop `--single-threaded-gc` or `--no-allocation-site-pretenuring`
  // through `npm start` (node refuses them in NODE_OPTIONS, either form). Empty: node's own defaults.
  if (env.TRACER_NODE_FLAGS !== undefined) return env.TRACER_NODE_FLAGS.split(/\s+/).filter(Boolean);
  const embedded = !env.DATABASE_URL;
  const defaults = embedded
    ? ['--max-old-space-size=1024', '--max-semi-space-size=32', '--single-threaded-gc', '--no-allocation-site-pretenuring']
    : ['--max-old-space-size=1024', '--max-semi-space-size=8'];
  // node strips double quotes from NODE_OPTIONS' words (`"--max-old-space-size=2048"`); so does this.
  const operator = new Set((env.NODE_OPTIONS ?? '').replace(/"/g, '').split(/\s+/).filter(Boolean).map(flagName));
  return defaults.filter((flag) => !operator.has(flagName(flag)));
}

/** `--max-semi-space-size=32` → `max-semi-space-size`; V8 spells flags with `_` or `-` alike, and `--no-x` is x. */
function flagName(flag) {
  return flag.replace(/^--?/, '').split('=')[0].replace(/_/g, '-').replace(/^no-/, '');
}

module.exports = { nodeFlags };

if (require.main === module) {
  try {
    process.stdout.write(nodeFlags(process.argv[2]).join(' '));
  } catch (e) {
    process.stderr.write(`${e.message}\n`);
    process.exit(2);
  }
}
