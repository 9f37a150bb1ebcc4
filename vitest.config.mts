import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import swc from 'unplugin-swc';
import { BaseSequencer, type TestSpecification } from 'vitest/node';

const require = createRequire(import.meta.url);

/** The migrated template database every file's database is copied from (test/helpers/global-setup.ts). */
const withDatabase = { globalSetup: ['test/helpers/global-setup.ts'] };

/**
 * Vitest's order (by project name: api, browser, processes, unit; within one, longest or largest first) put the
 * longest files last: the `processes` files, each spawning servers and workers, ran after every `api` file, and a
 * run ended on two of them with nothing left to share the machine with. The layers that wait longest go first
 * (processes, browser), then api, then unit, so the short files fill the gaps at the end; within a layer vitest's
 * own order stays (failed first, then the longest of the last run, else the largest file).
 *
 * On PostgreSQL (`TEST_DATABASE_URL`) the api layer goes first instead: CI runs that pass beside the embedded one
 * (.ci/run), and two passes both starting with their process-spawning files stacked a dozen servers, workers and
 * CLIs on two cores at once (a server start then took longer than a test's minute); staggered, each pass's
 * processes meet the other's in-process api files.
 */
const LAYERS = process.env.TEST_DATABASE_URL ? ['api', 'processes', 'browser', 'unit'] : ['processes', 'browser', 'api', 'unit'];
class LongestLayersFirst extends BaseSequencer {
  override async sort(files: TestSpecification[]): Promise<TestSpecification[]> {
    const rank = (spec: TestSpecification) => {
      const i = LAYERS.indexOf(spec.project.name);
      return i < 0 ? LAYERS.length : i;
    };
    const sorted = await super.sort(files);
    return sorted.map((spec, i) => ({ spec, i })).sort((a, b) => rank(a.spec) - rank(b.spec) || a.i - b.i).map(({ spec }) => spec);
  }
}

export default defineConfig({
  // Vitest's esbuild does not emit decorator metadata; type-graphql and MikroORM need it.
  plugins: [
    swc.vite({
      jsc: { parser: { syntax: 'typescript', decorators: true }, transform: { legacyDecorator: true, decoratorMetadata: true } },
    }),
  ],
  resolve: {
    // type-graphql loads graphql's CommonJS build; make the tests use the same one ("another module or realm").
    alias: { graphql: require.resolve('graphql') },
  },
  test: {
    setupFiles: ['reflect-metadata'],
    // The suite by layer (`npx vitest run --project unit`): each layer a folder of test/.
    projects: [
      // Pure functions, formats, parsers: no database, no server.
      { extends: true, test: { name: 'unit', include: ['test/unit/**/*.test.ts'] } },
      // The real app (Fastify, Apollo, MikroORM) on a real database, in this process.
      { extends: true, test: { name: 'api', include: ['test/api/**/*.test.ts'], ...withDatabase } },
      // The built server, workers and CLIs as processes of their own (they need `npm run build:server`).
      // Two minutes a test: each spawns servers, workers or CLIs, and a busy machine (both CI passes, two files at a
      // time each) stretched one start past 20 s. A timeout here only ends a hung test; no test measures by it.
      { extends: true, test: { name: 'processes', include: ['test/processes/**/*.test.ts'], testTimeout: 120_000, ...withDatabase } },
      // The built dashboard under Chromium (it needs `npm run build`; REQUIRE_BROWSER=1 fails when it is missing).
      { extends: true, test: { name: 'browser', include: ['test/browser/**/*.test.ts'], ...withDatabase } },
    ],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // expect.poll waits for a state that comes eventually (a run through the queue and a worker, a page that
    // re-renders); it measures no speed. Its default second was not enough with both CI passes side by side
    // (a dashboard run-now still PENDING after 1 s): wait up to 20 s, still failing when the state never comes.
    expect: { poll: { timeout: 20_000 } },
    pool: 'forks',
    // Vitest's default is one file at a time on a 2-core machine (CPUs − 1), yet most of this suite waits on
    // sockets, child processes and timers (one file at a time kept ~1.1 of 2 cores busy): two at a time took a
    // run of the suite from 432 s to 258 s here, with the same results. Every file has its own database, ports and
    // temporary directories, so files never share state.
    maxWorkers: Math.max(2, availableParallelism() - 1),
    // A worker keeps its loaded modules from one file to the next: re-importing the app (MikroORM, Apollo,
    // type-graphql, the entities) for every file was 140 s of a 424 s run on a slower machine; without it the run
    // took 274 s, with the same results. Files share no state through modules: each opens its own app, database
    // and ports, and module-level caches (prepared page statements, compiled operations) are keyed per schema or
    // per connection.
    isolate: false,
    // The layers that wait longest run first (LongestLayersFirst above).
    sequence: { sequencer: LongestLayersFirst },
    reporters: ['default'],
  },
});
