import { useState, type FormEvent } from 'react';
import { ApiError } from '../api';
import type { Session } from '../session';
import { fieldErrors, placeErrors, type FieldErrors } from '../fieldErrors';
import { useLocations, type Schedule } from './ScheduleEditor';

/** What a check's form (monitor, journey) knows of its own fields; the rest of the form's life is `useCheckForm`. */
export interface CheckFormRules<D, I, T> {
  /** The form as typed → the mutation's input, or the errors found before sending anything. */
  toInput: (d: D) => { input: I; errors: FieldErrors };
  /** The fields the form shows, for placing the API's errors next to them. */
  shownFields: (d: D) => string[];
  create: (input: I) => Promise<T>;
  /** An edit sends only what changed: an edit that leaves the URL alone does not judge it again, and the audit log names real changes. */
  update: (changes: Partial<I>) => Promise<T>;
}

/**
 * The state and submission of a check's form: the draft (`original` when editing, else `blank`, which gets the
 * first location as its default), the errors (the form's own before sending, else the API's placed next to their
 * fields), busy while saving, a lost session on 401.
 */
export function useCheckForm<D extends { schedule: Schedule }, I extends object, T>(
  s: Session,
  { blank, original }: { blank: () => D; original?: D },
  rules: CheckFormRules<D, I, T>,
  onSaved: (saved: T) => void,
) {
  const [d, setD] = useState<D>(() => original ?? blank());
  const [errors, setErrors] = useState<FieldErrors>({});
  const [busy, setBusy] = useState(false);
  const locations = useLocations(
    s,
    (name) => !original && setD((x) => (x.schedule.locations.length ? x : { ...x, schedule: { ...x.schedule, locations: [name] } })),
    (form) => setErrors({ form }),
  );

  const submit = async (ev: FormEvent) => {
    ev.preventDefault();
    const { input, errors: mine } = rules.toInput(d);
    if (Object.keys(mine).length) return setErrors(mine);
    setBusy(true);
    setErrors({});
    try {
      onSaved(original ? await rules.update(changedFields(rules.toInput(original).input, input)) : await rules.create(input));
    } catch (err) {
      if (err instanceof ApiError && err.status === 401) return s.lost(err.display);
      setErrors(placeErrors(fieldErrors(err), rules.shownFields(d)));
      setBusy(false);
    }
  };

  return { d, setD, errors, busy, locations, submit };
}

function changedFields<I extends object>(before: I, after: I): Partial<I> {
  return Object.fromEntries(Object.entries(after).filter(([k, v]) => JSON.stringify(v) !== JSON.stringify(before[k as keyof I]))) as Partial<I>;
}
