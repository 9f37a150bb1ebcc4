/**
 * The import rules of src/ (`npm run deps:check`, run in CI after typecheck). Each rule says why it exists.
 * Tests and scripts may import anything: they are not cruised. `.dependency-cruiser-known-violations.json` lists the
 * imports that break a rule today and are being moved (regenerate it with `npx depcruise-baseline src --config
 * .dependency-cruiser.cjs` only to remove entries); any other violation fails the check.
 */

/** The composition root: the one place that builds services, and the processes that use it. */
const COMPOSITION_ROOT = '^src/(wiring/|services[.]ts$|api-services[.]ts$|app[.]ts$|server[.]ts$|worker[.]ts$|cli/)';
/** Modules every other file may use, which therefore must not know any feature. */
const LEAVES = '^src/(config[.]ts$|modules/common/|errors[.]ts$|errors/)';
/** What a leaf must not reach: features and everything built on them. */
const FEATURES = '^src/(modules/(?!common/)|graphql/|rest/|http/|context/|authorization/|wiring/|dashboard/|cli/)';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-cycles',
      severity: 'error',
      comment:
        'A cycle (type-only ones included) means two files cannot be understood, tested or moved apart: put what both ' +
        'need in a third file, or pass it in.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'leaves-import-no-feature',
      severity: 'error',
      comment:
        'config, modules/common and the error vocabulary are imported by everything; one import of a feature from ' +
        'them ties every file to that feature (and closes cycles).',
      from: { path: LEAVES },
      to: { path: FEATURES },
    },
    {
      name: 'modules-do-not-import-the-composition-root',
      severity: 'error',
      comment:
        'A feature gets what it needs passed in (a small interface or the one service); importing the root that ' +
        'builds every service ties it to all of them.',
      from: { path: '^src/(modules|graphql|rest|http|context|authorization|errors|db)/' },
      to: { path: COMPOSITION_ROOT },
    },
    {
      name: 'the-wiring-imports-no-process',
      severity: 'error',
      comment:
        'src/wiring builds services for every process (server, worker, CLIs); a process uses it, never the reverse, ' +
        'so a CLI does not load the HTTP server to open a database.',
      from: { path: '^src/wiring/' },
      to: { path: '^src/(app|server|worker)[.]ts$|^src/cli/' },
    },
    {
      name: 'server-does-not-import-the-dashboard',
      severity: 'error',
      comment: 'The dashboard is a separate browser bundle (vite); the server serves its built files, never its code.',
      from: { path: '^src/', pathNot: '^src/dashboard/' },
      to: { path: '^src/dashboard/' },
    },
    {
      name: 'dashboard-imports-only-itself-and-the-client',
      severity: 'error',
      comment:
        'The dashboard runs in the browser against the public API: it may use its own files and the generated ' +
        'typed client, nothing of the server.',
      from: { path: '^src/dashboard/' },
      to: { path: '^src/', pathNot: '^src/(dashboard|client)/' },
    },
    {
      name: 'authorization-does-not-import-transports',
      severity: 'error',
      comment:
        'Scopes and their checks serve both surfaces (GraphQL and the REST mirror); the HTTP and REST layers use ' +
        'them, not the reverse.',
      from: { path: '^src/authorization/' },
      to: { path: '^src/(rest|http)/' },
    },
    {
      name: 'graphql-does-not-import-rest',
      severity: 'error',
      comment: 'REST is a mirror built on the GraphQL operations (ARCHITECTURE §1): it depends on GraphQL, never back.',
      from: { path: '^src/graphql/' },
      to: { path: '^src/rest/' },
    },
    {
      name: 'http-does-not-import-rest',
      severity: 'error',
      comment: 'The HTTP layer (Fastify, errors, health) sits under both surfaces; REST registers itself on it.',
      from: { path: '^src/http/' },
      to: { path: '^src/rest/' },
    },
    {
      name: 'errors-are-one-vocabulary',
      severity: 'error',
      comment:
        'The error vocabulary renders to GraphQL and REST; it must not know either surface (ARCHITECTURE §4: one ' +
        'vocabulary, one place).',
      from: { path: '^src/(errors[.]ts$|errors/)' },
      to: { path: '^src/(graphql|rest|http)/' },
    },
    {
      name: 'the-run-path-reads-downward',
      severity: 'error',
      comment:
        'ARCHITECTURE §6: queue consumer → probe → recorder → alert rule → notification jobs → channels, nothing ' +
        'importing back up. Notifications and alerts never reach back into the engine that feeds them.',
      from: { path: '^src/modules/(notifications|alerts)/' },
      to: { path: '^src/modules/engine/' },
    },
    {
      name: 'a-kind-does-not-import-another-kind',
      severity: 'error',
      comment:
        'A check kind is one folder under src/modules/checks/kinds/ plus its registry entry; what two kinds share ' +
        'belongs in src/modules/checks/, so a kind can be added or removed without touching the others.',
      from: { path: '^src/modules/checks/kinds/([^/]+)/' },
      to: { path: '^src/modules/checks/kinds/[^/]+/', pathNot: '^src/modules/checks/kinds/$1/' },
    },
    {
      name: 'resolvable',
      severity: 'error',
      comment: 'An import that does not resolve is a typo or a file that moved without its importers.',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(node_modules|dist)/' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      // Type-only packages (@graphql-typed-document-node/core) have a `types` entry and no `main`.
      mainFields: ['main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
