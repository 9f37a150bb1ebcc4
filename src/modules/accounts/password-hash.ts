import { hash, verify, Algorithm } from '@node-rs/argon2';

/**
 * argon2id with @node-rs/argon2's defaults (m = 19 MiB, t = 2, p = 1: OWASP's first recommendation), computed on
 * libuv's thread pool, off the request thread (docs/adr/0053). About 20 ms a verify here.
 */
export function hashPassword(password: string): Promise<string> {
  return hash(password, { algorithm: Algorithm.Argon2id });
}

/**
 * A hash of a password no one knows, compared against when the email has no password, so an unknown email costs
 * the same argon2 work as a wrong password: the same code path, the same time (made once, on first use).
 */
let decoy: Promise<string> | undefined;

/** argon2 verifications started, for tests to see that every sign-in pays exactly one, whatever its outcome. */
export const passwordStats = { verifies: 0 };

/** True when `password` matches `stored`; with `stored` null the decoy is verified and the answer is false. */
export async function passwordMatches(stored: string | null, password: string): Promise<boolean> {
  passwordStats.verifies++;
  const target = stored ?? (await (decoy ??= hashPassword(`decoy-${Math.random()}-${Date.now()}`)));
  let ok: boolean;
  try {
    ok = await verify(target, password);
  } catch {
    ok = false; // a malformed stored hash is a refusal, never an error that tells the cases apart
  }
  return ok && stored !== null;
}
