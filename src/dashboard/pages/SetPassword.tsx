import { ApiError, auth } from '../api';
import { usePasswordForm } from '../components/usePasswordForm';

/**
 * /dashboard/reset-password?token=…, the single-use link `members add` prints: choose a password (POST
 * /auth/reset-password), then sign in. The token is taken out of the address bar at once, so it is not left in the
 * history or shown to someone looking over a shoulder.
 */
export function SetPassword({ token, onDone }: { token: string; onDone: (notice: string) => void }) {
  const { submit, fields, ready } = usePasswordForm(
    async (password) => {
      await auth('reset-password', { token, password });
      onDone('Your password is set: sign in with it');
    },
    (err) => (err instanceof ApiError ? (err.fields[0]?.message ?? err.message) : String(err)),
  );

  return (
    <main className="signin">
      <h1>Set your password</h1>
      <form onSubmit={submit}>
        {fields('New password')}
        <button type="submit" disabled={!ready}>
          Set password
        </button>
      </form>
    </main>
  );
}
