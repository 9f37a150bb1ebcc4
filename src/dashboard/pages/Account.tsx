import { useCallback, useEffect, useState } from 'react';
import { RevokeSessionDocument, SessionsDocument, type SessionsQuery } from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { dateTime } from '../format';
import { ErrorNote } from '../components/ErrorNote';
import { TwoFactor } from '../components/TwoFactor';
import { ChangePassword } from '../components/ChangePassword';

type SignedInSession = SessionsQuery['sessions'][number];

/** The signed-in person's account: password, two-factor, and the sessions they are signed in with (revoke any; Sign out is in the header). */
export function Account({ s, mfaFirst }: { s: Session; mfaFirst: boolean }) {
  const [sessions, setSessions] = useState<SignedInSession[] | null>(null);
  const { error, call } = useApi(s);

  const load = useCallback(async () => {
    if (mfaFirst) return; // nothing but the setup is allowed yet
    const data = await call(() => gql(SessionsDocument));
    if (data) setSessions(data.sessions);
  }, [call, mfaFirst]);
  useEffect(() => {
    void load();
  }, [load]);

  const revoke = async (x: SignedInSession) => {
    if (!(await call(() => gql(RevokeSessionDocument, { id: x.id })))) return;
    if (x.current) s.lost('Signed out');
    else await load();
  };

  return (
    <section aria-labelledby="account-title">
      <h1 id="account-title">Account</h1>
      <p>
        Signed in as <strong>{s.me.member.email}</strong> ({s.me.member.role}) in {s.me.organization.name}.
      </p>
      {mfaFirst && (
        <p className="notice" role="status">
          {s.me.organization.name} requires two-factor sign-in: set it up to continue.
        </p>
      )}
      <TwoFactor s={s} />
      {!mfaFirst && (
        <>
          <ChangePassword s={s} />
          <h2>Sessions</h2>
          <ErrorNote error={error} />
          {sessions && (
            <div className="table-wrap">
              <table className="sessions">
                <thead>
                  <tr>
                    <th scope="col">Signed in</th>
                    <th scope="col">Last seen</th>
                    <th scope="col">Address</th>
                    <th scope="col">Browser</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {sessions.map((x) => (
                    <tr key={x.id} data-session-id={x.id}>
                      <td>
                        {dateTime(x.createdAt)}
                        {x.current && <span className="badge"> this session</span>}
                      </td>
                      <td>{dateTime(x.lastSeenAt)}</td>
                      <td>{x.ip ?? '—'}</td>
                      <td className="ua">{x.userAgent ?? '—'}</td>
                      <td>
                        <button type="button" className="danger" onClick={() => void revoke(x)} aria-label={x.current ? 'Revoke this session' : `Revoke session from ${dateTime(x.createdAt)}`}>
                          Revoke
                        </button>
                      </td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
        </>
      )}
    </section>
  );
}
