import type { JobProvider } from './model/job.ts';

/** The public error codes (`extensions.code`). Error classes are internal; these strings are the API. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | UpstreamCode
  | 'INTERNAL_SERVER_ERROR'
  | 'BAD_REQUEST'
  | 'SHUTTING_DOWN'
  | 'RATE_LIMITED';

export const PUBLIC_ERROR_CODES: ReadonlySet<string> = new Set<ErrorCode>([
  'BAD_USER_INPUT',
  'UNAUTHENTICATED',
  'FORBIDDEN',
  'NOT_FOUND',
  'PROVIDER_NOT_CONFIGURED',
  'UPSTREAM_ACCESS_DENIED',
  'UPSTREAM_THROTTLED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_BAD_RESPONSE',
  'INTERNAL_SERVER_ERROR',
  // A request the HTTP layer or the GraphQL-over-HTTP protocol refuses (a body that is not JSON, a GET mutation…).
  'BAD_REQUEST',
  // This process is shutting down (HTTP 503): the same request to another replica, or later, is answered.
  'SHUTTING_DOWN',
  // The caller is over its request rate (HTTP 429 with Retry-After; JOBGRAPH_CALLER_RATE).
  'RATE_LIMITED',
]);

/** Base of every error jobgraph raises on purpose; `extensions` is exactly what a client may see. */
export class JobgraphError extends Error {
  readonly code: ErrorCode;
  readonly extensions: Record<string, unknown>;
  constructor(code: ErrorCode, message: string, extensions: Record<string, unknown> = {}) {
    super(message);
    this.name = new.target.name;
    this.code = code;
    this.extensions = { code, ...extensions };
  }
}

export class BadUserInputError extends JobgraphError {
  constructor(message: string, extensions: Record<string, unknown> = {}) {
    super('BAD_USER_INPUT', message, extensions);
  }
}

/** The public codes of a failure upstream (an UpstreamError's). */
export type UpstreamCode =
  | 'NOT_FOUND'
  | 'PROVIDER_NOT_CONFIGURED'
  | 'UPSTREAM_ACCESS_DENIED'
  | 'UPSTREAM_THROTTLED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_BAD_RESPONSE';

/**
 * What an upstream-supplied identifier (error code, request id) must look like to be shown to
 * a client (README, "Errors"). Anything else — markup, URLs with spaces, free text, 5,000
 * characters — is left out.
 */
export const UPSTREAM_VALUE_PATTERN = /^[A-Za-z0-9._:/+=-]{1,128}$/;

/** `value` when it matches UPSTREAM_VALUE_PATTERN, else null. The UpstreamError constructor applies it. */
export function safeUpstreamValue(value: string | null | undefined): string | null {
  return typeof value === 'string' && UPSTREAM_VALUE_PATTERN.test(value) ? value : null;
}

export interface UpstreamErrorInit {
  provider: JobProvider;
  code: UpstreamCode;
  message: string;
  /**
   * The provider's own error code (no URL, no namespace) and request id, as read from the
   * wire. Each is kept only if it matches UPSTREAM_VALUE_PATTERN, else it is null.
   */
  upstreamCode?: string | null;
  upstreamRequestId?: string | null;
  httpStatus?: number | null;
  /** Whether another attempt may succeed (throttling, 5xx, timeouts, resets). */
  retryable?: boolean;
  /** Seconds the provider asked us to wait (Retry-After), when it said so. */
  retryAfterSeconds?: number | null;
  /**
   * jobgraph's own hint to the client, in ms (its rate budget, JOBGRAPH_UPSTREAM_RATE_LIMITS): shown
   * as `extensions.retryAfterMs`, and the wait `retryAfterSeconds` defaults to.
   */
  retryAfterMs?: number | null;
  /** The underlying error or raw response; kept non-enumerable so it never serialises. */
  cause?: unknown;
  /**
   * The service that failed when it is not the provider's job API (`CLOUDWATCH_LOGS`: a job's log
   * lines), shown as `extensions.service`.
   */
  service?: string;
}

/**
 * An error at or from a provider. Carries provider, upstream code and request id for the
 * client, and the fault details for retry policy. The cause (possibly a raw response with
 * signed headers) is non-enumerable, as the AWS SDK keeps `$response`.
 *
 * This constructor is the one place upstream identifiers are checked: `upstreamCode` and
 * `upstreamRequestId` that do not match UPSTREAM_VALUE_PATTERN are dropped here, whoever built
 * the error. The message is the caller's: it must be generated text, never upstream free text
 * (a code may be named in it only after `safeUpstreamValue`).
 */
