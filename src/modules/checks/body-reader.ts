import type { IncomingMessage } from 'node:http';
import { Transform, type TransformCallback } from 'node:stream';
import * as zlib from 'node:zlib';

/** What checks ask for unless the monitor sets its own `Accept-Encoding`: everything readBody decodes. */
export const ACCEPT_ENCODING = 'gzip, deflate, br';

export class BodyDecodeError extends Error {}

/**
 * Content codings tracer undoes on one body. A server has no reason to stack more than two (`gzip, br` is already
 * unusual), and each one is a decoder stream every chunk passes through: a body gzipped 3,000 times over cost
 * about 76 CPU-seconds per check. More is a FAILED run saying so, before any decoding.
 */
export const MAX_CONTENT_CODINGS = 2;

// Lenient like browsers and undici: a stream cut short yields what it had instead of an error.
const ZLIB = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BROTLI = { flush: zlib.constants.BROTLI_OPERATION_FLUSH, finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH };

/**
 * HTTP's `deflate` is meant to be zlib-wrapped (RFC 9110 §8.4.1.2) but some servers send raw deflate; the first
 * byte tells them apart (a zlib header's low nibble is 8, which no raw deflate block can start with).
 */
class DeflateDecoder extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | undefined;

  override _transform(chunk: Buffer, _enc: BufferEncoding, done: TransformCallback): void {
    if (!this.inner) {
      this.inner = (chunk[0] & 0x0f) === 8 ? zlib.createInflate(ZLIB) : zlib.createInflateRaw(ZLIB);
      this.inner.on('data', (d: Buffer) => this.push(d));
      this.inner.on('error', (e) => this.destroy(e));
    }
    this.inner.write(chunk, () => done());
  }

  override _flush(done: TransformCallback): void {
    if (!this.inner) return done();
    this.inner.once('end', () => done());
    this.inner.end();
  }

  override _destroy(err: Error | null, done: (e: Error | null) => void): void {
    this.inner?.destroy();
    done(err);
  }
}

const DECODERS: Record<string, () => Transform> = {
  gzip: () => zlib.createGunzip(ZLIB),
  'x-gzip': () => zlib.createGunzip(ZLIB),
  deflate: () => new DeflateDecoder(),
  br: () => zlib.createBrotliDecompress(BROTLI),
};

/**
 * Reads a response body for assertions: decoded (gzip, deflate, br, and stacks of them), at most `maxBytes` of
 * decoded body and at most `maxBytes` off the wire. Past either, the download is stopped, not finished: a 10 MB
 * body or a decompression bomb (50 MB of zeros is 50 kB of gzip) costs about `maxBytes` and no more.
 * A body in an encoding tracer cannot decode is kept as it came.
 */
export function readBody(res: IncomingMessage, maxBytes: number, signal?: AbortSignal): Promise<{ body: Buffer; truncated: boolean }> {
  const codings = String(res.headers['content-encoding'] ?? '')
    .split(',')
    .map((c) => c.trim().toLowerCase())
    .filter((c) => c && c !== 'identity');
  const decodable = codings.every((c) => DECODERS[c]);
  if (decodable && codings.length > MAX_CONTENT_CODINGS) {
    res.destroy();
    const shown = codings.length > 4 ? `${codings.slice(0, 3).join(', ')}, …` : codings.join(', ');
    return Promise.reject(
      new BodyDecodeError(`The response body is encoded ${codings.length} times over (Content-Encoding: ${shown}); tracer decodes at most ${MAX_CONTENT_CODINGS} codings`),
    );
  }
  // Codings are listed in the order they were applied: undo them last first.
  const decoders = decodable ? codings.reverse().map((c) => ({ coding: c, stream: DECODERS[c]() })) : [];

  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const settle = (fn: () => void) => {
      if (settled) return;
      settled = true;
      signal?.removeEventListener('abort', onAbort);
      for (const d of decoders) d.stream.destroy();
      fn();
    };
    const finish = (truncated: boolean) =>
      settle(() => {
        if (truncated) res.destroy(); // stop downloading
        resolve({ body: Buffer.concat(chunks), truncated });
      });
    const take = (chunk: Buffer) => {
      if (settled) return;
      if (size + chunk.length > maxBytes) {
        chunks.push(chunk.subarray(0, maxBytes - size));
        size = maxBytes;
        return finish(true);
      }
      chunks.push(chunk);
      size += chunk.length;
    };

    // Set when the wire cap is reached: the download stops, and what was read is still decoded.
    let wireCut = false;
    if (decoders.length) {
      const first = decoders[0].stream;
      let wire = 0;
      res.on('data', (chunk: Buffer) => {
        if (wireCut) return;
        if (wire + chunk.length > maxBytes) {
          first.end(chunk.subarray(0, maxBytes - wire));
          wireCut = true;
          res.destroy();
          return;
        }
        wire += chunk.length;
        first.write(chunk);
      });
      res.on('end', () => first.end());
      let source: NodeJS.ReadableStream = first;
      for (const d of decoders) {
        d.stream.on('error', (e) => settle(() => reject(new BodyDecodeError(`Could not decode the ${d.coding} response body: ${e.message}`))));
        if (d.stream !== first) source = source.pipe(d.stream);
      }
      const last = decoders.at(-1)!.stream;
      last.on('data', take);
      last.on('end', () => finish(wireCut));
    } else {
      res.on('data', take);
      res.on('end', () => finish(false));
    }
    // The check's deadline ends the decoding too, not only the download: what is still being decoded is dropped.
    const onAbort = () =>
      settle(() => {
        res.destroy();
        reject(signal!.reason);
      });
    if (signal?.aborted) onAbort();
    signal?.addEventListener('abort', onAbort, { once: true });
    res.on('error', (e) => wireCut || settle(() => reject(e)));
    res.on('close', () => {
      if (!res.complete && !wireCut) settle(() => reject(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' })));
    });
  });
}
