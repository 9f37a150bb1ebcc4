import { ArrayMaxSize, IsOptional, Length, MaxLength } from 'class-validator';
import { Field, InputType, Int, ObjectType, registerEnumType } from 'type-graphql';
import { RequiresScope } from '../../../../authorization/directives';
import { ProbeFields, RetryPolicyType, setProbeFields } from '../../probed-check';
import { checkColumns, checkListArgs } from '../../check-view';
import { ProbedCheckView, setScheduledFields } from '../../check-view-base';
import { connectionOf } from '../../../common/pagination';
import { NoControlCharacters } from '../../../common/names';
import type { FieldError } from '../../../../errors';
import type { ServiceRules } from '../../../../graphql/validation';
import { DnsMonitor } from './dns-monitor.entity';
import { MAX_EXPECTED_VALUES } from './dns-monitor.kind';
import type { DnsMonitorService } from './dns-monitor.service';

export enum DnsRecordType {
  A = 'A',
  AAAA = 'AAAA',
  CNAME = 'CNAME',
  MX = 'MX',
  NS = 'NS',
  TXT = 'TXT',
  SRV = 'SRV',
  CAA = 'CAA',
}
registerEnumType(DnsRecordType, { name: 'DnsRecordType', description: 'The record type a DNS check asks for.' });

export enum DnsMatch {
  ANY = 'ANY',
  ALL = 'ALL',
}
registerEnumType(DnsMatch, { name: 'DnsMatch', description: 'ANY: one of the expected values is answered; ALL: every one is.' });

@ObjectType('DnsMonitor', { description: 'A DNS check of one name and record type, run every intervalSeconds, asserted on the answers.' })
@RequiresScope('monitors:read')
export class DnsMonitorView extends ProbedCheckView {
  @Field() hostname!: string;
  @Field(() => DnsRecordType) recordType!: DnsRecordType;
  @Field(() => String, { nullable: true, description: '`address[:port]` of the resolver asked; null: the system\'s.' }) resolver!: string | null;
  @Field(() => [String], { description: 'Answers expected, written as runs record them; empty: any answer passes.' }) expectedValues!: string[];
  @Field(() => DnsMatch) match!: DnsMatch;
  @Field(() => Int, { description: 'For the query.' }) override timeoutMs!: number;
  @Field(() => Int, { nullable: true, description: 'A passing run slower than this (ms: the query) is DEGRADED; null: never.' }) override degradedResponseTimeMs!: number | null;
  @Field(() => RetryPolicyType, { nullable: true, description: 'Retries of a failed attempt (the query again) in the same slot; null: none.' }) override retry!: RetryPolicyType | null;

  static from(d: DnsMonitor): DnsMonitorView {
    const v = new DnsMonitorView();
    v.id = d.id;
    v.name = d.name;
    v.hostname = d.hostname;
    v.recordType = d.recordType as DnsRecordType;
    v.resolver = d.resolver;
    v.expectedValues = d.expectedValues;
    v.match = d.match as DnsMatch;
    setScheduledFields(v, d);
    setProbeFields(v, d);
    return v;
  }
}

export const DnsMonitorConnection = connectionOf(DnsMonitorView, 'DnsMonitorConnection');
export const dnsMonitorColumns = checkColumns(DnsMonitor);
export const DnsMonitorsArgs = checkListArgs('DnsMonitorsArgs', 'DNS checks');

@InputType()
abstract class DnsMonitorFields extends ProbeFields implements ServiceRules {
  abstract name?: string | null;
  abstract hostname?: string | null;
  abstract recordType?: DnsRecordType | null;

  @Field(() => String, { nullable: true, description: 'An IP address with an optional port (`192.0.2.53:5353`, `[2001:db8::53]:53`); default the system\'s resolver. An update goes back to it with "".' })
  @IsOptional()
  @MaxLength(64, { message: 'must be at most 64 characters' })
  resolver?: string | null;

  @Field(() => [String], { nullable: true, description: `Answers expected (at most ${MAX_EXPECTED_VALUES}), written as runs record them: \`192.0.2.1\`, \`10 mail.example.com\`, \`0 issue letsencrypt.org\`. Default none: any answer passes.` })
  @IsOptional()
  @ArrayMaxSize(MAX_EXPECTED_VALUES, { message: `at most ${MAX_EXPECTED_VALUES} expected values` })
  @MaxLength(1024, { each: true, message: 'each must be at most 1024 characters' })
  expectedValues?: string[] | null;

  @Field(() => DnsMatch, { nullable: true, description: 'Default ANY.' })
  match?: DnsMatch | null;

  serviceErrors(services: { checks: { dnsMonitor: Pick<DnsMonitorService, 'inputErrors'> } }): FieldError[] {
    return services.checks.dnsMonitor.inputErrors(this);
  }
}

@InputType()
export class CreateDnsMonitorInput extends DnsMonitorFields {
  @Field()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name!: string;

  @Field({ description: 'The name asked about, e.g. `example.com` or `_sip._tcp.example.com`.' })
  @Length(1, 253, { message: 'must be 1 to 253 characters' })
  hostname!: string;

  @Field(() => DnsRecordType)
  recordType!: DnsRecordType;
}

@InputType()
export class UpdateDnsMonitorInput extends DnsMonitorFields {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 253, { message: 'must be 1 to 253 characters' })
  hostname?: string | null;

  @Field(() => DnsRecordType, { nullable: true })
  recordType?: DnsRecordType | null;
}