export class UpstreamError extends JobgraphError {
  readonly provider: JobProvider;
  readonly upstreamCode: string | null;
  readonly upstreamRequestId: string | null;
  readonly httpStatus: number | null;
  readonly retryable: boolean;
  readonly throttling: boolean;
  readonly retryAfterSeconds: number | null;
  /** jobgraph's own retry hint in ms (`extensions.retryAfterMs`), when it gave one. */
  readonly retryAfterMs: number | null;
  readonly service: string | undefined;
  constructor(init: UpstreamErrorInit) {
    const upstreamCode = safeUpstreamValue(init.upstreamCode);
    const upstreamRequestId = safeUpstreamValue(init.upstreamRequestId);
    // An upstream answer (not found, throttled, …) is expected, and frequent under load: no
    // stack is captured for it (its `stack` is the name and message only). What failed where is
    // in provider, upstreamCode, upstreamRequestId and cause.
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    const retryAfterMs = init.retryAfterMs ?? null;
    super(init.code, init.message, {
      provider: init.provider,
      upstreamCode,
      upstreamRequestId,
      ...(retryAfterMs === null ? {} : { retryAfterMs }),
      ...(init.service === undefined ? {} : { service: init.service }),
    });
    Error.stackTraceLimit = stackTraceLimit;
    this.provider = init.provider;
    this.upstreamCode = upstreamCode;
    this.upstreamRequestId = upstreamRequestId;
    this.httpStatus = init.httpStatus ?? null;
    this.throttling = init.code === 'UPSTREAM_THROTTLED';
    this.retryable =
      init.retryable ??
      (init.code === 'UPSTREAM_THROTTLED' || init.code === 'UPSTREAM_UNAVAILABLE');
    this.retryAfterMs = retryAfterMs;
    this.service = init.service;
    this.retryAfterSeconds =
      init.retryAfterSeconds ?? (retryAfterMs === null ? null : retryAfterMs / 1000);
    Object.defineProperty(this, 'cause', { value: init.cause, enumerable: false, writable: false });
  }

  /**
   * This failure with some of its facts changed (a clock-skew error made retryable, a bare 404
   * read as an endpoint gone): the provider, upstream code, request id, status, Retry-After and
   * cause carry over, so the wire is read once and what changes is said in one place.
   */
  derive(
    changes: Partial<Pick<UpstreamErrorInit, 'code' | 'message' | 'retryable' | 'service'>>,
  ): UpstreamError {
    const code = changes.code ?? (this.code as UpstreamCode);
    // A changed code gets that code's default unless the change says otherwise.
    const retryable =
      changes.retryable ?? (changes.code === undefined ? this.retryable : undefined);
    const service = changes.service ?? this.service;
    return new UpstreamError({
      provider: this.provider,
      code,
      message: changes.message ?? this.message,
      upstreamCode: this.upstreamCode,
      upstreamRequestId: this.upstreamRequestId,
      httpStatus: this.httpStatus,
      retryAfterSeconds: this.retryAfterSeconds,
      retryAfterMs: this.retryAfterMs,
      ...(retryable === undefined ? {} : { retryable }),
      ...(service === undefined ? {} : { service }),
      cause: this.cause,
    });
  }
}

/** Thrown by the XML/JSON parse steps for a body that cannot be read; the datasource maps it to UPSTREAM_BAD_RESPONSE. */
export class MalformedBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedBodyError';
  }
}

/**
 * An upstream body longer than the configured cap (JOBGRAPH_UPSTREAM_MAX_BODY_BYTES). Thrown by
 * the HTTP layer of every client once the cap is passed (the socket is destroyed, the rest is
 * never read); the error funnel maps it to UPSTREAM_BAD_RESPONSE, not retried.
 */
export class BodyTooLargeError extends Error {
  /** The cap in bytes. */
  readonly limitBytes: number;
  constructor(limitBytes: number) {
    super(`upstream body is larger than ${limitBytes} bytes`);
    this.name = 'BodyTooLargeError';
    this.limitBytes = limitBytes;
  }
}

/**
 * jobgraph's own failure while fetching a job from a provider (a bug in a parse step, a signer,
 * a mapper): not the provider's fault. Deliberately not a JobgraphError, so formatError masks it
 * as INTERNAL_SERVER_ERROR with a correlation id and logs the cause; never retried (retry only
 * follows a retryable UpstreamError) and never counted by a circuit breaker (which counts only
 * UPSTREAM_UNAVAILABLE). The message is fixed text; the cause is kept for the log.
 */
export class InternalError extends Error {
  readonly provider: JobProvider;
  constructor(provider: JobProvider, cause: unknown) {
    super(`jobgraph's own code failed while fetching a job from ${provider}`, { cause });
    this.name = 'InternalError';
    this.provider = provider;
  }
}
