import { useEffect, useRef, useState, type FormEvent } from 'react';
import { ApiError, auth } from '../api';
import { ForgotPassword } from './ForgotPassword';

/**
 * Email and password, sent to POST /auth/sign-in; the server answers with its HttpOnly session cookie, which the
 * browser sends back with every later call. When the member signs in with two-factor the server answers
 * MFA_REQUIRED: the page then asks for the 6-digit code (or a recovery code) and sends the three together.
 * "Forgot password?" opens the form that asks for a reset link. "Continue with SSO" shows once the typed email's domain
 * has a connection (GET /auth/sso/available, asked when typing pauses) and goes to its identity provider
 * (/auth/sso/start), which sends the browser back signed in, or here with `?sso_error=`.
 */
export function SignIn({ notice, onSignedIn }: { notice: string | null; onSignedIn: () => void }) {
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [otp, setOtp] = useState('');
  const [needsOtp, setNeedsOtp] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [checking, setChecking] = useState(false);
  const [forgot, setForgot] = useState(false);
  const otpField = useRef<HTMLInputElement>(null);
  // The email whose domain signs in through SSO (the button is for that email only), asked 400 ms after typing stops.
  const [ssoFor, setSsoFor] = useState<string | null>(null);
  useEffect(() => {
    const typed = email.trim();
    if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(typed)) return;
    const timer = setTimeout(() => {
      fetch(`/auth/sso/available?email=${encodeURIComponent(typed)}`, { credentials: 'same-origin' })
        .then((r) => (r.ok ? (r.json() as Promise<{ data: { sso: boolean } }>) : null))
        .then((b) => setSsoFor(b?.data.sso ? typed : null))
        .catch(() => setSsoFor(null));
    }, 400);
    return () => clearTimeout(timer);
  }, [email]);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setChecking(true);
    setError(null);
    try {
      await auth('sign-in', { email: email.trim(), password, ...(needsOtp ? { otp: otp.trim() } : {}) });
      setPassword('');
      onSignedIn();
    } catch (err) {
      if (err instanceof ApiError && err.code === 'MFA_REQUIRED') {
        // the first time is the step itself, not an error; a wrong code says so
        if (needsOtp) setError(err.message);
        setNeedsOtp(true);
        setOtp('');
        setTimeout(() => otpField.current?.focus());
      } else if (err instanceof ApiError && err.code === 'SSO_REQUIRED') {
        setPassword('');
        setSsoFor(email.trim());
        setError('Your organization signs you in through single sign-on: choose Continue with SSO');
      } else setError(err instanceof ApiError ? err.message : String(err));
    } finally {
      setChecking(false);
    }
  };

  if (forgot) return <ForgotPassword onBack={() => setForgot(false)} />;
  const message = error ?? notice;
  return (
    <main className="signin">
      <h1>tracer</h1>
      <form onSubmit={submit}>
        <label htmlFor="email">Email</label>
        <input id="email" name="email" type="email" autoComplete="username" value={email} onChange={(e) => setEmail(e.target.value)} readOnly={needsOtp} required />
        <label htmlFor="password">Password</label>
        <input
          id="password"
          name="password"
          type="password"
          autoComplete="current-password"
          value={password}
          onChange={(e) => setPassword(e.target.value)}
          readOnly={needsOtp}
          aria-invalid={!!error && !needsOtp}
          aria-errormessage={error ? 'signin-error' : undefined}
          required
        />
        {needsOtp && (
          <>
            <label htmlFor="otp">Two-factor code</label>
            <input
              id="otp"
              name="otp"
              ref={otpField}
              inputMode="text"
              autoComplete="one-time-code"
              spellCheck={false}
              value={otp}
              onChange={(e) => setOtp(e.target.value)}
              aria-describedby="otp-help"
              aria-invalid={!!error}
              aria-errormessage={error ? 'signin-error' : undefined}
              required
            />
            <p id="otp-help" className="hint">
              The 6-digit code of your authenticator app, or one of your recovery codes.
            </p>
          </>
        )}
        {message && (
          <p id="signin-error" className="error" role="alert">
            {message}
          </p>
        )}
        <button type="submit" disabled={checking || !email.trim() || !password || (needsOtp && !otp.trim())}>
          {checking ? 'Checking…' : needsOtp ? 'Verify' : 'Sign in'}
        </button>
        {needsOtp && (
          <button
            type="button"
            className="link"
            onClick={() => {
              setNeedsOtp(false);
              setPassword('');
              setError(null);
            }}
          >
            Use another account
          </button>
        )}
        {!needsOtp && ssoFor === email.trim() && email.trim() !== '' && (
          <button type="button" onClick={() => window.location.assign(`/auth/sso/start?email=${encodeURIComponent(email.trim())}`)}>
            Continue with SSO
          </button>
        )}
        {!needsOtp && (
          <button type="button" className="link" onClick={() => setForgot(true)}>
            Forgot password?
          </button>
        )}
      </form>
    </main>
  );
}
