import './production';
import 'reflect-metadata';
import type { AddressInfo } from 'node:net';
import { createApp, type App } from './app';
import { ConfigError, loadConfig } from './config';
import { DatabaseLockedError } from './db/embedded';

/** Entry point: configuration → app → listen; SIGINT/SIGTERM close it gracefully. */
async function main() {
  const config = loadConfig();
  const app = await createApp(config);
  let bound = false;
  await app.fastify.listen({
    port: config.PORT,
    host: config.HOST,
    // Called once the socket is bound, just before Fastify logs its address: with PORT=0 the links tracer makes
    // (ping URLs, setup, acknowledge and invitation links) name the port the system gave, and the first start's key
    // and link are printed before "Server listening at", where they always were.
    listenTextResolver: (address) => {
      if (!bound) {
        bound = true;
        app.publicUrl.listening((app.fastify.server.address() as AddressInfo).port);
        printFirstStart(app);
      }
      return `Server listening at ${address}`;
    },
  });

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    app.fastify.log.info({ signal }, 'shutting down');
    // Whatever is stuck (a database that stopped answering, a connection that never closes), the process ends: an
    // orchestrator waiting for it would otherwise kill it without a word. Not unref'd: a close() stuck on a
    // promise nothing will settle must not let the process drift out with code 0.
    setTimeout(() => {
      app.fastify.log.error({ step: app.closingStep, deadlineMs: config.SHUTDOWN_DEADLINE_MS }, 'shutdown deadline passed; exiting');
      process.exit(1);
    }, config.SHUTDOWN_DEADLINE_MS);
    try {
      await app.close();
      process.exit(0);
    } catch (e) {
      app.fastify.log.error({ err: (e as Error).message }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

/** The first start's key and setup link: to the terminal once, deliberately not through the logger (logs never carry secrets). */
function printFirstStart(app: App): void {
  if (app.bootstrapKey) {
    process.stdout.write(
      [
        '',
        '  WARNING: first start on an empty database. A full-access API key was created for "Default Organization".',
        '  It is shown only this once; store it now (set BOOTSTRAP_KEY=false to skip this):',
        '',
        `    ${app.bootstrapKey}`,
        '',
        '',
      ].join('\n'),
    );
  }
  if (app.setupLink) {
    // Likewise: the link makes the first owner of the installation, so it goes to the terminal only.
    process.stdout.write(
      [
        ...(app.bootstrapKey ? [] : ['']), // one blank line after the key, as the README shows them
        '  First start: "Default Organization" has no owner yet. This single-use link (valid 24 hours) makes its',
        '  first OWNER: open it in a browser (set SETUP_LINK=false to skip this):',
        '',
        `    ${app.setupLink}`,
        '',
        '',
      ].join('\n'),
    );
  }
}

main().catch((e) => {
  const known = e instanceof ConfigError || e instanceof DatabaseLockedError;
  console.error(known ? e.message : `tracer failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
