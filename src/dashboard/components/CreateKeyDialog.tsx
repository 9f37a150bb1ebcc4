import { useRef, useState, type FormEvent } from 'react';
import { CreateApiKeyDocument, type ExpiresIn } from '../../client/generated/graphql';
import { ApiError, gql } from '../api';
import type { Session } from '../session';
import { GROUPS, PRESETS, holds } from '../scopes';
import { Dialog } from './Dialog';
import { ErrorNote } from './ErrorNote';

const EXPIRIES: { value: ExpiresIn; label: string; days: number | null }[] = [
  { value: 'THIRTY_DAYS', label: '30 days', days: 30 },
  { value: 'NINETY_DAYS', label: '90 days', days: 90 },
  { value: 'ONE_YEAR', label: '1 year', days: 365 },
  { value: 'NEVER', label: 'Never', days: null },
];

/**
 * Create API Key: name, permissions grouped by resource (with the reference's presets), expiration. Scopes the
 * signed-in member.s role does not hold are disabled, saying why; the API enforces the same rule and its field errors are
 * shown next to their field. After creation the key is shown once; closing the panel forgets it.
 */
export function CreateKeyDialog({ s, onClose, onCreated }: { s: Session; onClose: () => void; onCreated: () => void }) {
  const held = s.perms;
  const [name, setName] = useState('');
  const [perms, setPerms] = useState<string[]>([]);
  const [expiresIn, setExpiresIn] = useState<ExpiresIn>('NINETY_DAYS');
  const [errors, setErrors] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);
  const [created, setCreated] = useState<string | null>(null);
  const [copied, setCopied] = useState(false);
  const keyField = useRef<HTMLInputElement>(null);

  const toggle = (scope: string, on: boolean) => setPerms((p) => (on ? [...p.filter((x) => x !== scope && x !== 'all'), scope] : p.filter((x) => x !== scope)));

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setErrors({});
    try {
      const res = await gql(CreateApiKeyDocument, { input: { name, permissions: perms, expiresIn } });
      setCreated(res.createApiKey.key);
      onCreated();
    } catch (err) {
      if (err instanceof ApiError) {
        if (err.status === 401) return s.lost(err.display);
        const byField: Record<string, string> = {};
        for (const f of err.fields) byField[f.field.replace(/^input\./, '')] = f.message;
        if (err.field) byField[err.field] = err.display;
        if (!err.fields.length && !err.field) byField.form = err.display;
        setErrors(byField);
      } else setErrors({ form: String(err) });
    } finally {
      setBusy(false);
    }
  };

  const copy = async () => {
    const field = keyField.current!;
    field.select();
    try {
      await navigator.clipboard.writeText(created!);
    } catch {
      document.execCommand('copy'); // older browsers, or no clipboard permission: the key is selected either way
    }
    setCopied(true);
  };

  if (created)
    return (
      <Dialog title="Copy your key" onClose={onClose}>
        <p className="warning" role="alert">
          Copy the key immediately - it won't be shown again.
        </p>
        <label htmlFor="new-key">Your new API key</label>
        <div className="copy-row">
          <input id="new-key" ref={keyField} readOnly value={created} onFocus={(e) => e.target.select()} data-testid="new-key" />
          <button type="button" onClick={copy}>
            {copied ? 'Copied' : 'Copy'}
          </button>
        </div>
        <div className="actions">
          <button type="button" onClick={onClose}>
            Done
          </button>
        </div>
      </Dialog>
    );

  return (
    <Dialog title="Create API Key" onClose={onClose}>
      <form onSubmit={submit} noValidate>
        <label htmlFor="key-name">Name</label>
        <input
          id="key-name"
          value={name}
          maxLength={100}
          onChange={(e) => setName(e.target.value)}
          placeholder="CI/CD Pipeline Key"
          aria-invalid={!!errors.name}
          aria-describedby={errors.name ? 'key-name-error' : undefined}
          autoFocus
        />
        {errors.name && (
          <p id="key-name-error" className="error">
            {errors.name}
          </p>
        )}

        <fieldset aria-describedby={errors.permissions ? 'perms-error' : undefined}>
          <legend>Permissions</legend>
          <div className="presets" role="group" aria-label="Presets">
            {PRESETS.map((p) => {
              const ok = p.permissions.every((x) => (x === 'all' ? held.includes('all') : holds(held, x)));
              return (
                <span key={p.name} title={ok ? undefined : `Your role cannot grant ${p.permissions.filter((x) => !(x === 'all' ? held.includes('all') : holds(held, x))).join(', ')}`}>
                  <button type="button" className="preset" disabled={!ok} onClick={() => setPerms([...p.permissions])}>
                    {p.name}
                  </button>
                </span>
              );
            })}
          </div>
          <label className="scope" title={held.includes('all') ? undefined : 'Only an OWNER (all) can grant all'}>
            <input type="checkbox" disabled={!held.includes('all')} checked={perms.includes('all')} onChange={(e) => setPerms(e.target.checked ? ['all'] : [])} /> Full access
            (<code>all</code>)
          </label>
          <div className="groups">
            {GROUPS.map((g) => (
              <div key={g.resource} className="group" role="group" aria-label={g.resource}>
                <strong>{g.resource}</strong>
                {g.scopes.map((scope) => {
                  const can = holds(held, scope);
                  return (
                    <label key={scope} className="scope" title={can ? undefined : `Your role lacks ${scope}, so you cannot grant it`}>
                      <input
                        type="checkbox"
                        name="permission"
                        value={scope}
                        disabled={!can || perms.includes('all')}
                        checked={perms.includes('all') || perms.includes(scope)}
                        onChange={(e) => toggle(scope, e.target.checked)}
                      />{' '}
                      <code>{scope}</code>
                    </label>
                  );
                })}
              </div>
            ))}
          </div>
          {errors.permissions && (
            <p id="perms-error" className="error">
              {errors.permissions}
            </p>
          )}
        </fieldset>

        <label htmlFor="key-expiry">Expiration</label>
        <select
          id="key-expiry"
          value={expiresIn}
          onChange={(e) => setExpiresIn(e.target.value as ExpiresIn)}
          aria-invalid={!!errors.expiresIn}
          aria-describedby={errors.expiresIn ? 'expiry-error' : undefined}
        >
          {EXPIRIES.map((x) => (
            <option key={x.value} value={x.value}>
              {x.label}
            </option>
          ))}
        </select>
        {errors.expiresIn && (
          <p id="expiry-error" className="error">
            {errors.expiresIn}
          </p>
        )}
        <ErrorNote error={errors.form} />
        <div className="actions">
          <button type="button" onClick={onClose}>
            Cancel
          </button>
          <button type="submit" disabled={busy}>
            Create API Key
          </button>
        </div>
      </form>
    </Dialog>
  );
}
