import { timingSafeEqual } from 'node:crypto';
import type { EntityManager } from '@mikro-orm/postgresql';
import { AppError, badInput, notFound, rateLimited } from '../../errors';
import { describeFault } from '../../db/faults';
import type { FailureLimiter } from '../auth/failure-limiter';
import { clientGroup, storedAddress } from '../auth/client-address';
import type { SecretBox } from '../checks/secret-box';
import { openSession } from '../accounts/session-open';
import { tokenHash } from '../accounts/session-token';
import { Member } from '../members/member.entity';
import { Organization } from '../organization/organization.entity';
import { audit } from '../audit/audit';
import { newId } from '../common/ids';
import { SsoAttempt, SsoConnection, SsoDomain } from './sso.entity';
import { domainOf } from './sso.service';

type Oidc = typeof import('openid-client', { with: { 'resolution-mode': 'import' } });
type Configuration = import('openid-client', { with: { 'resolution-mode': 'import' } }).Configuration;

/** openid-client is an ES module: loaded once, on the first SSO sign-in (this project compiles to CommonJS). */
let loading: Promise<Oidc> | undefined;
const oidcClient = (): Promise<Oidc> => (loading ??= import('openid-client'));

/** A sign-in begun at the provider must come back within this long. */
export const SSO_ATTEMPT_MS = 10 * 60_000;
/** How long the provider's discovery document and keys may take to arrive. */
const PROVIDER_TIMEOUT_S = 10;

export interface SsoSignInDeps {
  now: () => Date;
  secrets: SecretBox;
  /** Every start counts per address (each writes a row), like a forgot-password request; a finished sign-in forgives. */
  limiter: FailureLimiter;
  sessionMaxDays: number;
  log: { warn(obj: object, msg: string): void };
}

export interface Visitor {
  ip: string;
  userAgent: string | undefined;
}

/** The one refusal of a callback, whatever went wrong (the reason goes to the log, not to the browser). */
const refused = () => new AppError('UNAUTHORIZED', 'The single sign-on answer could not be verified; start again');
const unreachable = () => new AppError('SERVICE_UNAVAILABLE', 'The SSO provider could not be reached; try again later', {}, { 'retry-after': '5' });

/**
 * The OpenID Connect authorization code flow with PKCE, state and nonce (openid-client): `start` picks the
 * connection by the email's domain and answers the provider's authorization URL and the state the browser keeps in
 * a cookie; `finish` checks the provider's answer against that state (single use, 10 minutes), has openid-client
 * redeem the code and validate the ID token (issuer, audience, signature, nonce, expiry), then signs the member in,
 * making them with the connection's `defaultRole` on their first sign-in. The email must be verified by the provider
 * and in one of the connection's VERIFIED domains.
 */
export class SsoSignIn {
  constructor(private readonly deps: SsoSignInDeps) {}

  /**
   * Whether the email's domain signs in through a connection: what the sign-in page asks before it offers "Continue
   * with SSO". It says only that (the domain's organization and provider stay unnamed); a domain's use of SSO is
   * visible anyway to whoever starts a sign-in. Counted like a start, per address.
   */
  async available(em: EntityManager, email: unknown, ip: string): Promise<boolean> {
    if (typeof email !== 'string' || email.length > 254 || !domainOf(email.trim())) return false;
    const subject = `sso:ip:${clientGroup(ip)}`;
    const wait = this.deps.limiter.retryAfter(subject);
    if (wait > 0) throw rateLimited(wait, 'Too many single sign-on attempts; retry later');
    this.deps.limiter.fail(subject);
    return (await em.count(SsoDomain, { domain: domainOf(email.trim().toLowerCase())!, status: 'VERIFIED' })) > 0;
  }

