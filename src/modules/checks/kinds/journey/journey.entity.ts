import { Entity, Index, ManyToOne, PrimaryKey, Property, type Ref } from '@mikro-orm/core';
import { Organization } from '../../../organization/organization.entity';
import { newId } from '../../../common/ids';
import type { Assertion, Extraction, Header } from '../../check.types';
import { ProbedCheck } from '../../probed-check';

export interface JourneyStep {
  name: string;
  request: { method: string; url: string; headers: Header[]; body: string | null };
  assertions: Assertion[];
  extractions: Extraction[];
}

/** The same steps with each request's headers mapped: sealed for storage, opened to send (SecretBox). */
export const mapStepHeaders = (steps: JourneyStep[], fn: (headers: Header[]) => Header[]): JourneyStep[] =>
  steps.map((s) => ({ ...s, request: { ...s.request, headers: fn(s.request.headers) } }));

@Entity({ tableName: 'journeys' })
@Index({ properties: ['organization', 'createdAt', 'id'] })
@Index({ name: 'journeys_tags_index', expression: 'create index "journeys_tags_index" on "journeys" using gin ("tags")' })
@Index({ name: 'journeys_due_index', expression: 'create index "journeys_due_index" on "journeys" ("next_run_at") where "paused" = false' })
export class Journey extends ProbedCheck {
  @PrimaryKey({ type: 'string', length: 24 })
  id: string = newId('jrn');

  @ManyToOne(() => Organization, { ref: true, deleteRule: 'cascade' })
  organization!: Ref<Organization>;

  @Property({ type: 'string', length: 100 })
  name!: string;

  @Property({ type: 'json' })
  steps: JourneyStep[] = [];
}
