import { Organization } from '../modules/organization/organization.entity';
import { ApiKey } from '../modules/api-keys/api-key.entity';
import { Monitor } from '../modules/monitors/monitor.entity';
import { Journey } from '../modules/journeys/journey.entity';
import { Run } from '../modules/runs/run.entity';
import { Alert } from '../modules/alerts/alert.entity';
import { Member } from '../modules/members/member.entity';

/** Every entity, listed explicitly: no folder scanning, so the compiled app, the tests and the scripts agree. */
export const ENTITIES = [Organization, ApiKey, Monitor, Journey, Run, Alert, Member];
