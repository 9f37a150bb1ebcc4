import { holds } from '../scopes';
import { lacks } from './ScopedButton';

/** In words, on the page, which of its actions the signed-in member cannot use and why (each button says so too). */
export function MissingScopes({ held, needs }: { held: readonly string[]; needs: { scope: string; what: string }[] }) {
  const missing = needs.filter((n) => !holds(held, n.scope));
  if (!missing.length) return null;
  return (
    <ul className="hint missing-scopes" aria-label="Unavailable actions">
      {missing.map((n) => (
        <li key={n.scope}>
          {lacks(n.scope)}: {n.what} disabled.
        </li>
      ))}
    </ul>
  );
}
