import type { Config } from '../config';
import { openAdmin, type AdminServices } from './admin';
import { openApiServices, type ApiServices } from './api';
import { openCore, type Core, type CoreOptions } from './core';

/**
 * The one composition root: every process builds its services here, and each constructor is called in one place.
 * A role builds what it needs and no more:
 * - `api` (`npm start`, tests): the core plus key verification, rate limits, the revocation listener, the context;
 * - `worker` (`npm run worker`): the core: database, job queue, engine and the services of checks;
 * - `admin` (`npm run keys`, `npm run orgs`): the database and the account services, no queue.
 */
export function openServices(config: Config, opts: CoreOptions & { role: 'api' }): Promise<ApiServices>;
export function openServices(config: Config, opts: CoreOptions & { role: 'worker' }): Promise<Core>;
export function openServices(config: Config, opts: Pick<CoreOptions, 'now'> & { role: 'admin' }): Promise<AdminServices>;
export function openServices(
  config: Config,
  opts: (CoreOptions & { role: 'api' | 'worker' }) | (Pick<CoreOptions, 'now'> & { role: 'admin' }),
): Promise<ApiServices | Core | AdminServices> {
  if (opts.role === 'admin') return openAdmin(config, opts.now);
  return opts.role === 'api' ? openApiServices(config, opts) : openCore(config, opts);
}
