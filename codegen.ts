import type { CodegenConfig } from '@graphql-codegen/cli';

/**
 * The typed client: TypedDocumentNodes for every operation under src/client/operations, generated from the
 * committed schema. The REST routes, the tests and the dashboard use these documents; CI fails when stale.
 */
const config: CodegenConfig = {
  schema: 'schema/schema.graphql',
  documents: ['src/client/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'src/client/generated/': {
      preset: 'client',
      presetConfig: { fragmentMasking: false },
      config: {
        enumsAsTypes: true,
        useTypeImports: true,
        scalars: { DateTime: 'string', ID: 'string' },
        strictScalars: true,
      },
    },
  },
};

export default config;
