'use strict';
// The embedded database's thread (src/db/embedded.ts): PGlite and pglite-socket's protocol handlers run here, off
// the thread that answers requests. PostgreSQL in WebAssembly runs every statement synchronously: on the request
// thread each one (the worker's queue polling, a batch of last-used writes, a rollup) held up every request for
// its duration. The app's side keeps talking the PostgreSQL wire protocol: each of its connections is a stream
// whose bytes come here in messages (ArrayBuffers handed over, not copied) and whose answers go back the same way.
// Plain JavaScript so that the same file loads from the sources (tests) and from the build.
//
// Messages from the app: { open } once; then { connect: id }, { data: id, bytes }, { end: id } (the app's side
// went away), { close: true } (every connection lets go, the database closes, this thread ends).
// Messages to the app: { opened: true, modules } (PGlite's compiled WebAssembly, for the next thread) or { failed: message }; { data: id, bytes }; { end: id } (the database's
// side ended the connection); { closed: true }.
const fs = require('node:fs');
const path = require('node:path');
const { Duplex } = require('node:stream');
const { parentPort, workerData } = require('node:worker_threads');

const { PGlite } = require('@electric-sql/pglite');
const { PGLiteSocketServer, PGLiteSocketHandler } = require('@electric-sql/pglite-socket');

/** What the database's files may be: its owner's alone (src/db/data-dir.ts, DATA_DIR_MODE and DATA_FILE_MODE). */
const DIR_MODE = 0o700;
const FILE_MODE = 0o600;
const S_IFMT = 0o170000;
const S_IFDIR = 0o040000;
/** A mode with its permission bits narrowed to the owner's: 0700 for a directory, 0600 for anything else. */
const ownerOnly = (mode) => (mode & ~0o7777) | ((mode & S_IFMT) === S_IFDIR ? DIR_MODE : FILE_MODE);

/**
 * PGlite's files are made and chmod'ed through Emscripten's NODEFS, with the modes of the WebAssembly side: new
 * files 0777 (less the process umask), then chmod 0666 for the whole initial cluster (measured: 968 files 0666 with
 * any umask, 0077 included; a umask of 0177 would make directories unusable). Every mode NODEFS passes to Node's fs
 * is narrowed here to the owner's, so files PostgreSQL creates later (WAL segments, new tables) are 0600 as well.
 * Called from PGlite's `preRun`, before the database starts; `NODEFS` is that module instance's own.
 */
function ownerOnlyFiles(nodefs) {
  const { node_ops: nodeOps, stream_ops: streamOps } = nodefs;
  const mknod = nodeOps.mknod;
  nodeOps.mknod = (parent, name, mode, dev) => mknod.call(nodeOps, parent, name, ownerOnly(mode), dev);
  const setattr = nodeOps.setattr;
  nodeOps.setattr = (node, attr) => setattr.call(nodeOps, node, attr.mode === undefined ? attr : { ...attr, mode: ownerOnly(attr.mode) });
  const streamSetattr = streamOps.setattr;
  streamOps.setattr = (stream, attr) => streamSetattr.call(streamOps, stream, attr.mode === undefined ? attr : { ...attr, mode: ownerOnly(attr.mode) });
}

/**
 * PGlite's NodeFS for `dir` (made 0700 when missing), with every mode it gives a file narrowed to the owner's.
 * NodeFS mounts Emscripten's NODEFS in PGlite's `preRun`; one more `preRun` wraps that module's NODEFS before
 * PostgreSQL starts, so the initial cluster and every file made later are 0600 (`ownerOnlyFiles` says why the
 * process umask alone cannot do it).
 */
function ownerOnlyNodeFS(dir) {
  const { NodeFS } = require('@electric-sql/pglite/nodefs');
  fs.mkdirSync(dir, { recursive: true, mode: DIR_MODE });
  return new (class extends NodeFS {
    async init(pg, options) {
      const { emscriptenOpts } = await super.init(pg, options);
      const preRun = [...(emscriptenOpts.preRun ?? []), (mod) => ownerOnlyFiles(mod.FS.filesystems.NODEFS)];
      return { emscriptenOpts: { ...emscriptenOpts, preRun } };
    }
  })(dir);
}

/** Saved cluster bytes as PGlite reads them (`Blob.arrayBuffer()`), without Node 20's chunk-by-chunk copy. */
class BytesBlob extends Blob {
  constructor(bytes) {
    super([]);
    this.bytes = bytes;
  }
  async arrayBuffer() {
    return this.bytes;
  }
}

/**
 * This thread's end of one of the app's connections, attached to a protocol handler: what the handler writes goes
 * to the app in one message per turn (a statement's answer is often several writes), what the app sends is pushed
 * in as read. Accepts the socket calls the handler makes (`setNoDelay`).
 */
