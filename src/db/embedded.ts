import * as fs from 'node:fs';
import * as path from 'node:path';
import { Duplex } from 'node:stream';
import { Worker } from 'node:worker_threads';
import { LOCK_FILE, PGDATA, secureDataDir } from './data-dir';

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
 * Runs PGlite in a thread of this process (src/db/embedded.thread.js) and serves it to the ordinary `pg` driver, so
 * MikroORM talks to it exactly as to PostgreSQL. `dataDir` undefined → in memory (tests).
 *
 * PostgreSQL in WebAssembly runs each statement synchronously. On the thread that answers requests, every statement
 * of the process (the in-process worker's queue polling and scheduling, batched last-used writes, rate-limit syncs,
 * rollups) held every request up for its duration, and the process used one core. In a thread of its own the
 * database runs beside the requests: the driver's connections are in-memory streams whose bytes go to the thread in
 * messages (ArrayBuffers handed over, not copied), where pglite-socket's protocol handlers and its queue put them on
 * the database, and the answers come back the same way. Not a socket on 127.0.0.1: over the loopback socket each
 * statement cost two trips through the kernel (an embedded list page: 9 % more CPU), and nothing listening means
 * nothing else on the machine can connect to the database either (it has no password, and pglite-socket's queue
 * keeps connections apart only inside explicit transactions); the pool's one connection
 * (docs/explanation/architecture.md) is the only one.
 *
 * An error the thread does not handle (PGlite's WebAssembly aborting) ends every connection and is thrown on this
 * thread as an uncaught exception, as it was when PGlite ran here: the process ends rather than serve on without
 * its database.
 *
 * PGlite must never be opened by two processes at once (that damages the files), so the data directory is
 * locked with an exclusive lock file holding the owner's pid; a lock left by a dead process is taken over.
 *
 * The data directory is its owner's alone: 0700, the database's directory in it (`pgdata`) 0700 with every directory
 * in it 0700 and every file 0600, tracer's own files beside it 0600, put right at each start (an older install, a
 * loosened file; other files in DATA_DIR are left alone) and kept so for every file PGlite makes (see
 * `ownerOnlyNodeFS` in the thread).
 */
export async function startEmbedded(dataDir?: string, opts: { loadDataDir?: Blob } = {}): Promise<EmbeddedDatabase> {
  const releaseLock = dataDir ? acquireLock(dataDir) : () => {};
  try {
    const loadDataDir = opts.loadDataDir ? await opts.loadDataDir.arrayBuffer() : undefined;
    const thread = await DatabaseThread.open({ dataDir, pgdata: PGDATA, loadDataDir, sharedBuffers: EMBEDDED_SHARED_BUFFERS });
    return {
      url: 'postgresql://postgres@in-process/postgres',
      connect: () => thread.connect(),
      async close() {
        try {
          await thread.close();
        } finally {
          releaseLock();
        }
      },
    };
  } catch (e) {
    releaseLock();
    throw e;
  }
}

/** What the thread is started with (read by src/db/embedded.thread.js). */
interface ThreadData {
  dataDir?: string;
  pgdata: string;
  loadDataDir?: ArrayBuffer;
  sharedBuffers: string;
  modules?: CompiledModules;
}

/** PGlite's WebAssembly modules as the first thread compiled them: later threads of the process start from them. */
interface CompiledModules {
  pglite: WebAssembly.Module;
  initdb: WebAssembly.Module;
}
let compiled: CompiledModules | undefined;

/** A message from the thread (src/db/embedded.thread.js says what each means). */
type FromThread =
  | { opened: true; modules: CompiledModules }
  | { failed: string }
  | { data: number; bytes: ArrayBuffer }
  | { end: number }
  | { closed: true; error?: string };

/** The database's thread and this side of its connections. */
class DatabaseThread {
  private readonly connections = new Map<number, ThreadConnection>();
  private nextId = 1;
  private closing?: Promise<void>;
  private onClosed?: (error?: string) => void;
  /** Set when the thread has stopped (closed, failed, crashed): new connections fail with it. */
  private stopped?: Error;

  private constructor(private readonly worker: Worker) {}

  static open(data: ThreadData): Promise<DatabaseThread> {
    const worker = new Worker(path.join(__dirname, 'embedded.thread.js'), {
      workerData: { ...data, modules: compiled },
      transferList: data.loadDataDir ? [data.loadDataDir] : [],
    });
    const thread = new DatabaseThread(worker);
    return new Promise((resolve, reject) => {
      const failed = (e: Error) => {
        worker.off('message', first);
        void worker.terminate();
        reject(e);
      };
      const first = (message: FromThread) => {
        if ('opened' in message) {
          compiled ??= message.modules;
          worker.off('message', first);
          worker.off('error', failed);
          thread.listen();
          resolve(thread);
        } else if ('failed' in message) {
          failed(new Error(message.failed));
        }
      };
      worker.on('message', first);
      worker.once('error', failed);
    });
  }

