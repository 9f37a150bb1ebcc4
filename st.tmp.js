const t0 = performance.now();
const lap = (l) => console.log(l, Math.round(performance.now() - t0));
require('/work/main/node_modules/reflect-metadata');
const { createApp } = require('/work/main/dist/src/app'); lap('modules loaded');
const { openDatabase } = require('/work/main/dist/src/db/database');
const { buildAppSchema } = require('/work/main/dist/src/graphql/schema');
(async () => {
  const db = await openDatabase({ dataDir: '/tmp/pf', migrate: false }); lap('db open');
  await db.orm.getMigrator().up(); lap('migrations');
  await buildAppSchema(); lap('schema');
  await db.close(); lap('closed');
})();
