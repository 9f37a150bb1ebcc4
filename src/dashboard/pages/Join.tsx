import { useState } from 'react';
import { ApiError, auth } from '../api';
import { usePasswordForm } from '../components/usePasswordForm';

/** What each link asks and where it posts: the first owner's (with an email) or an invited person's. */
const LINKS = {
  setup: { path: 'setup', title: 'Set up tracer', lead: 'You become the first owner of the organization.', button: 'Create owner' },
  invite: { path: 'accept-invite', title: 'Join the organization', lead: 'You were invited: choose your name and password.', button: 'Accept invitation' },
} as const;

/**
 * /dashboard/setup?token=… (the link the server prints on its first start) and /dashboard/accept-invite?token=…
 * (the invitation link): a name, for setup an email, and a password typed twice, posted to POST /auth/setup or
 * /auth/accept-invite. The server answers with its session cookie, so the person lands in the dashboard signed in.
 * As on the set-password page, the token left the address bar before this page showed.
 */
export function Join({ kind, token, onDone }: { kind: keyof typeof LINKS; token: string; onDone: () => void }) {
  const link = LINKS[kind];
  const [name, setName] = useState('');
  const [email, setEmail] = useState('');
  const { submit, fields, ready } = usePasswordForm(
    async (password) => {
      await auth(link.path, { token, name: name.trim(), password, ...(kind === 'setup' ? { email: email.trim() } : {}) });
      onDone();
    },
    // the envelope's message names every refused field ("password: …; email: …")
    (err) => (err instanceof ApiError ? err.message : String(err)),
  );

  return (
    <main className="signin">
      <h1>{link.title}</h1>
      <p className="hint">{link.lead}</p>
      <form onSubmit={submit}>
        <label htmlFor="join-name">Your name</label>
        <input id="join-name" autoComplete="name" value={name} onChange={(e) => setName(e.target.value)} required />
        {kind === 'setup' && (
          <>
            <label htmlFor="join-email">Email</label>
            <input id="join-email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
          </>
        )}
        {fields('Password')}
        <button type="submit" disabled={!ready || !name.trim() || (kind === 'setup' && !email.trim())}>
          {link.button}
        </button>
      </form>
    </main>
  );
}
