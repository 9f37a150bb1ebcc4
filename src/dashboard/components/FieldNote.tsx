/** The input's accessible state: invalid when it has an error, described by the error and any hint. */
export const describe = (id: string, error: string | undefined, hint?: string) => ({
  'aria-invalid': !!error,
  'aria-describedby': [error ? `${id}-error` : undefined, hint].filter(Boolean).join(' ') || undefined,
});

/** A field's error from the API, next to the field (its id is what `describe` points the input at). */
export function FieldNote({ id, error }: { id: string; error: string | undefined }) {
  if (!error) return null;
  return (
    <p id={`${id}-error`} className="error field-error">
      {error}
    </p>
  );
}
