import { IsOptional, Length, Max, MaxLength, Min } from 'class-validator';
import { Field, InputType, Int, ObjectType } from 'type-graphql';
import { RequiresScope } from '../../../../authorization/directives';
import { ProbeFields, RetryPolicyType, setProbeFields } from '../../probed-check';
import { checkColumns, checkListArgs } from '../../check-view';
import { ProbedCheckView, setScheduledFields } from '../../check-view-base';
import { connectionOf } from '../../../common/pagination';
import { NoControlCharacters } from '../../../common/names';
import type { FieldError } from '../../../../errors';
import type { ServiceRules } from '../../../../graphql/validation';
import { TcpMonitor } from './tcp-monitor.entity';
import type { TcpMonitorService } from './tcp-monitor.service';

@ObjectType('TcpMonitor', { description: 'A TCP check of host:port, run every intervalSeconds: connects, optionally sends a line and expects a substring back.' })
@RequiresScope('monitors:read')
export class TcpMonitorView extends ProbedCheckView {
  @Field({ description: 'A public host name or address (any address unless ALLOW_PRIVATE_TARGETS).' }) host!: string;
  @Field(() => Int) port!: number;
  @Field(() => String, { nullable: true, description: 'A line sent once connected (CRLF appended).' }) send!: string | null;
  @Field(() => String, { nullable: true, description: 'A substring the server must send back.' }) expect!: string | null;
  @Field(() => Int, { description: 'For the lookup, the connection and the expected answer together.' }) override timeoutMs!: number;
  @Field(() => Int, { nullable: true, description: 'A passing run slower than this (ms: the connection and the expected answer) is DEGRADED; null: never.' }) override degradedResponseTimeMs!: number | null;
  @Field(() => RetryPolicyType, { nullable: true, description: 'Retries of a failed attempt (a new connection) in the same slot; null: none.' }) override retry!: RetryPolicyType | null;

  static from(t: TcpMonitor): TcpMonitorView {
    const v = new TcpMonitorView();
    v.id = t.id;
    v.name = t.name;
    v.host = t.host;
    v.port = t.port;
    v.send = t.send;
    v.expect = t.expect;
    setScheduledFields(v, t);
    setProbeFields(v, t);
    return v;
  }
}

export const TcpMonitorConnection = connectionOf(TcpMonitorView, 'TcpMonitorConnection');
export const tcpMonitorColumns = checkColumns(TcpMonitor);
export const TcpMonitorsArgs = checkListArgs('TcpMonitorsArgs', 'TCP checks');

@InputType()
abstract class TcpMonitorFields extends ProbeFields implements ServiceRules {
  abstract name?: string | null;
  abstract host?: string | null;
  abstract port?: number | null;

  @Field(() => String, { nullable: true, description: 'A line sent once connected (CRLF appended); at most 1024 characters. An update clears it with "".' })
  @IsOptional()
  @MaxLength(1024, { message: 'must be at most 1024 characters' })
  @NoControlCharacters()
  send?: string | null;

  @Field(() => String, { nullable: true, description: 'A substring the server must send back within the timeout; at most 1024 characters. An update clears it with "".' })
  @IsOptional()
  @MaxLength(1024, { message: 'must be at most 1024 characters' })
  expect?: string | null;

  serviceErrors(services: { checks: { tcpMonitor: Pick<TcpMonitorService, 'inputErrors'> } }): FieldError[] {
    return services.checks.tcpMonitor.inputErrors(this);
  }
}

@InputType()
export class CreateTcpMonitorInput extends TcpMonitorFields {
  @Field()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name!: string;

  @Field({ description: 'A host name or an IP address.' })
  @Length(1, 255, { message: 'must be 1 to 255 characters' })
  host!: string;

  @Field(() => Int)
  @Min(1, { message: 'must be from 1 to 65535' })
  @Max(65535, { message: 'must be from 1 to 65535' })
  port!: number;
}

@InputType()
export class UpdateTcpMonitorInput extends TcpMonitorFields {
  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 100, { message: 'must be 1 to 100 characters' })
  @NoControlCharacters()
  name?: string | null;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @Length(1, 255, { message: 'must be 1 to 255 characters' })
  host?: string | null;

  @Field(() => Int, { nullable: true })
  @IsOptional()
  @Min(1, { message: 'must be from 1 to 65535' })
  @Max(65535, { message: 'must be from 1 to 65535' })
  port?: number | null;
}
