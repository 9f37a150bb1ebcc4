import { useId, type ButtonHTMLAttributes } from 'react';
import { holds } from '../scopes';

type Props = ButtonHTMLAttributes<HTMLButtonElement> & {
  /** The signed-in member's role's permissions. */
  held: readonly string[];
  /** The scope the action needs. */
  scope: string;
};

/** Why an action is unavailable to the signed-in member, as ApiError.display words a 403. */
export const lacks = (scope: string) => `Your role lacks ${scope}`;

/**
 * A button for an action that needs a scope: disabled when the signed-in member's role lacks it, saying why on hover (the
 * tooltip sits on a wrapper, since a disabled button gets no pointer events) and to assistive technology (the
 * reason is the button's description). The API refuses it anyway.
 */
export function ScopedButton({ held, scope, disabled, children, ...button }: Props) {
  const allowed = holds(held, scope);
  const why = useId();
  // a page that already shows the reason in words passes its id; otherwise the hidden one below is used
  const describedBy = button['aria-describedby'] ?? (allowed ? undefined : why);
  return (
    <span title={allowed ? undefined : lacks(scope)} className="scoped">
      <button type="button" {...button} aria-describedby={describedBy} disabled={!allowed || disabled}>
        {children}
      </button>
      {!allowed && (
        <span id={why} className="sr-only">
          {lacks(scope)}
        </span>
      )}
    </span>
  );
}
