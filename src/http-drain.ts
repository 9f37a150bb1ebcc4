import * as net from 'node:net';
import type { FastifyInstance } from 'fastify';

/**
 * Graceful HTTP shutdown without reset connections. Node's `server.close()` (≥ 19) destroys idle keep-alive
 * sockets at once, and a client that is just then sending its next request on one gets ECONNRESET. So shutdown
 * goes in steps:
 *  1. stop listening (new connections are refused), but keep the open connections;
 *  2. answer every request still arriving on them normally, with `Connection: close`, so clients stop reusing them;
 *  3. once no request is in flight (and a short grace for requests already on the wire), let Fastify close the
 *     rest; after `timeoutMs`, connections still busy are cut.
 */
export class HttpDrain {
  private closing = false;
  private inFlight = 0;
  private idle: (() => void) | undefined;

  constructor(private readonly fastify: FastifyInstance) {
    // One listener function for every response (a response closes once): no closure made per request.
    const finished = () => {
      if (--this.inFlight === 0) this.idle?.();
    };
    fastify.addHook('onRequest', (req, reply, done) => {
      this.inFlight++;
      reply.raw.on('close', finished);
      if (this.closing) reply.header('connection', 'close');
      done();
    });
  }

  get isClosing(): boolean {
    return this.closing;
  }

  async close(timeoutMs: number, graceMs = 250): Promise<void> {
    this.closing = true;
    const server = this.fastify.server;
    if (server.listening) net.Server.prototype.close.call(server); // step 1: no new connections; keeps the open ones
    const deadline = Date.now() + timeoutMs;
    // Step 2: requests keep arriving on open keep-alive connections for a moment; serve them until it is quiet.
    do {
      await this.quiet(deadline);
      await new Promise((r) => setTimeout(r, Math.max(0, Math.min(graceMs, deadline - Date.now()))));
    } while (this.inFlight > 0 && Date.now() < deadline);
    if (this.inFlight > 0) server.closeAllConnections(); // step 3, the hard way: the timeout passed
    await this.fastify.close(); // closes the idle connections, runs onClose hooks
  }

  private quiet(deadline: number): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(done, Math.max(0, deadline - Date.now()));
      function done() {
        clearTimeout(timer);
        resolve();
      }
      this.idle = done;
    });
  }
}
