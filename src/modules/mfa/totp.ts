/**
 * otplib (with its hashing and base32 plugins, ~0.7 MB of heap) is loaded by the first two-factor request, not by
 * every API process: most never see one.
 */
const otplib = () => require('otplib') as typeof import('otplib');

/** RFC 6238 as every authenticator app reads it by default: SHA-1, 6 digits, 30-second steps (docs/adr/0055). */
export const TOTP_PERIOD_SECONDS = 30;
/** One step either side of now: a phone clock a little off, or a code typed as it changed, still works. */
const TOLERANCE_SECONDS = TOTP_PERIOD_SECONDS;

/** A TOTP code as apps show it; anything else is not looked at as one (it may be a recovery code). */
export const looksLikeTotp = (otp: string): boolean => /^\d{6}$/.test(otp);

/** A new shared secret: 20 random bytes (160 bits, RFC 4226's recommendation), base32. */
export const newTotpSecret = (): string => otplib().generateSecret({ length: 20 });

/** The `otpauth://totp/…` URI an app scans (as a QR code) or reads; `issuer` names tracer, `label` the member. */
export const totpUri = (issuer: string, label: string, secret: string): string =>
  otplib().generateURI({ issuer, label, secret, period: TOTP_PERIOD_SECONDS });

/**
 * The time step `otp` belongs to, when it is right for `secret` at `now` (± one step) and later than `afterStep`
 * (the last step accepted: the same code, or an older one, is never accepted twice); undefined otherwise.
 */
export async function totpStep(secret: string, otp: string, now: Date, afterStep: number | null): Promise<number | undefined> {
  if (!looksLikeTotp(otp)) return undefined;
  const epoch = Math.floor(now.getTime() / 1000);
  const newest = Math.floor((epoch + TOLERANCE_SECONDS) / TOTP_PERIOD_SECONDS);
  // otplib refuses (throws) an afterTimeStep past the window; every code in the window is spent then.
  if (afterStep !== null && afterStep >= newest) return undefined;
  const result = await otplib().verify({
    secret,
    token: otp,
    epoch,
    period: TOTP_PERIOD_SECONDS,
    epochTolerance: TOLERANCE_SECONDS,
    ...(afterStep !== null ? { afterTimeStep: afterStep } : {}),
  });
  // The functional API types a TOTP and an HOTP result alike; a TOTP match carries its step.
  return result.valid && 'timeStep' in result ? result.timeStep : undefined;
}
