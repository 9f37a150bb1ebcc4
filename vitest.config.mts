import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { defineConfig } from 'vitest/config';
import swc from 'unplugin-swc';

const require = createRequire(import.meta.url);

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
    globalSetup: ['test/helpers/global-setup.ts'],
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
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
    reporters: ['default'],
  },
});
