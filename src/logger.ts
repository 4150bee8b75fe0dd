import { pino, type DestinationStream, type Logger } from 'pino';
import { scrubSecretShapes, scrubSecrets } from './auth/secretValues.ts';
import { MAX_OPERATION_NAME_LENGTH, cutText } from './observability/bounded.ts';
import { scrubbedFields, scrubbedValue, type Scrub } from './observability/logFields.ts';

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
function redactPaths(sensitiveFieldNames: readonly string[]): string[] {
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
 * Fields with a serializer of their own, each scrubbing what it writes: the message (`msg`, the
 * log call's text with its arguments formatted in), an error (`err`, after pino's own error
 * serializer made it a plain object: its message, stack and own properties), and the caller's
 * `operationName`, scrubbed whole and then cut to MAX_OPERATION_NAME_LENGTH characters (a 200 KB
 * name is not a 200 KB line; a cut through a secret would keep a part no scrubber recognises).
 */
const scrubbingSerializers = (scrub: Scrub) => ({
  msg: (value: unknown) => scrubbedValue(value, scrub),
  err: (value: unknown) => scrubbedValue(pino.stdSerializers.err(value as Error), scrub),
  operationName: (value: unknown) =>
    typeof value === 'string' ? cutText(scrub(value), MAX_OPERATION_NAME_LENGTH) : value,
});

/**
 * The JSON-lines logger: ISO time, `service: "jobgraph"`, secrets replaced by `[REDACTED]`
 * twice over, both before the line is serialized: by key name (the paths above), then by value
 * in each string a field holds, at any depth (`scrub`: by default the process-wide registry of
 * secret values read, plus JWT/signature shapes; see logFields.ts for the fields jobgraph writes
 * itself, which only the shapes touch). Keys, numbers and the line's JSON are never rewritten, so
 * no value a job or a caller supplies can change the shape of a line or another caller's fields.
 */
export function createLogger(
  level: string,
  sensitiveFieldNames: readonly string[],
  destination?: DestinationStream,
  scrub: Scrub = scrubSecrets,
): Logger {
  const serializers = scrubbingSerializers(scrub);
  const own = new Set(Object.keys(serializers));
  const fields = (object: Record<string, unknown>) =>
    scrubbedFields(object, scrub, scrubSecretShapes, own);
  const logger = pino(
    {
      level,
      base: { service: 'jobgraph' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(sensitiveFieldNames), censor: '[REDACTED]' },
      serializers,
      formatters: { bindings: fields, log: fields },
    },
    destination,
  );
  // pino applies `formatters.bindings` to the root's bindings only, never to a child's: each
  // child's bindings are scrubbed here as it is made (children inherit this `child`).
  // eslint-disable-next-line @typescript-eslint/unbound-method -- called below with each child's own `this`
  const makeChild = logger.child;
  logger.child = function child(this: Logger, bindings, options) {
    return makeChild.call(this, fields(bindings), options);
  } as Logger['child'];
  return logger;
}

/**
 * The same logger without redaction by key name, for lines whose fields are fixed and none of
 * them a sensitive name or an object (the one line per GraphQL operation, a refused token): pino's
 * path redaction walks every path above on every line, which would be paid on every request for
 * nothing there to redact (docs/performance.md has the figure). Scrubbing by value still applies to
 * each field's strings (the client's operation name may hold anything).
 */
export function fixedFieldsLogger(logger: Logger): Logger {
  return logger.child({}, { redact: { paths: [] } });
}