  private listen(): void {
    this.worker.on('message', (message: FromThread) => {
      if ('data' in message) this.connections.get(message.data)?.fromDatabase(Buffer.from(message.bytes));
      else if ('end' in message) this.connections.get(message.end)?.endedByDatabase();
      else if ('closed' in message) this.onClosed?.(message.error);
    });
    this.worker.on('error', (e) => this.crashed(e));
    this.worker.on('exit', (code) => {
      if (!this.closing) this.crashed(new Error(`The embedded database's thread exited with code ${code}`));
    });
  }

  /** The thread failed: every connection ends with the error, and it is thrown here (see `startEmbedded`). */
  private crashed(e: Error): void {
    if (this.stopped) return;
    this.stopped = e;
    for (const connection of this.connections.values()) connection.destroy(e);
    this.connections.clear();
    if (!this.closing) process.nextTick(() => {
      throw e;
    });
  }

  connect(): Duplex {
    const id = this.nextId++;
    const connection = new ThreadConnection(id, this.worker, () => this.connections.delete(id));
    if (this.stopped || this.closing) {
      process.nextTick(() => connection.destroy(this.stopped ?? new Error('The embedded database is closed')));
      return connection;
    }
    this.connections.set(id, connection);
    this.worker.postMessage({ connect: id });
    return connection;
  }

  close(): Promise<void> {
    this.closing ??= (async () => {
      if (!this.stopped) {
        // Every connection lets go before the database closes, so none of them reaches a closed database (a driver
        // still holding one sees it end, never a hang).
        const error = await new Promise<string | undefined>((resolve) => {
          this.onClosed = resolve;
          this.worker.once('exit', () => resolve('the thread exited before the database closed'));
          this.worker.postMessage({ close: true });
        });
        for (const connection of this.connections.values()) connection.endedByDatabase();
        this.connections.clear();
        this.stopped = new Error('The embedded database is closed');
        await this.worker.terminate();
        if (error) throw new Error(`Closing the embedded database: ${error}`);
      } else {
        await this.worker.terminate();
      }
    })();
    return this.closing;
  }
}

/**
 * The `pg` driver's end of a connection to the database's thread: what the driver writes in one turn goes to the
 * thread as one message (the driver writes a statement's Parse, Bind, Execute and Sync one by one), what the thread
 * answers is read. It answers `connect` at once (there is nothing to dial) and accepts the socket calls the driver
 * makes (`setNoDelay`, `setKeepAlive`, `ref`, `unref`). Destroyed by the driver, the thread's side ends and lets go
 * of the database (rolling back a transaction left open).
 */
class ThreadConnection extends Duplex {
  private pending: Buffer[] = [];
  private ended = false;
  readonly remoteAddress = 'in-process';
  readonly remotePort = 0;

  constructor(
    private readonly id: number,
    private readonly worker: Worker,
    private readonly forget: () => void,
  ) {
    super({ allowHalfOpen: false });
  }

  override _write(chunk: Buffer, _encoding: BufferEncoding, done: (error?: Error | null) => void): void {
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    this.pending.push(chunk);
    done();
  }
  override _writev(chunks: { chunk: Buffer }[], done: (error?: Error | null) => void): void {
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    for (const { chunk } of chunks) this.pending.push(chunk);
    done();
  }
  private flush(): void {
    const chunks = this.pending;
    this.pending = [];
    if (this.ended || chunks.length === 0) return;
    const bytes = copyOut(chunks);
    this.worker.postMessage({ data: this.id, bytes }, [bytes]);
  }
  /** The driver ended its side (after its Terminate message): the thread's side lets go, and this side reads the end. */
  override _final(done: (error?: Error | null) => void): void {
    this.letGo();
    this.push(null);
    done();
  }
  override _read(): void {}
  override _destroy(error: Error | null, done: (error?: Error | null) => void): void {
    this.letGo();
    done(error);
  }
  private letGo(): void {
    this.flush();
    if (this.ended) return;
    this.ended = true;
    this.forget();
    this.worker.postMessage({ end: this.id });
  }

  fromDatabase(bytes: Buffer): void {
    if (!this.ended) this.push(bytes);
  }

  /** The thread's side ended (the database is closing, or its handler let go): the driver reads the end. */
  endedByDatabase(): void {
    if (this.ended) return;
    this.ended = true;
    this.forget();
    this.push(null);
    this.destroy();
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

/** Chunks as one ArrayBuffer of their own (a Buffer may be a view of a shared pool, which must not be handed over). */
function copyOut(chunks: Buffer[]): ArrayBuffer {
  let length = 0;
  for (const c of chunks) length += c.length;
  const out = new Uint8Array(length);
  let at = 0;
  for (const c of chunks) {
    out.set(c, at);
    at += c.length;
  }
  return out.buffer;
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
