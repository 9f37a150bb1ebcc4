import { createSign, generateKeyPairSync, randomBytes, type KeyObject } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

// oidc-provider is an ES module; the tests compile as CommonJS, so it is imported at run time.
type Provider = import('oidc-provider', { with: { 'resolution-mode': 'import' } }).default;

/** A person the provider knows, by account id (what its development login form takes). */
export interface IdpAccount {
  email: string;
  email_verified: boolean;
  name: string;
}

export interface SigningKey {
  kid: string;
  privateKey: KeyObject;
  jwk: Record<string, unknown>;
}

export const signingKey = (): SigningKey => {
  const kid = randomBytes(6).toString('hex');
  const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 2048 });
  return { kid, privateKey, jwk: { ...(privateKey.export({ format: 'jwk' }) as Record<string, unknown>), kid, alg: 'RS256', use: 'sig' } };
};

export const b64json = (v: unknown) => Buffer.from(JSON.stringify(v)).toString('base64url');

/** An ID token with `change` applied to its claims, signed RS256 with `key`. */
export function resign(idToken: string, key: SigningKey, change: (claims: Record<string, unknown>) => void): string {
  const claims = JSON.parse(Buffer.from(idToken.split('.')[1], 'base64url').toString()) as Record<string, unknown>;
  change(claims);
  const input = `${b64json({ alg: 'RS256', kid: key.kid, typ: 'JWT' })}.${b64json(claims)}`;
  return `${input}.${createSign('RSA-SHA256').update(input).sign(key.privateKey).toString('base64url')}`;
}

export interface TestIdp {
  issuer: string;
  clientId: string;
  clientSecret: string;
  /** The key it signs with now. */
  key: SigningKey;
  /** When set, rewrites the ID token its token endpoint answers. */
  tamper: ((idToken: string) => string) | undefined;
  /** A new signing key, the old one no longer published (a new provider on the same issuer and port). */
  rotate(): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real OpenID provider (oidc-provider) on 127.0.0.1, with one confidential client whose redirect URI is
 * `redirectUri`, its development login form (any password) and consent page, RS256 keys made here.
 */
export async function startIdp(redirectUri: string, accounts: Record<string, IdpAccount>): Promise<TestIdp> {
  const { default: ProviderClass } = await import('oidc-provider');
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const idp: TestIdp & { provider?: Provider } = {
    issuer,
    clientId: 'tracer',
    clientSecret: randomBytes(24).toString('base64url'),
    key: signingKey(),
    tamper: undefined,
    async rotate() {
      idp.key = signingKey();
      idp.provider = make();
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
  const make = (): Provider => {
    const provider = new ProviderClass(issuer, {
      clients: [{ client_id: idp.clientId, client_secret: idp.clientSecret, redirect_uris: [redirectUri], grant_types: ['authorization_code'], response_types: ['code'] }],
      jwks: { keys: [idp.key.jwk as never] },
      cookies: { keys: [randomBytes(16).toString('hex')] },
      claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name'] },
      features: { devInteractions: { enabled: true } },
      async findAccount(_ctx, sub) {
        const account = accounts[sub];
        if (!account) return undefined;
        return { accountId: sub, claims: async () => ({ sub, ...account }) };
      },
    });
    provider.use(async (ctx, next) => {
      await next();
      const body = ctx.body as { id_token?: string } | undefined;
      if (ctx.path === '/token' && idp.tamper && body?.id_token) ctx.body = { ...body, id_token: idp.tamper(body.id_token) };
    });
    return provider;
  };
  idp.provider = make();
  server.on('request', (req: IncomingMessage, res: ServerResponse) => idp.provider!.callback()(req, res));
  return idp;
}
