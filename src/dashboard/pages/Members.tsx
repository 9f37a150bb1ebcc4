import { useCallback, useEffect, useState, type FormEvent } from 'react';
import {
  DashboardMembersDocument,
  InvitationsDocument,
  InviteMemberDocument,
  RemoveMemberDocument,
  RevokeInvitationDocument,
  UpdateMemberRoleDocument,
  type DashboardMembersQuery,
  type InvitationsQuery,
  type MemberRole,
} from '../../client/generated/graphql';
import { gql } from '../api';
import { useApi } from '../useApi';
import type { Session } from '../session';
import { holds } from '../scopes';
import { dateTime } from '../format';
import { ConfirmAction } from '../components/ConfirmAction';
import { ErrorNote } from '../components/ErrorNote';
import { MissingScopes } from '../components/MissingScopes';
import { lacks, ScopedButton } from '../components/ScopedButton';

type Member = DashboardMembersQuery['organization']['members'][number];
type Invitation = InvitationsQuery['invitations'][number];

const ROLES: MemberRole[] = ['OWNER', 'ADMIN', 'MEMBER', 'VIEWER'];
const WRITE = 'organization:write';

/**
 * Settings › Members: who belongs to the organization, with role and two-factor; change a role or remove a member;
 * invite someone by email (the link is shown once when no mail server took it) and revoke a pending invitation.
 * The controls are disabled when the signed-in role lacks organization:write; the API applies the finer rules
 * (only an OWNER makes or changes an OWNER, the last OWNER stays) and its refusal is shown.
 */
export function Members({ s }: { s: Session }) {
  const [members, setMembers] = useState<Member[] | null>(null);
  const [invitations, setInvitations] = useState<Invitation[] | null>(null);
  const [inviteEmail, setInviteEmail] = useState('');
  const [inviteRole, setInviteRole] = useState<MemberRole>('MEMBER');
  const [inviting, setInviting] = useState(false);
  /** The invitation link of the last invitation, when it was not emailed: shown once, as the server keeps only its hash. */
  const [invited, setInvited] = useState<{ email: string; url: string | null } | null>(null);
  const { error, call } = useApi(s);
  const canWrite = holds(s.perms, WRITE);

  const load = useCallback(async () => {
    const data = await call(() => gql(DashboardMembersDocument));
    if (data) setMembers(data.organization.members);
    const pending = await call(() => gql(InvitationsDocument));
    if (pending) setInvitations(pending.invitations);
  }, [call]);
  useEffect(() => void load(), [load]);

  const changeRole = async (m: Member, role: MemberRole) => {
    if (await call(() => gql(UpdateMemberRoleDocument, { id: m.id, role }))) {
      if (m.id === s.me.member.id) s.refresh(); // your own role: what you may do changed
      await load();
    }
  };

  const invite = async (e: FormEvent) => {
    e.preventDefault();
    setInviting(true);
    const email = inviteEmail.trim();
    const done = await call(() => gql(InviteMemberDocument, { input: { email, role: inviteRole } }));
    setInviting(false);
    if (!done) return;
    setInvited({ email, url: done.inviteMember.inviteUrl ?? null });
    setInviteEmail('');
    await load();
  };
  const revoke = async (i: Invitation) => {
    if (await call(() => gql(RevokeInvitationDocument, { id: i.id }))) await load();
  };

  return (
    <section aria-labelledby="members-title">
      <div className="section-head">
        <h1 id="members-title">Members</h1>
      </div>
      <MissingScopes held={s.perms} needs={[{ scope: WRITE, what: 'inviting, changing roles and removing members' }]} />
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
                    <ConfirmAction
                      s={s}
                      held={s.perms}
                      scope={WRITE}
                      danger
                      label="Remove"
                      ariaLabel={`Remove ${m.email}`}
                      title={`Remove ${m.email}?`}
                      action="Remove member"
                      onConfirm={() => gql(RemoveMemberDocument, { id: m.id })}
                      onDone={() => (m.id === s.me.member.id ? s.lost('You left the organization') : load())}
                    >
                      <p>They are signed out at once and can no longer sign in. The keys they created keep working.</p>
                    </ConfirmAction>
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      <h2 id="invite-title">Invite someone</h2>
      <form className="form-row" aria-labelledby="invite-title" onSubmit={invite}>
        <div>
          <label htmlFor="invite-email">Email</label>
          <input id="invite-email" type="email" value={inviteEmail} onChange={(e) => setInviteEmail(e.target.value)} disabled={!canWrite} title={canWrite ? undefined : lacks(WRITE)} required />
        </div>
        <div>
          <label htmlFor="invite-role">Role</label>
          <select id="invite-role" value={inviteRole} onChange={(e) => setInviteRole(e.target.value as MemberRole)} disabled={!canWrite} title={canWrite ? undefined : lacks(WRITE)}>
            {ROLES.map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </div>
        <div>
          <ScopedButton held={s.perms} scope={WRITE} type="submit" disabled={inviting || !inviteEmail.trim()}>
            Invite
          </ScopedButton>
        </div>
      </form>
      {invited && (
        <div role="status" data-testid="invited">
          {invited.url ? (
            <>
              <p>
                No email could be sent to {invited.email}: give them this link yourself. It works once, and is shown only now.
              </p>
              <p className="url">
                <code data-testid="invite-url">{invited.url}</code>
              </p>
            </>
          ) : (
            <p>An invitation email is on its way to {invited.email}.</p>
          )}
        </div>
      )}
      {invitations && (
        <>
          <h2 id="invitations-title">Pending invitations</h2>
          {invitations.length === 0 ? (
            <p className="hint">No pending invitations.</p>
          ) : (
            <div className="table-wrap">
              <table aria-labelledby="invitations-title">
                <thead>
                  <tr>
                    <th scope="col">Email</th>
                    <th scope="col">Role</th>
                    <th scope="col">Invited by</th>
                    <th scope="col">Expires</th>
                    <th scope="col">
                      <span className="sr-only">Actions</span>
                    </th>
                  </tr>
                </thead>
                <tbody>
                  {invitations.map((i) => (
                    <tr key={i.id} data-invitation-id={i.id}>
                      <td>{i.email}</td>
                      <td>{i.role}</td>
                      <td>{i.invitedBy}</td>
                      <td>{dateTime(i.expiresAt)}</td>
                      <td>
                        <ScopedButton held={s.perms} scope={WRITE} className="danger" onClick={() => void revoke(i)} aria-label={`Revoke the invitation of ${i.email}`}>
                          Revoke
                        </ScopedButton>
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
