import './production';
import 'reflect-metadata';
import { setPriority } from 'node:os';
import pino from 'pino';
import type { FastifyBaseLogger } from 'fastify';
import { ConfigError, loadConfig } from './config';
import { DatabaseLockedError } from './db/embedded';
import { openServices } from './wiring/open-services';
import { logDestination } from './http/log-output';

/**
 * `npm run worker`: a worker-only process, no HTTP listener. It runs the checks of its LOCATION from the shared
 * queue and (unless SCHEDULING=false) enqueues due slots; any number of them share one PostgreSQL database.
 * SIGINT/SIGTERM: stop taking jobs, let running checks finish within SHUTDOWN_TIMEOUT_MS, hand back the rest.
 */
async function main() {
  const config = loadConfig({ ...process.env, WORKER: 'true' });
  const destination = logDestination(config);
  const log = (destination ? pino({ level: config.LOG_LEVEL }, destination) : pino({ level: config.LOG_LEVEL })) as unknown as FastifyBaseLogger;
  // Checks wait on the network, not the CPU: on a machine shared with API instances, the API wins the CPU when
  // both want it (the checks' own timings are measured from the network events, which a busy CPU delays little).
  if (config.WORKER_NICE) setPriority(config.WORKER_NICE);
  const core = await openServices(config, { role: 'worker', log, now: () => new Date() });
  await core.engine.startWorker(core.services.runs, (em) => core.retention.maintain(em));

  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    log.info({ signal }, 'worker shutting down');
    // Whatever hangs (a frozen database), the process is gone a little after its deadline.
    setTimeout(() => process.exit(1), config.SHUTDOWN_TIMEOUT_MS + 5000).unref();
    try {
      await core.engine.stop(config.SHUTDOWN_TIMEOUT_MS);
      await core.database.close();
      process.exit(0);
    } catch (e) {
      log.error({ err: (e as Error).message }, 'error while shutting down');
      process.exit(1);
    }
  };
  process.on('SIGINT', () => void stop('SIGINT'));
  process.on('SIGTERM', () => void stop('SIGTERM'));
}

main().catch((e) => {
  const known = e instanceof ConfigError || e instanceof DatabaseLockedError;
  console.error(known ? e.message : `tracer worker failed to start: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
