/**
 * Imported first by every entry point that serves (server.ts, worker.ts): unless NODE_ENV says otherwise, a
 * process runs as production. graphql-js decides at load time; in development mode its `instanceOf` checks cost
 * 1.6-3.6 % of a request's CPU. Tests running the app in process keep their own NODE_ENV.
 */
process.env.NODE_ENV ??= 'production';
