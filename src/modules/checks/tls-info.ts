import type { TLSSocket } from 'node:tls';
import { Field, Int, ObjectType } from 'type-graphql';

/** The peer certificate an HTTPS run saw, as the run records it (`Run.tls`). */
export interface TlsInfo {
  subject: string;
  issuer: string;
  validFrom: string;
  validTo: string;
  /** Whole days from the run to `validTo`, rounded down; negative once expired. */
  daysRemaining: number;
  /** The negotiated protocol, e.g. `TLSv1.3`. */
  protocol: string | null;
}

const DAY_MS = 86_400_000;

/** A distinguished name as one line (`CN=example.com, O=Example`); a field given twice lists both values. */
function dn(name: Record<string, string | string[]> | undefined): string {
  if (!name) return '';
  return Object.entries(name)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(', ')
    .slice(0, 500);
}

/** What a TLS socket's peer certificate says, or null when there is none (a handshake that did not finish). */
export function tlsInfoOf(socket: TLSSocket, now = Date.now()): TlsInfo | null {
  const cert = socket.getPeerCertificate();
  if (!cert || !cert.valid_to) return null;
  const validTo = new Date(cert.valid_to);
  const validFrom = new Date(cert.valid_from);
  if (Number.isNaN(validTo.getTime()) || Number.isNaN(validFrom.getTime())) return null;
  return {
    subject: dn(cert.subject as unknown as Record<string, string>),
    issuer: dn(cert.issuer as unknown as Record<string, string>),
    validFrom: validFrom.toISOString(),
    validTo: validTo.toISOString(),
    daysRemaining: Math.floor((validTo.getTime() - now) / DAY_MS),
    protocol: socket.getProtocol() ?? null,
  };
}

@ObjectType('TlsCertificate', { description: 'The peer certificate an HTTPS run saw (the first HTTPS connection of the run).' })
export class TlsInfoType {
  @Field({ description: 'The subject, e.g. `CN=example.com`.' }) subject!: string;
  @Field({ description: 'The issuer, e.g. `C=US, O=Let\'s Encrypt, CN=R11`.' }) issuer!: string;
  @Field() validFrom!: Date;
  @Field() validTo!: Date;
  @Field(() => Int, { description: 'Whole days from the run to validTo, rounded down; negative once expired.' }) daysRemaining!: number;
  @Field(() => String, { nullable: true, description: 'The negotiated protocol, e.g. `TLSv1.3`.' }) protocol!: string | null;
}
