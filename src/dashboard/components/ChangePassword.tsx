import { useState, type FormEvent } from 'react';
import { ApiError, auth } from '../api';
import type { Session } from '../session';
import { describe, FieldNote } from './FieldNote';

/**
 * Account › Password: the current password and a new one (POST /auth/change-password). The API checks the new one
 * as every password (12+ characters, not guessable) and ends every other session of the member; this one stays.
 * A member made by single sign-on has no password yet and leaves "Current password" empty.
 */
export function ChangePassword({ s }: { s: Session }) {
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [done, setDone] = useState(false);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    setError(null);
    setDone(false);
    try {
      await auth('change-password', { current_password: current, new_password: next });
      setCurrent('');
      setNext('');
      setDone(true);
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return s.lost(err.display);
      if (err instanceof ApiError && err.fields.length) setErrors(Object.fromEntries(err.fields.map((f) => [f.field, f.message])));
      else setError(err instanceof ApiError ? err.display : String(err));
    } finally {
      setBusy(false);
    }
  };

  return (
    <>
      <h2 id="password-title">Password</h2>
      <form className="form-row" aria-labelledby="password-title" onSubmit={submit}>
        <div>
          <label htmlFor="current-password">Current password</label>
          <input
            id="current-password"
            type="password"
            autoComplete="current-password"
            value={current}
            onChange={(e) => setCurrent(e.target.value)}
            {...describe('current-password', errors.current_password)}
          />
          <FieldNote id="current-password" error={errors.current_password && `Current password ${errors.current_password}`} />
        </div>
        <div>
          <label htmlFor="new-password">New password</label>
          <input
            id="new-password"
            type="password"
            autoComplete="new-password"
            minLength={12}
            maxLength={256}
            value={next}
            onChange={(e) => setNext(e.target.value)}
            required
            {...describe('new-password', errors.new_password, 'new-password-hint')}
          />
          <FieldNote id="new-password" error={errors.new_password && `New password ${errors.new_password}`} />
          <p id="new-password-hint" className="hint">
            At least 12 characters, not easy to guess. Your other sessions end; this one stays.
          </p>
        </div>
        <div>
          <button type="submit" disabled={busy || !next}>
            {busy ? 'Changing…' : 'Change password'}
          </button>
        </div>
      </form>
      {error && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {done && (
        <p role="status" data-testid="password-changed">
          Password changed. Your other sessions have ended.
        </p>
      )}
    </>
  );
}
