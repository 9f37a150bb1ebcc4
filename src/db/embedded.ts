import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duplex } from 'node:stream';
import { LOCK_FILE, PGDATA, ownerOnlyFiles, secureDataDir } from './data-dir';

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
  /** A name for logs and MikroORM's settings: nothing listens there (connections are made by `connect`). */
  url: string;
  /** A new connection to the database inside this process, for the `pg` driver's `stream` option. */
  connect(): Duplex;
  close(): Promise<void>;
}

/**
 * Runs PGlite in this process and serves it to the ordinary `pg` driver, so MikroORM talks to it exactly as to
 * PostgreSQL. `dataDir` undefined → in memory (tests).
 *
 * The driver's connections are in-memory streams to @electric-sql/pglite-socket's protocol handler, not a socket
 * on 127.0.0.1: over the loopback socket each statement cost two trips through the kernel and two waits for the
 * event loop (an embedded list page: 9 % more CPU). Nothing listens, so nothing else on the machine can connect to
 * the database either (it has no password, and pglite-socket's queue keeps connections apart only inside explicit
 * transactions); the pool's one connection (docs/explanation/architecture.md) is the only one.
 *
 * PGlite must never be opened by two processes at once (that damages the files), so the data directory is
 * locked with an exclusive lock file holding the owner's pid; a lock left by a dead process is taken over.
 *
 * The data directory is its owner's alone: 0700, the database's directory in it (`pgdata`) 0700 with every directory
 * in it 0700 and every file 0600, tracer's own files beside it 0600, put right at each start (an older install, a
 * loosened file; other files in DATA_DIR are left alone) and kept so for every file PGlite makes (see
 * `ownerOnlyNodeFS`).
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
      ...(dataDir ? { fs: ownerOnlyNodeFS(path.resolve(dataDir, PGDATA)) } : {}),
      loadDataDir: opts.loadDataDir,
      startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${EMBEDDED_SHARED_BUFFERS}`],
    });
    // pglite-socket exports its protocol handler but not the queue that orders the handlers' messages on the
    // database: the server makes one as it is constructed. It is never started (see above).
    const queue = (new PGLiteSocketServer({ db }) as unknown as { queryQueue: ConstructorParameters<typeof PGLiteSocketHandler>[0]['queryQueue'] }).queryQueue;
    const opened = db;
    /** The in-process connections' protocol handlers, until each has let go of the database. */
    const handlers = new Set<InstanceType<typeof PGLiteSocketHandler>>();
    return {
      url: 'postgresql://postgres@in-process/postgres',
      connect() {
        const handler = new PGLiteSocketHandler({ queryQueue: queue, closeOnDetach: true });
        const [driverSide, databaseSide] = InProcessConnection.pair(() => {
          // The handler lets go a turn after its connection closes (it rolls back a transaction left open).
          setImmediate(() => void handler.detach().catch(() => {}).finally(() => handlers.delete(handler)));
        });
        handlers.add(handler);
        void handler.attach(databaseSide as never);
        return driverSide;
      },
      async close() {
        // Every in-process connection lets go before the database closes, so none of them reaches a closed
        // database (a driver still holding one sees it close, never a hang).
        await Promise.all([...handlers].map((handler) => handler.detach(true).catch(() => {})));
        handlers.clear();
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
 * the driver and the protocol handler make (`setNoDelay`, `setKeepAlive`, `ref`, `unref`). Destroying either end
 * destroys both, with the same error, and calls `onClosed` once.
 */
class InProcessConnection extends Duplex {
  private peer!: InProcessConnection;
  private onClosed?: () => void;
  readonly remoteAddress = 'in-process';
  readonly remotePort = 0;

  static pair(onClosed: () => void): [InProcessConnection, InProcessConnection] {
    const a = new InProcessConnection({ allowHalfOpen: false });
    const b = new InProcessConnection({ allowHalfOpen: false });
    a.peer = b;
    b.peer = a;
    a.onClosed = onClosed;
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
    if (!this.peer.destroyed) this.peer.destroy(error ?? undefined);
    const closed = this.onClosed ?? this.peer.onClosed;
    this.onClosed = this.peer.onClosed = undefined;
    closed?.();
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
  ref(): this {
    return this;
  }
  unref(): this {
    return this;
  }
}

/**
 * PGlite's NodeFS for `dir` (made 0700 when missing), with every mode it gives a file narrowed to the owner's. NodeFS
 * mounts Emscripten's NODEFS in PGlite's `preRun`; one more `preRun` wraps that module's NODEFS before PostgreSQL
 * starts, so the initial cluster and every file made later (WAL segments, new relations) are 0600
 * (src/db/data-dir.ts says why the process umask alone cannot do it).
 */
function ownerOnlyNodeFS(dir: string) {
  const { NodeFS } = require('@electric-sql/pglite/nodefs') as typeof import('@electric-sql/pglite/nodefs');
  fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  type Init = InstanceType<typeof NodeFS>['init'];
  return new (class extends NodeFS {
    override async init(pg: Parameters<Init>[0], options: Parameters<Init>[1]) {
      const { emscriptenOpts } = await super.init(pg, options);
      const preRun = [...(emscriptenOpts.preRun ?? []), (mod: { FS: { filesystems: Record<string, unknown> } }) => ownerOnlyFiles(mod.FS.filesystems.NODEFS as never)];
      return { emscriptenOpts: { ...emscriptenOpts, preRun } as typeof emscriptenOpts };
    }
  })(dir);
}

function acquireLock(dataDir: string): () => void {
  secureDataDir(dataDir);
  const lockPath = path.join(dataDir, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(lockPath, String(process.pid), { flag: 'wx', mode: 0o600 });
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
