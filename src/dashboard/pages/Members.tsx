import { useCallback, useEffect, useState } from 'react';
import { DashboardMembersDocument, RemoveMemberDocument, UpdateMemberRoleDocument, type DashboardMembersQuery, type MemberRole } from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { holds } from '../scopes';
import { dateTime } from '../format';
import { ConfirmDialog } from '../components/ConfirmDialog';
import { ErrorNote } from '../components/ErrorNote';
import { MissingScopes } from '../components/MissingScopes';
import { lacks, ScopedButton } from '../components/ScopedButton';

type Member = DashboardMembersQuery['organization']['members'][number];

const ROLES: MemberRole[] = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'];
const WRITE = 'organization:write';

/**
 * Settings › Members: who belongs to the organization, with role and two-factor; change a role or remove a member.
 * The controls are disabled when the signed-in role lacks organization:write; the API applies the finer rules
 * (only an OWNER makes or changes an OWNER, the last OWNER stays) and its refusal is shown.
 */
export function Members({ s }: { s: Session }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [removing, setRemoving] = useState<Member | null>(null);
  const { error, call } = useApi(s);
  const canWrite = holds(s.perms, WRITE);

  const load = useCallback(async () => {
    const data = await call(() => gql(DashboardMembersDocument));
    if (data) setMembers(data.organization.members);
  }, [call]);
  useEffect(() => void load(), [load]);

  const changeRole = async (m: Member, role: MemberRole) => {
    if (await call(() => gql(UpdateMemberRoleDocument, { id: m.id, role }))) {
      if (m.id === s.me.member.id) s.refresh(); // your own role: what you may do changed
      await load();
    }
  };

  return (
    <section aria-labelledby="members-title">
      <div className="section-head">
        <h1 id="members-title">Members</h1>
      </div>
      <MissingScopes held={s.perms} needs={[{ scope: WRITE, what: 'changing roles and removing members' }]} />
      <ErrorNote error={error} />
      {members && (
        <div className="table-wrap">
          <table>
            <caption className="sr-only">Members, oldest first</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Name</th>
                <th scope="col">Role</th>
                <th scope="col">Two-factor</th>
                <th scope="col">Joined</th>
                <th scope="col">
                  <span className="sr-only">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {members.map((m) => (
                <tr key={m.id} data-member-id={m.id}>
                  <td>
                    {m.email} {m.id === s.me.member.id && <span className="badge">you</span>}
                  </td>
                  <td>{m.name ?? '—'}</td>
                  <td>
                    <select
                      aria-label={`Role of ${m.email}`}
                      value={m.role}
                      disabled={!canWrite}
                      title={canWrite ? undefined : lacks(WRITE)}
                      onChange={(e) => void changeRole(m, e.target.value as MemberRole)}
                    >
                      {ROLES.map((r) => (
                        <option key={r} value={r}>
                          {r}
                        </option>
                      ))}
                    </select>
                  </td>
                  <td data-mfa={m.mfaEnabled}>{m.mfaEnabled ? 'on' : 'off'}</td>
                  <td>{dateTime(m.joinedAt)}</td>
                  <td>
                    <ScopedButton held={s.perms} scope={WRITE} className="danger" onClick={() => setRemoving(m)} aria-label={`Remove ${m.email}`}>
                      Remove
                    </ScopedButton>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {removing && (
        <ConfirmDialog
          s={s}
          title={`Remove ${removing.email}?`}
          action="Remove member"
          onClose={() => setRemoving(null)}
          onConfirm={async () => {
            await gql(RemoveMemberDocument, { id: removing.id });
            const self = removing.id === s.me.member.id;
            setRemoving(null);
            if (self) s.lost('You left the organization');
            else await load();
          }}
        >
          <p>They are signed out at once and can no longer sign in. The keys they created keep working.</p>
        </ConfirmDialog>
      )}
    </section>
  );
}
