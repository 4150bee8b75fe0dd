import { pino, type DestinationStream, type Logger } from 'pino';

/**
 * Paths pino censors wherever they appear in a log line: tokens, signed headers and every
 * sensitive GraphQL field name (the central list from the SDL directives, passed in).
 */
export function redactPaths(sensitiveFieldNames: readonly string[]): string[] {
  const headerPaths = ['authorization', 'x-amz-security-token', 'x-cos-security-token', 'cookie', 'x-api-key'].flatMap((h) => [
    `req.headers["${h}"]`,
    `headers["${h}"]`,
    `*.headers["${h}"]`,
  ]);
  const names = [...new Set(['token', 'accessToken', 'secretAccessKey', 'sessionToken', 'secretKey', 'jwtSecret', ...sensitiveFieldNames])];
  return [...headerPaths, ...names, ...names.map((n) => `*.${n}`)];
}

export function createLogger(level: string, sensitiveFieldNames: readonly string[], destination?: DestinationStream): Logger {
  return pino(
    {
      level,
      base: { service: 'jobgraph' },
      timestamp: pino.stdTimeFunctions.isoTime,
      redact: { paths: redactPaths(sensitiveFieldNames), censor: '[REDACTED]' },
    },
    destination,
  );
}