class AppConnection extends Duplex {
  constructor(id) {
    super({ allowHalfOpen: false });
    this.id = id;
    this.remoteAddress = 'in-process';
    this.remotePort = 0;
    this.pending = [];
    this.gone = false; // the app's side ended: nothing to tell it
  }
  _write(chunk, _encoding, done) {
    if (this.pending.length === 0) queueMicrotask(() => this.flush());
    this.pending.push(chunk);
    done();
  }
  flush() {
    const chunks = this.pending;
    this.pending = [];
    if (this.gone || chunks.length === 0) return;
    const bytes = copyOut(chunks);
    parentPort.postMessage({ data: this.id, bytes }, [bytes]);
  }
  _read() {}
  _final(done) {
    done();
  }
  _destroy(error, done) {
    this.flush();
    connections.delete(this.id);
    if (!this.gone) parentPort.postMessage({ end: this.id });
    done(error);
  }
  setNoDelay() {
    return this;
  }
}

/** Chunks as one ArrayBuffer of their own (a Buffer may be a view of a shared pool, which must not be handed over). */
function copyOut(chunks) {
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

/** @type {Map<number, AppConnection>} */
const connections = new Map();
/** @type {Set<InstanceType<typeof PGLiteSocketHandler>>} */
const handlers = new Set();
let db;
let queue;

/**
 * PGlite's two WebAssembly modules, compiled: given by the app when an earlier thread of the process compiled them
 * (a compiled module is shared between threads, not copied), else compiled here and handed back with `opened`.
 * Compiling them took ~0.4 s of CPU, which a process opening many databases (the tests: one a file) paid on every
 * open once each database had a thread of its own.
 */
async function compiledModules(given) {
  if (given) return given;
  const dist = path.dirname(require.resolve('@electric-sql/pglite'));
  const compile = async (name) => WebAssembly.compile(await fs.promises.readFile(path.join(dist, name)));
  const [pglite, initdb] = await Promise.all([compile('pglite.wasm'), compile('initdb.wasm')]);
  return { pglite, initdb };
}

async function open({ dataDir, pgdata, loadDataDir, sharedBuffers, modules }) {
  const compiled = await compiledModules(modules);
  db = await PGlite.create({
    ...(dataDir ? { fs: ownerOnlyNodeFS(path.resolve(dataDir, pgdata)) } : {}),
    loadDataDir: loadDataDir ? new BytesBlob(loadDataDir) : undefined,
    pgliteWasmModule: compiled.pglite,
    initdbWasmModule: compiled.initdb,
    startParams: [...PGlite.defaultStartParams, '-c', `shared_buffers=${sharedBuffers}`],
  });
  // pglite-socket exports its protocol handler but not the queue that orders the handlers' messages on the
  // database: the server makes one as it is constructed. It is never started (nothing listens).
  queue = new PGLiteSocketServer({ db }).queryQueue;
  return compiled;
}

function connect(id) {
  const connection = new AppConnection(id);
  const handler = new PGLiteSocketHandler({ queryQueue: queue, closeOnDetach: true });
  connections.set(id, connection);
  handlers.add(handler);
  // The handler lets go a turn after its connection closes (it rolls back a transaction left open).
  connection.once('close', () => setImmediate(() => void handler.detach().catch(() => {}).finally(() => handlers.delete(handler))));
  void handler.attach(connection);
}

async function close() {
  // Every connection lets go before the database closes, so none of them reaches a closed database (the app's
  // side sees its connections end, never a hang).
  await Promise.all([...handlers].map((handler) => handler.detach(true).catch(() => {})));
  handlers.clear();
  for (const connection of connections.values()) connection.destroy();
  await db?.close();
  db = undefined;
}

parentPort.on('message', (message) => {
  if (message.data !== undefined) {
    connections.get(message.data)?.push(Buffer.from(message.bytes));
  } else if (message.connect !== undefined) {
    connect(message.connect);
  } else if (message.end !== undefined) {
    const connection = connections.get(message.end);
    if (connection) {
      connection.gone = true;
      connection.destroy();
    }
  } else if (message.close) {
    close().then(
      () => parentPort.postMessage({ closed: true }),
      (e) => parentPort.postMessage({ closed: true, error: e instanceof Error ? e.message : String(e) }),
    );
  }
});

open(workerData).then(
  (modules) => parentPort.postMessage({ opened: true, modules }),
  async (e) => {
    await db?.close().catch(() => {});
    parentPort.postMessage({ failed: e instanceof Error ? e.message : String(e) });
  },
);
