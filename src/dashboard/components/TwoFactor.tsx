import { useEffect, useState, type FormEvent } from 'react';
import QRCode from 'qrcode';
import { ApiError, auth } from '../api';
import type { Session } from '../session';
import { ErrorNote } from './ErrorNote';

/** The /auth/mfa routes, in the REST envelope. */
const mfa = {
  setup: () => auth<{ uri: string; secret: string }>('mfa/totp/setup'),
  confirm: (otp: string) => auth<{ recovery_codes: string[] }>('mfa/totp/confirm', { otp }),
  disable: (otp: string) => auth<void>('mfa/totp/disable', { otp }),
};

/**
 * Two-factor for the signed-in member: set up (a QR code of the otpauth URI, drawn here in the browser so the
 * secret goes nowhere else, and the secret in text for typing in), confirm with a code, the 10 recovery codes
 * shown this once; or, when on, turn it off with a code.
 */
export function TwoFactor({ s }: { s: Session }) {
  const [pending, setPending] = useState<{ uri: string; secret: string } | null>(null);
  const [qr, setQr] = useState<string | null>(null);
  const [codes, setCodes] = useState<string[] | null>(null);
  const [otp, setOtp] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    if (!pending) return setQr(null);
    let live = true;
    QRCode.toDataURL(pending.uri, { margin: 1, width: 200 }).then((url) => live && setQr(url));
    return () => {
      live = false;
    };
  }, [pending]);

  const act = async (fn: () => Promise<void>) => {
    setBusy(true);
    setError(null);
    try {
      await fn();
    } catch (e) {
      if (e instanceof ApiError && e.status === 401 && e.code !== 'MFA_REQUIRED') s.lost(e.message);
      else setError(e instanceof ApiError ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  };
  const start = () => act(async () => setPending(await mfa.setup()));
  const confirm = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      const { recovery_codes } = await mfa.confirm(otp.trim());
      setPending(null);
      setOtp('');
      setCodes(recovery_codes);
    });
  };
  const disable = (e: FormEvent) => {
    e.preventDefault();
    void act(async () => {
      await mfa.disable(otp.trim());
      setOtp('');
      s.refresh();
    });
  };

  const codeField = (
    <>
      <label htmlFor="mfa-otp">Code from your app</label>
      <input id="mfa-otp" name="otp" inputMode="text" autoComplete="one-time-code" spellCheck={false} value={otp} onChange={(e) => setOtp(e.target.value)} required />
    </>
  );

  return (
    <section aria-labelledby="mfa-title" className="two-factor">
      <h2 id="mfa-title">Two-factor sign-in</h2>
      <ErrorNote error={error} />
      {codes ? (
        <div data-testid="recovery-codes">
          <p>Two-factor is on. Keep these recovery codes somewhere safe: each signs you in once without your phone, and they won't be shown again.</p>
          <ul className="codes" aria-label="Recovery codes">
            {codes.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <button
            type="button"
            onClick={() => {
              setCodes(null);
              s.refresh();
            }}
          >
            I have saved them
          </button>
        </div>
      ) : pending ? (
        <form onSubmit={confirm}>
          <p>Scan this with your authenticator app, or type the secret in, then enter the code it shows.</p>
          {qr && <img src={qr} width={200} height={200} alt="QR code of your two-factor secret" data-testid="mfa-qr" />}
          <p>
            Secret: <code data-testid="mfa-secret">{pending.secret}</code>
          </p>
          {codeField}
          <button type="submit" disabled={busy || !otp.trim()}>
            Turn on two-factor
          </button>
        </form>
      ) : s.me.member.mfaEnabled ? (
        <form onSubmit={disable}>
          <p>
            <span className="badge">On</span> You sign in with a code from your authenticator app.
          </p>
          {codeField}
          <button type="submit" className="danger" disabled={busy || !otp.trim()}>
            Turn off two-factor
          </button>
        </form>
      ) : (
        <p>
          Two-factor is off.{' '}
          <button type="button" onClick={() => void start()} disabled={busy}>
            Set up two-factor
          </button>
        </p>
      )}
    </section>
  );
}
