/** What the TLS rule is told: the check's warning days (null: off) and the certificate its run saw. */
export interface TlsExpiryInput {
  warningDays: number | null;
  tls: { daysRemaining: number; validTo: string; subject: string };
  /** Whether the check is in a maintenance window at the run's finish: no alert opens then. */
  underMaintenance: boolean;
}

export type TlsExpiryDecision = { action: 'open'; cause: string; daysRemaining: number } | { action: 'resolve' } | { action: 'none' };

/** The alert cause code of a certificate about to expire (`Alert.causeCode`). */
export const TLS_CERTIFICATE_EXPIRING = 'TLS_CERTIFICATE_EXPIRING';

/**
 * The certificate rule, without a database: a run that sees fewer than `warningDays` days left on the certificate
 * opens (or keeps open, with the days now left) the check's TLS_CERTIFICATE_EXPIRING alert; a run that sees enough
 * days (a renewed certificate), or a check whose warning is off, resolves it. Only runs that saw a certificate are
 * asked: a run that failed before its handshake says nothing about the certificate.
 */
export function decideTlsExpiry({ warningDays, tls, underMaintenance }: TlsExpiryInput): TlsExpiryDecision {
  if (warningDays === null || tls.daysRemaining >= warningDays) return { action: 'resolve' };
  if (underMaintenance) return { action: 'none' };
  const left = tls.daysRemaining < 0 ? `expired ${-tls.daysRemaining} day${tls.daysRemaining === -1 ? '' : 's'} ago` : `expires in ${tls.daysRemaining} day${tls.daysRemaining === 1 ? '' : 's'}`;
  return { action: 'open', daysRemaining: tls.daysRemaining, cause: `${TLS_CERTIFICATE_EXPIRING}: the certificate (${tls.subject || 'no subject'}) ${left}, on ${tls.validTo}` };
}