  async start(em: EntityManager, email: unknown, redirectUri: string, ip: string): Promise<{ url: string; state: string }> {
    if (typeof email !== 'string' || email.length > 254 || !domainOf(email.trim())) throw badInput([{ field: 'email', message: 'must be an email address' }]);
    const address = email.trim().toLowerCase();
    const subject = `sso:ip:${clientGroup(ip)}`;
    const wait = this.deps.limiter.retryAfter(subject);
    if (wait > 0) throw rateLimited(wait, 'Too many single sign-on attempts; retry later');
    this.deps.limiter.fail(subject);
    // Only a domain its owner proved by DNS routes anyone: a pending claim answers as if there were no connection.
    const found = await em.findOne(SsoDomain, { domain: domainOf(address)!, status: 'VERIFIED' }, { populate: ['connection'] });
    if (!found) throw notFound('SSO connection for this email domain');
    const connection = found.connection.getEntity();
    const oidc = await oidcClient();
    const config = await this.configure(oidc, connection);
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const now = this.deps.now();
    // Attempts never finished are deleted as new ones begin: rows do not pile up.
    await em.nativeDelete(SsoAttempt, { expiresAt: { $lte: now } });
    await em.insert(SsoAttempt, {
      id: newId('ssa'),
      connection: connection.id,
      stateHash: tokenHash(state),
      nonce,
      codeVerifier,
      redirectUri,
      expiresAt: new Date(now.getTime() + SSO_ATTEMPT_MS),
    });
    const url = oidc.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: 'openid email profile',
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
      nonce,
      login_hint: address,
    });
    return { url: url.href, state };
  }

  /**
   * `query` is the callback's query string, `cookieState` the state this browser was given at start. Answers the new
   * session's token. Refused (UNAUTHORIZED) when the state is missing, not this browser's, used or expired, or when
   * the code or the ID token does not check out; FORBIDDEN when the email is unverified or of another domain.
   */
  async finish(em: EntityManager, query: URLSearchParams, cookieState: string | undefined, visitor: Visitor): Promise<{ token: string; memberId: string; organizationId: string }> {
    const state = query.get('state');
    if (!state || !cookieState || !sameText(state, cookieState)) {
      this.deps.log.warn({ reason: state ? 'state differs from the browser cookie' : 'no state' }, 'sso: callback refused');
      throw refused();
    }
    // Spent by the statement that finds it: a state replayed, or used by two callbacks at once, finds nothing.
    const rows = await em.getConnection().execute<Array<{ connection_id: string; nonce: string; code_verifier: string; redirect_uri: string; expires_at: string | Date }>>(
      'delete from sso_attempts where state_hash = ? returning connection_id, nonce, code_verifier, redirect_uri, expires_at',
      [tokenHash(state)],
    );
    const attempt = rows[0];
    if (!attempt || new Date(attempt.expires_at).getTime() <= this.deps.now().getTime()) {
      this.deps.log.warn({ reason: attempt ? 'state expired' : 'state unknown or used' }, 'sso: callback refused');
      throw refused();
    }
    const connection = await em.findOne(SsoConnection, { id: attempt.connection_id });
    if (!connection) throw refused();
    const oidc = await oidcClient();
    const config = await this.configure(oidc, connection);
    let claims: Record<string, unknown> | undefined;
    try {
      const callbackUrl = new URL(attempt.redirect_uri);
      callbackUrl.search = query.toString();
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: attempt.code_verifier,
        expectedState: state,
        expectedNonce: attempt.nonce,
        idTokenExpected: true,
      });
      claims = tokens.claims();
      // Providers that keep the ID token small (oidc-provider by default) give the email at the userinfo endpoint,
      // for the ID token's subject only.
      if (claims && typeof claims.email !== 'string' && tokens.access_token)
        claims = { ...(await oidc.fetchUserInfo(config, tokens.access_token, claims.sub as string)), ...claims };
    } catch (e) {
      this.deps.log.warn({ connectionId: connection.id, err: describeOidcError(e) }, 'sso: the provider answer was refused');
      throw refused();
    }
    if (!claims) throw refused();
    const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
    const domain = domainOf(email);
    if (!domain || email.length > 254) throw new AppError('FORBIDDEN', 'The provider gave no email address for this account');
    if (claims.email_verified !== true) throw new AppError('FORBIDDEN', 'The provider has not verified this account\'s email address');
    if (!(await em.count(SsoDomain, { domain, connection: connection.id, status: 'VERIFIED' }))) throw new AppError('FORBIDDEN', 'This email address is not in a domain of the SSO connection');
    const organizationId = connection.organization.id;
    const now = this.deps.now();
    const result = await em.transactional(async (tx) => {
      let member = await tx.findOne(Member, { organization: organizationId, email });
      if (!member) {
        member = tx.create(Member, { organization: tx.getReference(Organization, organizationId), email, name: nameOf(claims.name), role: connection.defaultRole, joinedAt: now });
        tx.persist(member);
        audit(tx, { keyId: member.id, organizationId, name: member.name ?? email, ip: storedAddress(visitor.ip) }, 'member.joined_by_sso', member.id, now);
      }
      const token = openSession(tx, { now, sessionMaxDays: this.deps.sessionMaxDays }, { id: member.id, organizationId }, visitor.ip, visitor.userAgent);
      audit(tx, { keyId: member.id, organizationId, name: member.name ?? email, ip: storedAddress(visitor.ip) }, 'member.signed_in', member.id, now);
      return { token, memberId: member.id, organizationId };
    });
    this.deps.limiter.forgive(`sso:ip:${clientGroup(visitor.ip)}`);
    return result;
  }

  /** The provider's metadata and keys, fetched for each sign-in (so rotated keys and changed endpoints are seen at once). */
  private async configure(oidc: Oidc, connection: SsoConnection): Promise<Configuration> {
    const secret = this.deps.secrets.open(connection.clientSecretSealed);
    // openid-client reads the wall clock; tracer's clock (the tests') decides when an ID token has expired.
    const skew = Math.round((this.deps.now().getTime() - Date.now()) / 1000);
    const insecure = new URL(connection.issuer).protocol === 'http:';
    try {
      const config = await oidc.discovery(new URL(connection.issuer), connection.clientId, { [oidc.clockSkew]: skew } as never, oidc.ClientSecretBasic(secret), {
        timeout: PROVIDER_TIMEOUT_S,
        // An http issuer was only accepted with ALLOW_PRIVATE_TARGETS (a provider on this machine or network).
        ...(insecure ? { execute: [oidc.allowInsecureRequests] } : {}),
      });
      // The ID token's signature is checked against the provider's published keys too (openid-client otherwise
      // trusts a token endpoint's answer by its TLS connection alone, which an http issuer does not have).
      oidc.enableNonRepudiationChecks(config);
      return config;
    } catch (e) {
      this.deps.log.warn({ connectionId: connection.id, err: describeOidcError(e) }, 'sso: the provider could not be discovered');
      throw unreachable();
    }
  }
}

function sameText(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** A display name from the ID token: 1 to 100 characters without control characters, or none. */
function nameOf(value: unknown): string | null {
  if (typeof value !== 'string') return null;
  const name = value.replace(/[\u0000-\u001f\u007f]/g, '').trim().slice(0, 100);
  return name || null;
}

/** What the log says of a refused answer: the error's kind and code, never a token. */
function describeOidcError(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as { code?: unknown }).code;
    const error = (e as { error?: unknown }).error;
    return [e.name, typeof code === 'string' ? code : undefined, typeof error === 'string' ? error : undefined, e.message.slice(0, 200)].filter(Boolean).join(': ');
  }
  return describeFault(e);
}
