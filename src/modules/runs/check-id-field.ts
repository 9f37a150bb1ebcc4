import type { CheckKind } from '../checks/check-kind';

/** The field naming a run's check, on its run type and as the filter of a run list (`monitorId`, `journeyId`). */
export const checkIdField = (kind: Pick<CheckKind, 'name'>) => `${kind.name}Id`;
