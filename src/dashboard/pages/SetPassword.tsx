import { useState, type FormEvent } from 'react';
import { ApiError, auth } from '../api';

/**
 * /dashboard/reset-password?token=…, the single-use link `members add` prints: choose a password (POST
 * /auth/reset-password), then sign in. The token is taken out of the address bar at once, so it is not left in the
 * history or shown to someone looking over a shoulder.
 */
export function SetPassword({ token, onDone }: { token: string; onDone: (notice: string) => void }) {
  const [password, setPassword] = useState('');
  const [repeat, setRepeat] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    if (password !== repeat) return setError('The two passwords differ');
    setBusy(true);
    setError(null);
    try {
      await auth('reset-password', { token, password });
      onDone('Your password is set: sign in with it');
    } catch (err) {
      setError(err instanceof ApiError ? (err.fields[0]?.message ?? err.message) : String(err));
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <h1>Set your password</h1>
      <form onSubmit={submit}>
        <label htmlFor="new-password">New password</label>
        <input id="new-password" type="password" autoComplete="new-password" value={password} onChange={(e) => setPassword(e.target.value)} aria-describedby="new-password-help" required />
        <p id="new-password-help" className="hint">
          At least 12 characters; common or easily guessed passwords are refused.
        </p>
        <label htmlFor="repeat-password">Repeat it</label>
        <input id="repeat-password" type="password" autoComplete="new-password" value={repeat} onChange={(e) => setRepeat(e.target.value)} required />
        {error && (
          <p className="error" role="alert">
            {error}
          </p>
        )}
        <button type="submit" disabled={busy || !password || !repeat}>
          Set password
        </button>
      </form>
    </main>
  );
}
