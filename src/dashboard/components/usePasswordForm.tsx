import { useState, type FormEvent } from 'react';

/**
 * A new password typed twice, as the setup, invitation and set-password pages ask for it: the two fields with the
 * rule's hint and the error, and a submit that refuses two different passwords before posting and stays busy while
 * the post goes (after a success the page goes away, so it stays busy). `errorOf` words a refusal as the page wants.
 * Change password (Account) is not this shape: it types the new password once, beside the current one, and shows
 * each field's error at its field.
 */
export function usePasswordForm(post: (password: string) => Promise<void>, errorOf: (err: unknown) => string) {
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
      await post(password);
    } catch (err) {
      setError(errorOf(err));
      setBusy(false);
    }
  };

  /** The two password fields, the hint and the error, under `label`. */
  const fields = (label: string) => (
    <>
      <label htmlFor="new-password">{label}</label>
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
    </>
  );

  /** Whether the submit button may be pressed (the page adds its own fields' conditions). */
  const ready = !busy && password !== '' && repeat !== '';
  return { submit, fields, ready };
}
