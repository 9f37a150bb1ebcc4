import { ApiError } from './api';

/** Errors by field path (`name`, `assertions[1].target`); `form` holds what belongs to no field. */
export type FieldErrors = Record<string, string>;

/**
 * An API error as field errors: BAD_USER_INPUT's `fields[]` by path (without the `input.` of the argument), a
 * plan limit's single `field`, anything else under `form`.
 */
export function fieldErrors(err: unknown): FieldErrors {
  if (!(err instanceof ApiError)) return { form: String(err) };
  const out: FieldErrors = {};
  const add = (field: string, message: string) => {
    const key = field.replace(/^input\./, '');
    out[key] = out[key] ? `${out[key]}; ${message}` : message;
  };
  for (const f of err.fields) add(f.field, f.message);
  if (err.field) add(err.field, err.display);
  if (!err.fields.length && !err.field) out.form = err.display;
  return out;
}
