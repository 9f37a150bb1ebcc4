import { ArrayMaxSize, IsBoolean, IsOptional, Length, Matches, MaxLength, ValidateNested } from 'class-validator';
import { Field, Float, InputType, ObjectType, registerEnumType } from 'type-graphql';

export enum HttpMethod {
  GET = 'GET',
  HEAD = 'HEAD',
  POST = 'POST',
  PUT = 'PUT',
  PATCH = 'PATCH',
  DELETE = 'DELETE',
}
registerEnumType(HttpMethod, { name: 'HttpMethod' });

export enum AssertionSource {
  STATUS_CODE = 'STATUS_CODE',
  JSON_BODY = 'JSON_BODY',
  TEXT_BODY = 'TEXT_BODY',
  HEADER = 'HEADER',
  RESPONSE_TIME = 'RESPONSE_TIME',
}
registerEnumType(AssertionSource, { name: 'AssertionSource' });

export enum Comparison {
  EQUALS = 'EQUALS',
  NOT_EQUALS = 'NOT_EQUALS',
  CONTAINS = 'CONTAINS',
  NOT_CONTAINS = 'NOT_CONTAINS',
  LESS_THAN = 'LESS_THAN',
  GREATER_THAN = 'GREATER_THAN',
  IS_EMPTY = 'IS_EMPTY',
  NOT_EMPTY = 'NOT_EMPTY',
}
registerEnumType(Comparison, { name: 'Comparison' });

export enum ExtractionSource {
  JSON_BODY = 'JSON_BODY',
  HEADER = 'HEADER',
  STATUS_CODE = 'STATUS_CODE',
}
registerEnumType(ExtractionSource, { name: 'ExtractionSource' });

/** Plain shapes stored as JSON in the database. */
export interface Header {
  name: string;
  value: string;
  /** Sealed like a credential whatever its name (stored only when true). */
  secret?: boolean | null;
}
export interface Assertion {
  source: AssertionSource;
  property?: string | null;
  comparison: Comparison;
  target?: string | null;
}
export interface Extraction {
  name: string;
  source: ExtractionSource;
  property?: string | null;
}

@ObjectType('Header')
@InputType('HeaderInput')
export class HeaderType implements Header {
  @Field()
  @Matches(/^[!#$%&'*+\-.^_`|~0-9A-Za-z]{1,100}$/, { message: 'must be a valid HTTP header name' })
  name!: string;

  @Field()
  @MaxLength(4096, { message: 'must be at most 4096 characters' })
  @Matches(/^[^\r\n\0]*$/, { message: 'must not contain line breaks' })
  value!: string;

  @Field(() => Boolean, {
    nullable: true,
    description:
      'Sealed like a credential: encrypted at rest, read back `[masked]`, masked in run records, not sent after a redirect to another origin. ' +
      'A header whose name contains key, token, secret, auth, signature, session, cookie or password always is; `true` seals any other. ' +
      'Read back: whether the header is sealed.',
  })
  @IsOptional()
  @IsBoolean()
  secret?: boolean | null;
}

@ObjectType('Assertion')
@InputType('AssertionInput')
export class AssertionType implements Assertion {
  @Field(() => AssertionSource)
  source!: AssertionSource;

  @Field(() => String, { nullable: true, description: 'JSON_BODY: a JSONPath like `$.data.status`; HEADER: the header name.' })
  @IsOptional()
  @MaxLength(500)
  property?: string | null;

  @Field(() => Comparison)
  comparison!: Comparison;

  @Field(() => String, { nullable: true, description: 'The expected value (a number for LESS_THAN / GREATER_THAN).' })
  @IsOptional()
  @MaxLength(1000)
  target?: string | null;
}

@ObjectType('Extraction')
@InputType('ExtractionInput')
export class ExtractionType implements Extraction {
  @Field({ description: 'Later steps use the value as `{{name}}`.' })
  @Matches(/^[A-Za-z_][A-Za-z0-9_]{0,49}$/, { message: 'must be a variable name (letters, digits, _)' })
  name!: string;

  @Field(() => ExtractionSource)
  source!: ExtractionSource;

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(500)
  property?: string | null;
}

/** One request of a monitor or a journey step. */
@InputType('RequestInput')
export class RequestInput {
  @Field(() => HttpMethod, { defaultValue: HttpMethod.GET })
  method!: HttpMethod;

  @Field()
  @Length(1, 2048, { message: 'must be 1 to 2048 characters' })
  url!: string;

  @Field(() => [HeaderType], { defaultValue: [] })
  @ArrayMaxSize(50)
  @ValidateNested({ each: true })
  headers!: HeaderType[];

  @Field(() => String, { nullable: true })
  @IsOptional()
  @MaxLength(65536, { message: 'must be at most 64 KiB' })
  body?: string | null;
}

@ObjectType('Request')
export class RequestType {
  @Field(() => HttpMethod)
  method!: HttpMethod;

  @Field()
  url!: string;

  @Field(() => [HeaderType])
  headers!: HeaderType[];

  @Field(() => String, { nullable: true })
  body!: string | null;
}

@ObjectType('AssertionResult')
export class AssertionResultType extends AssertionType {
  @Field(() => String, { nullable: true, description: 'What the check saw.' })
  actual!: string | null;

  @Field()
  passed!: boolean;
}

@ObjectType('Timings', { description: 'Milliseconds of each phase, where measurable (a reused or IP connection has no DNS phase).' })
export class TimingsType {
  @Field(() => Float, { nullable: true })
  dns!: number | null;
  @Field(() => Float, { nullable: true })
  connect!: number | null;
  @Field(() => Float, { nullable: true })
  tls!: number | null;
  @Field(() => Float, { nullable: true })
  firstByte!: number | null;
  @Field(() => Float)
  total!: number;
}
