import type { CheckKind } from '../checks/check-kind';
import { CHECK_KINDS } from '../checks/kinds/registry';
import type { Alert } from './alert.entity';

/** The check an alert is about (the one kind's reference that is set) and its id; none for an organization's alert. */
export function alertCheck(a: Alert): { kind: CheckKind; id: string } | undefined {
  for (const kind of CHECK_KINDS) {
    const ref = (a as unknown as Record<string, { id: string } | null>)[kind.property];
    if (ref) return { kind, id: ref.id };
  }
  return undefined;
}

/** The alert's properties that reference a check: every kind's (`monitor`, `journey`). */
export const ALERT_CHECK_PROPERTIES: readonly string[] = CHECK_KINDS.map((k) => k.property);
