import type { ButtonHTMLAttributes } from 'react';
import { holds } from '../scopes';

type Props = ButtonHTMLAttributes<HTMLButtonElement> & {
  /** The signed-in key's permissions. */
  held: readonly string[];
  /** The scope the action needs. */
  scope: string;
};

/**
 * A button for an action that needs a scope: disabled when the signed-in key lacks it, saying why on hover (the
 * tooltip sits on a wrapper, since a disabled button gets no pointer events). The API refuses it anyway.
 */
export function ScopedButton({ held, scope, disabled, children, ...button }: Props) {
  const allowed = holds(held, scope);
  return (
    <span title={allowed ? undefined : `This key lacks ${scope}`}>
      <button type="button" {...button} disabled={!allowed || disabled}>
        {children}
      </button>
    </span>
  );
}
