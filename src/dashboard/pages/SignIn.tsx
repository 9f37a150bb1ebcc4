import { useState, type FormEvent } from 'react';
import { MeDocument } from '../../client/generated/graphql';
import { ApiError, gql } from '../api';
import type { Me } from '../session';

/** Paste an API key; the dashboard checks it with `me` and remembers it for this tab only. */
export function SignIn({ notice, busy, onSignedIn }: { notice: string | null; busy: boolean; onSignedIn: (key: string, me: Me) => void }) {
  const [key, setKey] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChecking(true);
    setError(null);
    try {
      const { me } = await gql(key.trim(), MeDocument);
      // A key always answers its key (only a session answers none, and this page signs in with a key).
      if (me.key) onSignedIn(key.trim(), { ...me, key: me.key });
    } catch (err) {
      setError(err instanceof ApiError ? err.display : String(err));
    } finally {
      setChecking(false);
    }
  };

  return (
    <main className="signin">
      <h1>tracer</h1>
      <form onSubmit={submit} aria-describedby="signin-help">
        <label htmlFor="api-key">API key</label>
        <input
          id="api-key"
          name="api-key"
          type="password"
          autoComplete="off"
          spellCheck={false}
          placeholder="izli_sk_live_…"
          value={key}
          onChange={(e) => setKey(e.target.value)}
          aria-invalid={!!error}
          aria-errormessage={error ? 'signin-error' : undefined}
          required
        />
        <p id="signin-help" className="hint">
          The key stays in this tab only (sessionStorage): closing the tab or signing out forgets it.
        </p>
        {(error ?? notice) && (
          <p id="signin-error" className="error" role="alert">
            {error ?? notice}
          </p>
        )}
        <button type="submit" disabled={checking || busy || !key.trim()}>
          {checking || busy ? 'Checking…' : 'Sign in'}
        </button>
      </form>
    </main>
  );
}
