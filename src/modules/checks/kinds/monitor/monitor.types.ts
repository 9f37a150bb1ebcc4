import { ArrayMaxSize, IsOptional, Length, Max, MaxLength, Min, ValidateNested } from 'class-validator';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { RequiresScope } from '../../../../authorization/directives';
import { AssertionType, HeaderType, HttpMethod } from '../../check.types';
import { maskHeaders } from '../../secrets';
import { ProbeFields, setProbeFields } from '../../probed-check';
import { checkColumns, checkListArgs } from '../../check-view';
import { ProbedCheckView, setScheduledFields } from '../../check-view-base';
import { connectionOf } from '../../../common/pagination';
import { Monitor } from './monitor.entity';
import type { FieldError } from '../../../../errors';
import type { ServiceRules } from '../../../../graphql/validation';
import type { MonitorService } from './monitor.service';
import { NoControlCharacters } from '../../../common/names';

@ObjectType('Monitor', { description: 'An HTTP check of one URL, run every intervalSeconds.' })
@RequiresScope('monitors:read')
export class MonitorView extends ProbedCheckView {
  @Field() url!: string;
  @Field(() => HttpMethod) method!: HttpMethod;
  @Field(() => [HeaderType], { description: 'Credential headers (Authorization, cookies, tokens) read back as `[masked]`.' })
  headers!: HeaderType[];
  @Field(() => String, { nullable: true }) body!: string | null;
  @Field(() => [String], { description: 'Codes or ranges, e.g. `200-299`, `301`.' }) expectedStatusCodes!: string[];
  @Field(() => [AssertionType]) assertions!: AssertionType[];
  @Field(() => Int, { nullable: true, description: 'An HTTPS run seeing fewer days left on the certificate opens a TLS_CERTIFICATE_EXPIRING alert; null: never.' })
  tlsExpiryWarningDays!: number | null;
  @Field({ description: 'The certificate is not verified (a self-signed endpoint runs); runs still record it.' }) skipTlsVerification!: boolean;

  /**
   * The view of a monitor, or of a list page's row, which carries only the properties its selection reads
   * (`monitorColumns`): headers are masked when they were read.
   *
   * Set property by property: `Object.assign(new MonitorView(), { …20 properties })` measured ~590 ns a row
   * against ~60 ns for this, and a list page makes 50 (the journey, run and alert views do the same).
   */
  static from(m: Monitor): MonitorView {
    const v = new MonitorView();
    v.id = m.id;
    v.name = m.name;
    v.url = m.url;
    v.method = m.method as HttpMethod;
    v.headers = m.headers && maskHeaders(m.headers);
    v.body = m.body;
    v.expectedStatusCodes = m.expectedStatusCodes;
    v.assertions = m.assertions;
    v.tlsExpiryWarningDays = m.tlsExpiryWarningDays;
    v.skipTlsVerification = m.skipTlsVerification;
    setProbeFields(v, m);
    setScheduledFields(v, m);
    return v;
  }
}

export const MonitorConnection = connectionOf(MonitorView, 'MonitorConnection');

export const monitorColumns = checkColumns(Monitor);

export const MonitorsArgs = checkListArgs('MonitorsArgs', 'monitors');

/** Fields shared by create and update; every one optional here, create requires name and url below. */
@InputType()
abstract class MonitorFields extends ProbeFields implements ServiceRules {
  abstract name?: string | null;
  abstract url?: string | null;

  @Field(() => HttpMethod, { nullable: true })
  method?: HttpMethod | null;

  @Field(() => [HeaderType], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(50, { message: 'at most 50 headers' })
  @ValidateNested({ each: true })
  headers?: HeaderType[] | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(65536, { message: 'must be at most 64 KiB' })
  body?: string | null;

  @Field(() => [String], { nullable: true, description: 'Default `["200-299"]`.' })
  @IsOptional()
  @ArrayMaxSize(20)
  expectedStatusCodes?: string[] | null;

  @Field(() => [AssertionType], { nullable: true })
  @IsOptional()
  @ArrayMaxSize(20, { message: 'at most 20 assertions' })
  @ValidateNested({ each: true })
  assertions?: AssertionType[] | null;

  @Field(() => Int, { nullable: true, description: 'Days, 1 to 365: an HTTPS run seeing fewer left on the certificate opens a TLS_CERTIFICATE_EXPIRING alert. Default 14; null turns it off.' })
  @IsOptional()
  @Min(1, { message: 'must be at least 1 day' })
  @Max(365, { message: 'must be at most 365 days' })
  tlsExpiryWarningDays?: number | null;

  @Field(() => Boolean, { nullable: true, description: 'Do not verify the certificate (a self-signed endpoint); it is still recorded. Default false.' })
  skipTlsVerification?: boolean | null;

  serviceErrors(services: { checks: { monitor: Pick<MonitorService, 'inputErrors'> } }): FieldError[] {
    return services.checks.monitor.inputErrors(this);
  }
}

@InputType()
export class CreateMonitorInput extends MonitorFields {
  @Field()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name!: string;

  @Field()
  @Length(1, 2048, { message: 'must be 1 to 2048 characters' })
  url!: string;
}

@InputType()
export class UpdateMonitorInput extends MonitorFields {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 2048, { message: 'must be 1 to 2048 characters' })
  url?: string | null;
}
