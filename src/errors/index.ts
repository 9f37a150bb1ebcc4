/**
 * tracer's one error vocabulary (docs/reference/errors.md). Services throw AppError; anything else thrown becomes one
 * (envelope.ts); the two surfaces only spell it: GraphQL carries the code in `extensions.code` and the status in
 * the HTTP response (graphql.ts), REST wraps the same code and message in the seed's envelope (rest.ts). Every
 * error body also carries the id of its request, the one the server's log lines for that request carry.
 */
export const ERROR_STATUS = {
  BAD_USER_INPUT: 400,
  QUERY_TOO_DEEP: 400,
  TOO_MANY_ALIASES: 400,
  TOO_MANY_ROOT_FIELDS: 400,
  QUERY_TOO_COMPLEX: 400,
  RESPONSE_TOO_LARGE: 400,
  UNAUTHORIZED: 401,
  MFA_REQUIRED: 401,
  PLAN_LIMIT_EXCEEDED: 402,
  FORBIDDEN: 403,
  MFA_SETUP_REQUIRED: 403,
  SSO_REQUIRED: 403,
  NOT_FOUND: 404,
  CONFLICT: 409,
  RATE_LIMITED: 429,
  INTERNAL_SERVER_ERROR: 500,
  SERVICE_UNAVAILABLE: 503,
} as const;

export type ErrorCode = keyof typeof ERROR_STATUS;

/** The header a request's id arrives in (from a proxy or a client) and is answered in; error bodies name it too. */
export const REQUEST_ID_HEADER = 'x-request-id';

export const MESSAGES = {
  UNAUTHORIZED: 'Invalid or missing API key',
  FORBIDDEN: 'Insufficient permissions for this action',
  INTERNAL_SERVER_ERROR: 'Internal server error',
  SERVICE_UNAVAILABLE: 'Service temporarily unavailable',
} as const;

export interface FieldError {
  field: string;
  message: string;
}

/** What a client is told about an error, whatever the surface; the renderers (graphql.ts, rest.ts) only spell it. */
export interface ErrorEnvelope {
  readonly code: string;
  readonly message: string;
  /** Client-safe detail: more `extensions` in GraphQL, more fields of `error` in REST. */
  readonly details: Record<string, unknown>;
  /** ERROR_STATUS of the code; only a refusal by the HTTP framework itself (415, 413) brings its own. */
  readonly status: number;
  readonly headers: Record<string, string>;
}

export class AppError extends Error implements ErrorEnvelope {
  constructor(
    readonly code: ErrorCode,
    message: string,
    /** Extra, client-safe detail merged into `extensions` (GraphQL) and `error` (REST). */
    readonly details: Record<string, unknown> = {},
    readonly headers: Record<string, string> = {},
  ) {
    super(message);
    this.name = 'AppError';
  }

  get status(): number {
    return ERROR_STATUS[this.code];
  }

  /** graphql-js copies `originalError.extensions` onto the located error; Apollo reads `http` for the response. */
  get extensions(): Record<string, unknown> {
    return {
      code: this.code,
      ...this.details,
      http: { status: this.status, headers: new Map(Object.entries(this.headers)) },
    };
  }
}

export const unauthorized = () =>
  new AppError('UNAUTHORIZED', MESSAGES.UNAUTHORIZED, {}, { 'www-authenticate': 'Bearer' });

export const forbidden = (details: Record<string, unknown> = {}, message: string = MESSAGES.FORBIDDEN) =>
  new AppError('FORBIDDEN', message, details);

/** The database (or another dependency) cannot answer: 503, whatever the request was. */
export const serviceUnavailable = () => new AppError('SERVICE_UNAVAILABLE', MESSAGES.SERVICE_UNAVAILABLE, {}, { 'retry-after': '5' });

export const notFound = (what: string) => new AppError('NOT_FOUND', `${what} not found`);

export const conflict = (message: string) => new AppError('CONFLICT', message);

export const badInput = (fields: FieldError[]) =>
  new AppError('BAD_USER_INPUT', fields.map((f) => `${f.field}: ${f.message}`).join('; '), { fields });

export const rateLimited = (
  retryAfterSeconds: number,
  message = 'Too many failed authentication attempts; retry later',
  headers: Record<string, string> = {},
) =>
  new AppError('RATE_LIMITED', message, { retryAfter: retryAfterSeconds }, { ...headers, 'retry-after': String(retryAfterSeconds) });

