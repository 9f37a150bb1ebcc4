import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  CreateSsoConnectionDocument,
  DeleteSsoConnectionDocument,
  SetEnforceSsoDocument,
  SsoConnectionsDocument,
  VerifySsoDomainDocument,
  type MemberRole,
  type SsoConnectionsQuery,
} from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { dateTime } from '../format';
import { ConfirmAction } from '../components/ConfirmAction';
import { ErrorNote } from '../components/ErrorNote';
import { MissingScopes } from '../components/MissingScopes';
import { lacks, ScopedButton } from '../components/ScopedButton';

type Connection = SsoConnectionsQuery['ssoConnections'][number];

/** Only an OWNER changes single sign-on: the API asks for `all` beyond organization:write. */
const OWNER = 'all';
const ROLES: MemberRole[] = ['MEMBER', 'VIEWER', 'ADMIN'];
const empty = { issuer: '', clientId: '', clientSecret: '', domains: '', defaultRole: 'MEMBER' as MemberRole };

/**
 * Settings › Single sign-on: the organization's OpenID Connect connections (the secret is sent once and never
 * shown), each domain's status with the TXT record that proves it and a Verify button, adding and removing one, and whether members of their domains may sign in only through SSO. Every
 * control is an OWNER's; other roles see the settings read-only.
 */
