import { pino, type DestinationStream, type Logger } from 'pino';
import { scrubSecrets } from './auth/secretValues.ts';
import { boundedOperationName } from './observability/bounded.ts';

export { MAX_OPERATION_NAME_LENGTH, boundedOperationName } from './observability/bounded.ts';

/**
 * Headers that carry a credential: bearer tokens and request signatures (`authorization`,
 * where SigV4 and the COS `q-sign-algorithm` signature go), temporary-credential session
 * tokens, cookies and API keys. Listed lower-case (Node's `IncomingHttpHeaders`, the AWS SDK's
 * signed requests) and in canonical case (headers written by hand).
 */
export const SENSITIVE_HEADERS: readonly string[] = [
  'authorization',
  'x-amz-security-token',
  'x-cos-security-token',
  'cookie',
  'set-cookie',
  'x-api-key',
];

/** Credential-bearing property names that are not GraphQL fields (config, SDK credential objects). */
const SENSITIVE_NAMES = [
  'token',
  'accessToken',
  'secretAccessKey',
  'sessionToken',
  'secretKey',
  'jwtSecret',
];

const canonical = (header: string) =>
  header.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());

/**
 * Paths pino censors in a log line: the headers above under any `headers` object up to two
 * levels down (`headers`, `req.headers`, `err.$response.headers`), and every sensitive name
 * (the central list of sensitive GraphQL fields from the SDL directives, passed in, plus the
 * names above) at the top level and up to two levels down. pino's wildcards match one level
 * each, so deeper objects must not be logged whole.
 */
export function redactPaths(sensitiveFieldNames: readonly string[]): string[] {
  const headers = [...new Set(SENSITIVE_HEADERS.flatMap((h) => [h, canonical(h)]))];
  const headerPaths = headers.flatMap((h) => [
    `headers["${h}"]`,
    `*.headers["${h}"]`,
    `*.*.headers["${h}"]`,
  ]);
  const names = [...new Set([...SENSITIVE_NAMES, ...sensitiveFieldNames])];
  return [...headerPaths, ...names.flatMap((n) => [n, `*.${n}`, `*.*.${n}`])];
}

/**
 * Fields whose value is the caller's text, bounded in every line whatever logs them (pino applies
 * a serializer to the top-level field of that name, in child loggers too): an `operationName`
 * is cut to MAX_OPERATION_NAME_LENGTH characters (`boundedOperationName`, scrubbing with `scrub`
 * before it cuts), so a 200 KB name is not a 200 KB line.
 */
const boundedFields = (scrub: (text: string) => string) => ({
  operationName: (value: unknown) =>
    typeof value === 'string' ? boundedOperationName(value, scrub) : value,
});

/**
 * The JSON-lines logger: ISO time, `service: "jobgraph"`, secrets replaced by `[REDACTED]`
 * twice over: by key name (the paths above), then by value — every finished line passes
 * through `scrub` (by default the process-wide registry of sensitive values read, plus
 * JWT/signature shapes) before it is written, whatever path built the line. Caller text in
 * known fields is bounded (`boundedFields`).
 */
export function createLogger(
  level: string,
  sensitiveFieldNames: readonly string[],
  destination?: DestinationStream,
  scrub: (line: string) => string = scrubSecrets,
): Logger {
  return pino(
    {
      level,
      base: { service: 'jobgraph' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(sensitiveFieldNames), censor: '[REDACTED]' },
      serializers: boundedFields(scrub),
      hooks: { streamWrite: scrub },
    },
    destination,
  );
}

/**
 * The same logger without redaction by key name, for lines whose fields are fixed and none of
 * them a sensitive name or an object (the one line per GraphQL operation, a refused token): pino's
 * path redaction walks every path above on every line, which would be paid on every request for
 * nothing there to redact (bench/DECISIONS.md has the figure). Scrubbing by value
 * still applies to every finished line (the client's operation name may hold anything).
 */
export function fixedFieldsLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}
