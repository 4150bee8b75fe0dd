import type { JobProvider } from './model.ts';

/** The public error codes (`extensions.code`). Error classes are internal; these strings are the API. */
export type ErrorCode =
  | 'BAD_USER_INPUT'
  | 'UNAUTHENTICATED'
  | 'FORBIDDEN'
  | 'NOT_FOUND'
  | 'PROVIDER_NOT_CONFIGURED'
  | 'UPSTREAM_ACCESS_DENIED'
  | 'UPSTREAM_THROTTLED'
  | 'UPSTREAM_UNAVAILABLE'
  | 'UPSTREAM_BAD_RESPONSE'
  | 'INTERNAL_SERVER_ERROR';

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

export type UpstreamCode = Extract<
  ErrorCode,
  'NOT_FOUND' | 'PROVIDER_NOT_CONFIGURED' | 'UPSTREAM_ACCESS_DENIED' | 'UPSTREAM_THROTTLED' | 'UPSTREAM_UNAVAILABLE' | 'UPSTREAM_BAD_RESPONSE'
>;

export interface UpstreamErrorInit {
  provider: JobProvider;
  code: UpstreamCode;
  message: string;
  /** The provider's own error code, sanitised (no URL, no namespace). */
  upstreamCode?: string | null;
  upstreamRequestId?: string | null;
  httpStatus?: number | null;
  /** Whether another attempt may succeed (throttling, 5xx, timeouts, resets). */
  retryable?: boolean;
  /** Seconds the provider asked us to wait (Retry-After), when it said so. */
  retryAfterSeconds?: number | null;
  /** The underlying error or raw response; kept non-enumerable so it never serialises. */
  cause?: unknown;
}

/**
 * An error at or from a provider. Carries provider, upstream code and request id for the
 * client, and the fault details for retry policy. The cause (possibly a raw response with
 * signed headers) is non-enumerable, as the AWS SDK keeps `$response`.
 */
export class UpstreamError extends JobgraphError {
  readonly provider: JobProvider;
  readonly upstreamCode: string | null;
  readonly upstreamRequestId: string | null;
  readonly httpStatus: number | null;
  readonly retryable: boolean;
  readonly throttling: boolean;
  readonly retryAfterSeconds: number | null;
  constructor(init: UpstreamErrorInit) {
    super(init.code, init.message, {
      provider: init.provider,
      upstreamCode: init.upstreamCode ?? null,
      upstreamRequestId: init.upstreamRequestId ?? null,
    });
    this.provider = init.provider;
    this.upstreamCode = init.upstreamCode ?? null;
    this.upstreamRequestId = init.upstreamRequestId ?? null;
    this.httpStatus = init.httpStatus ?? null;
    this.throttling = init.code === 'UPSTREAM_THROTTLED';
    this.retryable = init.retryable ?? (init.code === 'UPSTREAM_THROTTLED' || init.code === 'UPSTREAM_UNAVAILABLE');
    this.retryAfterSeconds = init.retryAfterSeconds ?? null;
    Object.defineProperty(this, 'cause', { value: init.cause, enumerable: false, writable: false });
  }
}

/** Thrown by the XML/JSON parse steps for a body that cannot be read; the datasource maps it to UPSTREAM_BAD_RESPONSE. */
export class MalformedBodyError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'MalformedBodyError';
  }
}
