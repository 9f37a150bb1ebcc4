/**
 * A DNS server on 127.0.0.1 over UDP, built with dns-packet: answers from a zone the test changes as it goes,
 * NXDOMAIN for names it does not know, SERVFAIL for names in `failing`. `address` is what SSO_DNS_RESOLVER or a
 * DNS monitor's `resolver` takes.
 */
import * as dgram from 'node:dgram';
import dnsPacket from 'dns-packet';

export interface TestDnsServer {
  /** `127.0.0.1:<port>`. */
  address: string;
  /** Records by `<TYPE> <name>` (name lower-case), such as `TXT _tracer-challenge.example.com`. */
  zone: Map<string, dnsPacket.Answer[]>;
  /** Names answered with SERVFAIL. */
  failing: Set<string>;
  /** Every question asked, in order. */
  queries: { name: string; type: string }[];
  /** Publishes TXT strings at `name` (replacing what was there). */
  txt(name: string, ...values: string[]): void;
  close(): Promise<void>;
}

export async function startDnsServer(): Promise<TestDnsServer> {
  const zone = new Map<string, dnsPacket.Answer[]>();
  const failing = new Set<string>();
  const queries: { name: string; type: string }[] = [];
  const socket = dgram.createSocket('udp4');
  socket.on('message', (msg, rinfo) => {
    let q: dnsPacket.Packet;
    try {
      q = dnsPacket.decode(msg);
    } catch {
      return;
    }
    const question = q.questions?.[0];
    if (!question) return;
    const name = question.name.toLowerCase();
    queries.push({ name, type: question.type });
    const answers = zone.get(`${question.type} ${name}`);
    const known = [...zone.keys()].some((k) => k.endsWith(` ${name}`));
    const rcode = failing.has(name) ? 2 : known ? 0 : 3; // SERVFAIL, NOERROR, NXDOMAIN
    const reply = dnsPacket.encode({ type: 'response', id: q.id, flags: dnsPacket.AUTHORITATIVE_ANSWER | rcode, questions: q.questions, answers: answers ?? [] });
    socket.send(reply, rinfo.port, rinfo.address);
  });
  await new Promise<void>((r) => socket.bind(0, '127.0.0.1', r));
  return {
    address: `127.0.0.1:${socket.address().port}`,
    zone,
    failing,
    queries,
    txt(name, ...values) {
      const key = `TXT ${name.toLowerCase()}`;
      if (!values.length) zone.delete(key);
      else zone.set(key, values.map((v) => ({ type: 'TXT', name, ttl: 60, data: v }) as dnsPacket.Answer));
    },
    close: () => new Promise<void>((r) => socket.close(() => r())),
  };
}
