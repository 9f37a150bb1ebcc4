import type { CheckKind } from '../checks/check-kind';
import { kindOfCheckId } from '../checks/kinds/registry';
import type { Alert } from './alert.entity';

/** The check an alert is about (its kind from the id's prefix) and its id; none for an organization's alert. */
export function alertCheck(a: Alert): { kind: CheckKind; id: string } | undefined {
  return a.check ? { kind: kindOfCheckId(a.check.id), id: a.check.id } : undefined;
}
