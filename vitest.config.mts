import { createRequire } from 'node:module';
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
    reporters: ['default'],
  },
});
