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

/**
 * Each error under the field the form shows that is nearest to it: its own input, else the row or group that holds
 * it (`assertions[1]`, `headers`); what no shown field holds goes to `form`, named.
 */
export function placeErrors(errors: FieldErrors, shown: string[]): FieldErrors {
  const out: FieldErrors = {};
  const put = (k: string, m: string) => (out[k] = out[k] ? `${out[k]}; ${m}` : m);
  for (const [field, message] of Object.entries(errors)) {
    const holder = shown.filter((k) => field === k || field.startsWith(`${k}.`) || field.startsWith(`${k}[`)).sort((a, b) => b.length - a.length)[0];
    if (holder) put(holder, message);
    else put('form', field === 'form' ? message : `${field}: ${message}`);
  }
  return out;
}

/** The fields a list of rows shows: the list, each row, and each row's inputs. */
export const rowFields = (list: string, count: number, inputs: string[]) => [
  list,
  ...Array.from({ length: count }, (_, i) => [`${list}[${i}]`, ...inputs.map((f) => `${list}[${i}].${f}`)]).flat(),
];
