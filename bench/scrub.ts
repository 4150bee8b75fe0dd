/**
 * `node --import tsx bench/scrub.ts`: how fast the log scrubber is with many registered secret
 * values. Registers BENCH_SCRUB_VALUES values (default 10,000: record secrets, signed URLs,
 * tokens), then scrubs typical log lines in a loop and prints lines/s for each kind of line, plus
 * the whole logger (pino + scrub) against pino without it. A figure to read, not a test.
 */
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import { pino } from 'pino';
import { SecretValueRegistry } from '../src/auth/secretValues.ts';
import { createLogger } from '../src/logger.ts';

const count = Number(process.env.BENCH_SCRUB_VALUES ?? 10_000);
const registry = new SecretValueRegistry();
const values: string[] = [];
for (let i = 0; i < count; i++) {
  const kind = i % 4;
  const v =
    kind === 0
      ? randomBytes(30).toString('base64') // secret access keys
      : kind === 1
        ? `IQoJb3JpZ2luX2VjE${randomBytes(90).toString('base64')}` // session tokens
        : kind === 2
          ? `https://importexport-bucket.s3.amazonaws.com/manifests/${randomBytes(6).toString('hex')}.txt?Signature=${randomBytes(20).toString('base64url')}`
          : `DEMO-CONFIG-SECRET-${i}-${randomBytes(8).toString('hex')}`;
  values.push(v);
  registry.learn(v);
}

const requestLine = JSON.stringify({
  level: 30,
  time: new Date().toISOString(),
  service: 'jobgraph',
  requestId: 'b7b0c7a2-1d7e-4c55-9f0e-5a0f3b1e2d4c',
  operationName: 'JobsDashboard',
  authenticated: true,
  durationMs: 12.3,
  errorCodes: ['UPSTREAM_THROTTLED'],
  msg: 'graphql request',
});
const errorLine = JSON.stringify({
  level: 50,
  time: new Date().toISOString(),
  service: 'jobgraph',
  correlationId: 'ae335bd5-1889-406a-9b87-2129f0e9c2b0',
  err: {
    type: 'GraphQLError',
    message: `Abstract type "_Entity" must resolve to an Object type at runtime for field "Query._entities" with value { id: "codepipeline:us-east-1:c0de0001", accountId: "111122223333", pipelineName: "storefront-release" }`,
    stack: Array.from(
      { length: 12 },
      (_, i) =>
        `    at executeField (/app/node_modules/graphql/execution/execute.js:${700 + i}:20)`,
    ).join('\n'),
  },
  msg: 'internal error',
});
const leakyLine = errorLine.replace('storefront-release', values[count >> 1] as string);

function measure(name: string, run: () => void, minMs = 1500): void {
  for (let i = 0; i < 2000; i++) run(); // warm up
  let n = 0;
  const start = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let i = 0; i < 1000; i++) run();
    n += 1000;
    elapsed = performance.now() - start;
  }
  console.log(
    `${name.padEnd(58)} ${Math.round((n / elapsed) * 1000)
      .toLocaleString('en-US')
      .padStart(12)} lines/s`,
  );
}

console.log(`${count.toLocaleString('en-US')} registered values (${registry.size} held)`);
if (registry.scrub(leakyLine) === leakyLine) throw new Error('the leaky line was not scrubbed');
measure(`scrub: request line (${requestLine.length} chars, no secret)`, () =>
  registry.scrub(requestLine),
);
measure(`scrub: internal-error line (${errorLine.length} chars, no secret)`, () =>
  registry.scrub(errorLine),
);
measure(`scrub: internal-error line holding a secret`, () => registry.scrub(leakyLine));

const sink = new Writable({ write: (_c, _e, done) => done() });
const plain = pino(
  { level: 'info', base: { service: 'jobgraph' }, timestamp: pino.stdTimeFunctions.isoTime },
  sink,
);
const scrubbing = createLogger('info', [], sink, (line) => registry.scrub(line));
const fields = {
  requestId: 'b7b0c7a2-1d7e-4c55-9f0e-5a0f3b1e2d4c',
  operationName: 'JobsDashboard',
  authenticated: true,
  durationMs: 12.3,
  errorCodes: [],
};
measure('pino, request line, no scrub', () => plain.info(fields, 'graphql request'));
measure('createLogger (key redaction + scrub), request line', () =>
  scrubbing.info(fields, 'graphql request'),
);
const unscrubbed = createLogger('info', [], sink, (line) => line);
measure('createLogger without scrub (key redaction only)', () =>
  unscrubbed.info(fields, 'graphql request'),
);
