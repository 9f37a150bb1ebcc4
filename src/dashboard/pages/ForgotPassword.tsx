import { useState, type FormEvent } from 'react';
import { ApiError, auth } from '../api';

/**
 * "Forgot password?": an email posted to POST /auth/forgot-password. The server answers 202 whatever the address
 * (so the page cannot tell whether an account exists, and neither can anyone else); the link goes by email.
 */
export function ForgotPassword({ onBack }: { onBack: () => void }) {
  const [email, setEmail] = useState('');
  const [sent, setSent] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await auth('forgot-password', { email: email.trim() });
      setSent(true);
    } catch (err) {
      setError(err instanceof ApiError ? err.message : String(err)); // a malformed address, or too many requests
    } finally {
      setBusy(false);
    }
  };

  return (
    <main className="signin">
      <h1>Forgot password</h1>
      {sent ? (
        <p role="status">If that address has an account, an email is on its way.</p>
      ) : (
        <form onSubmit={submit}>
          <label htmlFor="forgot-email">Email</label>
          <input id="forgot-email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} required />
          {error && (
            <p className="error" role="alert">
              {error}
            </p>
          )}
          <button type="submit" disabled={busy || !email.trim()}>
            Send reset link
          </button>
        </form>
      )}
      <button type="button" className="link" onClick={onBack}>
        Back to sign in
      </button>
    </main>
  );
}
