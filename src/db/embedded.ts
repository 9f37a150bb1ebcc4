import * as fs from 'node:fs';
import * as path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Duplex } from 'node:stream';

export class DatabaseLockedError extends Error {}

/**
 * PostgreSQL's buffer cache inside the embedded database. PGlite's default (128MB) lives in this process's
 * WebAssembly memory: measured on an existing data directory, 16MB takes opening from ~0.95 s to ~0.55 s and the
 * process from ~290 MB to ~175 MB RSS, and an organization's working set fits it many times over (reads that miss
 * it are served from the OS page cache through Node's fs). Passed on the command line, so the data directory's
 * own postgresql.conf is left alone.
 */
export const EMBEDDED_SHARED_BUFFERS = '16MB';

export interface EmbeddedDatabase {
  url: string;
  /**
   * A new connection to the database inside this process, for the `pg` driver's `stream` option: the same protocol
   * handler as the socket's, without the socket (see InProcessConnection).
   */
  connect(): Duplex;
  close(): Promise<void>;
}

/**
 * Runs PGlite in this process and serves it to the ordinary `pg` driver on 127.0.0.1 (random port), so MikroORM
 * talks to it exactly as to PostgreSQL. `dataDir` undefined → in memory (tests).
 *
 * PGlite must never be opened by two processes at once (that damages the files), so the data directory is
 * locked with an exclusive lock file holding the owner's pid; a lock left by a dead process is taken over.
 */
export async function startEmbedded(dataDir?: string, opts: { loadDataDir?: Blob } = {}): Promise<EmbeddedDatabase> {
  const releaseLock = dataDir ? acquireLock(dataDir) : () => {};
  let db: InstanceType<typeof import('@electric-sql/pglite').PGlite> | undefined;
  try {
    // Loaded here, not at the top: a process on PostgreSQL never holds PGlite's code (~1 MB of source) in memory.
    // (require, not import(): the same CommonJS build a static import would load.)
    const { PGlite } = require('@electric-sql/pglite') as typeof import('@electric-sql/pglite');
    const { PGLiteSocketServer, PGLiteSocketHandler } = require('@electric-sql/pglite-socket') as typeof import('@electric-sql/pglite-socket');
    // loadDataDir starts from a saved initdb (tests): about 1 s instead of 4 s for a fresh cluster.
    db = await PGlite.create({
      dataDir: dataDir && path.resolve(dataDir, 'pgdata'),
      loadDataDir: opts.loadDataDir,
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`],
    });
    const server = new PGLiteSocketServer({ db, host: '127.0.0.1', port: 0, maxConnections: 1 });
    await server.start();
    const { port } = (server as unknown as { server: { address(): AddressInfo } }).server.address();
    // The socket server's own queue: connections in this process and on the socket take turns on it, and a
    // transaction's statements are never interleaved with another connection's.
    const queryQueue = (server as unknown as { queryQueue: unknown }).queryQueue as ConstructorParameters<typeof PGLiteSocketHandler>[0]['queryQueue'];
    const opened = db;
    /** The in-process connections' protocol handlers, until each has let go of the database. */
    const inProcess = new Set<InstanceType<typeof PGLiteSocketHandler>>();
    return {
      url: `postgresql://postgres@127.0.0.1:${port}/postgres`,
      connect() {
        const [driverSide, databaseSide] = InProcessConnection.pair();
        const handler = new PGLiteSocketHandler({ queryQueue, closeOnDetach: true });
        inProcess.add(handler);
        // The handler lets go a turn after its connection closes (a rolled-back transaction, its queued statements).
        databaseSide.once('close', () => setImmediate(() => void handler.detach().finally(() => inProcess.delete(handler))));
        void handler.attach(databaseSide as never);
        return driverSide;
      },
      async close() {
        // As the socket server ends its connections: every in-process one lets go before the database closes, so
        // none of them reaches a closed database (a driver still holding one sees it close, never a hang).
        await Promise.all([...inProcess].map((handler) => handler.detach(true)));
        await server.stop();
        await opened.close();
        releaseLock();
      },
    };
  } catch (e) {
    await db?.close().catch(() => {});
    releaseLock();
    throw e;
  }
}

/**
 * One end of an in-memory connection: what one end writes, the other reads, in the same turn of the event loop.
 * The `pg` driver's side answers `connect` at once (there is nothing to dial); both sides accept the socket calls
 * the driver and the protocol handler make (`setNoDelay`, `setKeepAlive`). Over the loopback socket each statement
 * cost two trips through the kernel and two waits for the event loop's poll; in memory it costs neither.
 */
class InProcessConnection extends Duplex {
  private peer!: InProcessConnection;
  readonly remoteAddress = 'in-process';
  readonly remotePort = 0;

  static pair(): [InProcessConnection, InProcessConnection] {
    const a = new InProcessConnection({ allowHalfOpen: false });
    const b = new InProcessConnection({ allowHalfOpen: false });
    a.peer = b;
    b.peer = a;
    return [a, b];
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    this.peer.push(chunk);
    done();
  }
  override _final(done: (error?: Error | null) => void): void {
    this.peer.push(null);
    done();
  }
  override _read(): void {}
  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    if (!this.peer.destroyed) this.peer.destroy();
    done(error);
  }
  connect(): this {
    process.nextTick(() => this.emit('connect'));
    return this;
  }
  setNoDelay(): this {
    return this;
  }
  setKeepAlive(): this {
    return this;
  }
}

function acquireLock(dataDir: string): () => void {
  fs.mkdirSync(dataDir, { recursive: true });
  const lockPath = path.join(dataDir, 'tracer.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx' });
      return () => fs.rmSync(lockPath, { force: true });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
      const owner = Number(fs.readFileSync(lockPath, 'utf8').trim());
      if (owner && owner !== process.pid && isAlive(owner)) {
        throw new DatabaseLockedError(
          `The embedded database in ${path.resolve(dataDir)} is in use by another tracer process (pid ${owner}). ` +
            'Stop that process first, or use the running server\'s API; set DATABASE_URL to share a PostgreSQL database.',
        );
      }
      fs.rmSync(lockPath, { force: true }); // stale: its owner is gone
    }
  }
  throw new DatabaseLockedError(`Could not lock the embedded database in ${path.resolve(dataDir)}`);
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}