export function SingleSignOn({ s }: { s: Session }) {
  const [connections, setConnections] = useState<Connection[] | null>(null);
  const [enforced, setEnforced] = useState(false);
  const [form, setForm] = useState(empty);
  const [adding, setAdding] = useState(false);
  const { error, call } = useApi(s);
  const isOwner = s.perms.includes(OWNER);
  const field = (name: keyof typeof empty) => ({
    id: `sso-${name}`,
    value: form[name],
    disabled: !isOwner,
    title: isOwner ? undefined : lacks(OWNER),
    onChange: (e: { target: { value: string } }) => setForm({ ...form, [name]: e.target.value }),
  });

  const load = useCallback(async () => {
    const data = await call(() => gql(SsoConnectionsDocument));
    if (data) {
      setConnections(data.ssoConnections);
      setEnforced(data.organization.enforceSso);
    }
  }, [call]);
  useEffect(() => void load(), [load]);

  const add = async (e: FormEvent) => {
    e.preventDefault();
    setAdding(true);
    const emailDomains = form.domains.split(/[\s,]+/).filter(Boolean);
    const done = await call(() =>
      gql(CreateSsoConnectionDocument, { input: { issuer: form.issuer.trim(), clientId: form.clientId.trim(), clientSecret: form.clientSecret, emailDomains, defaultRole: form.defaultRole } }),
    );
    setAdding(false);
    if (!done) return;
    setForm(empty);
    await load();
  };
  const [verifying, setVerifying] = useState<string | null>(null);
  const verify = async (connectionId: string, domain: string) => {
    setVerifying(`${connectionId} ${domain}`);
    const done = await call(() => gql(VerifySsoDomainDocument, { connectionId, domain }));
    setVerifying(null);
    if (done) await load();
  };
  const enforce = async (on: boolean) => {
    const done = await call(() => gql(SetEnforceSsoDocument, { enforceSso: on }));
    if (done) setEnforced(done.setEnforceSso.enforceSso);
  };

  return (
    <section aria-labelledby="sso-title">
      <div className="section-head">
        <h1 id="sso-title">Single sign-on</h1>
      </div>
      <MissingScopes held={s.perms} needs={[{ scope: OWNER, what: 'changing single sign-on (owners only)' }]} />
      <ErrorNote error={error} />
      <p className="hint">
        Register tracer at your OpenID Connect provider with the redirect URI <code>{`${window.location.origin}/auth/sso/callback`}</code> and the scopes{' '}
        <code>openid email profile</code>. People of these domains then choose “Continue with SSO”; their account is made at their first sign-in.
      </p>
      <p className="hint">
        A domain signs nobody in until you prove it is yours: publish its TXT record in your DNS, then choose Verify. Until then it is pending, and
        sign-ins of its people go on as if there were no connection.
      </p>
      {connections && connections.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">SSO connections</caption>
            <thead>
              <tr>
                <th scope="col">Issuer</th>
                <th scope="col">Client id</th>
                <th scope="col">Domains</th>
                <th scope="col">New members</th>
                <th scope="col">Added</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {connections.map((c) => (
                <tr key={c.id} data-sso-id={c.id}>
                  <td>{c.issuer}</td>
                  <td>{c.clientId}</td>
                  <td>
                    <ul className="sso-domains">
                      {c.domains.map((d) => (
                        <li key={d.domain} data-sso-domain={d.domain}>
                          <span>{d.domain}</span>{' '}
                          <span className={d.status === 'VERIFIED' ? 'badge' : 'badge warn'} data-testid="sso-domain-status">
                            {d.status === 'VERIFIED' ? 'Verified' : 'Pending'}
                          </span>
                          {d.status === 'VERIFIED' && d.missingSince && (
                            <p className="hint">
                              Its TXT record <code>{d.verificationName}</code> has been missing since {dateTime(d.missingSince)}: publish{' '}
                              <code>{d.verificationRecord}</code> again, or after 7 days without it the domain goes back to pending.
                            </p>
                          )}
                          {d.status === 'PENDING' && (
                            <>
                              <p className="hint">
                                Publish a TXT record named <code data-testid="sso-txt-name">{d.verificationName}</code> with the value{' '}
                                <code data-testid="sso-txt-value">{d.verificationRecord}</code>
                              </p>
                              <ScopedButton held={s.perms} scope={OWNER} disabled={verifying !== null} onClick={() => void verify(c.id, d.domain)} aria-label={`Verify ${d.domain}`}>
                                {verifying === `${c.id} ${d.domain}` ? 'Looking up…' : 'Verify'}
                              </ScopedButton>
                            </>
                          )}
                        </li>
                      ))}
                    </ul>
                  </td>
                  <td>{c.defaultRole}</td>
                  <td>{dateTime(c.createdAt)}</td>
                  <td>
                    <ConfirmAction
                      s={s}
                      held={s.perms}
                      scope={OWNER}
                      danger
                      label="Remove"
                      ariaLabel={`Remove the connection of ${c.emailDomains.join(', ')}`}
                      title="Remove this connection?"
                      action="Remove connection"
                      onConfirm={() => gql(DeleteSsoConnectionDocument, { id: c.id })}
                      onDone={load}
                    >
                      People of {c.emailDomains.join(', ')} will no longer sign in through {c.issuer}. Their accounts stay.
                    </ConfirmAction>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {connections && connections.length === 0 && <p>No connection yet.</p>}
      <h2 id="sso-enforce-title">Require single sign-on</h2>
      <label>
        <input
          type="checkbox"
          checked={enforced}
          disabled={!isOwner || !connections?.length}
          title={isOwner ? undefined : lacks(OWNER)}
          onChange={(e) => void enforce(e.target.checked)}
          aria-describedby="sso-enforce-help"
        />{' '}
        Members of these domains sign in only through SSO
      </label>
      <p id="sso-enforce-help" className="hint">
        A password sign-in is then refused for them. API keys keep working: keep one holding <code>all</code> to turn this off if the provider is down.
      </p>
      <h2 id="sso-add-title">Add a connection</h2>
      <form className="form-row" aria-labelledby="sso-add-title" onSubmit={add}>
        <div>
          <label htmlFor="sso-issuer">Issuer URL</label>
          <input type="url" placeholder="https://login.example.com" required {...field('issuer')} />
        </div>
        <div>
          <label htmlFor="sso-clientId">Client id</label>
          <input required autoComplete="off" {...field('clientId')} />
        </div>
        <div>
          <label htmlFor="sso-clientSecret">Client secret</label>
          <input type="password" required autoComplete="new-password" {...field('clientSecret')} />
        </div>
        <div>
          <label htmlFor="sso-domains">Email domains</label>
          <input placeholder="example.com, example.org" required {...field('domains')} />
        </div>
        <div>
          <label htmlFor="sso-defaultRole">Role of new members</label>
          <select {...field('defaultRole')}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div>
          <button type="submit" disabled={!isOwner || adding} title={isOwner ? undefined : lacks(OWNER)}>
            {adding ? 'Checking…' : 'Add connection'}
          </button>
        </div>
      </form>
    </section>
  );
}
