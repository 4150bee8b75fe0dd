import { inspect } from 'node:util';
import { GraphQLError, type GraphQLFormattedError } from 'graphql';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createSecretDetector,
  createSecretStripper,
  createSensitiveValueCollector,
} from '../../src/auth/secrets.ts';
import {
  formsOf,
  REDACTED,
  SecretValueRegistry,
  secretValues,
} from '../../src/auth/secretValues.ts';
import { DEMO_DATA } from '@jobgraph/emulators';
import { BadUserInputError } from '../../src/errors.ts';
import { createLogger } from '../../src/logger.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { JOB_TYPES } from '../../src/model/jobKeys.ts';
import { buildSchema } from '../../src/schema.ts';
import { createFormatError } from '../../src/http/server.ts';
import { gql, LogCapture, startTestGateway, type TestGateway } from '../support/gateway.ts';

const SECRET = 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY';
/** A value with every character JSON escapes, and non-ASCII. */
const AWKWARD = 'pa"ss\\wo\nrd-é✓-"end"';
/** A random-looking secret with characters JSON escapes and non-ASCII, and no whitespace (learned whole). */
const AWKWARD_SECRET = 'pa"ss\\w0Rd-é✓-"q7Zx9K"';
/**
 * A registry learning every value as it is given: the tests of its index and bounds use short,
 * alike values that the run-time rule (learnableSecrets.ts) would never learn.
 */
const asIs = (maxLearned?: number, maxLearnedChars?: number) =>
  new SecretValueRegistry(maxLearned, maxLearnedChars, (v) => [v]);

describe('SecretValueRegistry', () => {
  it('scrubs a registered value raw, JSON-escaped once and twice, and with \\u escapes', () => {
    const r = asIs();
    r.learn(AWKWARD);
    const once = JSON.stringify(AWKWARD);
    const twice = JSON.stringify(once);
    const unicode = once.replace(
      /[\u007f-\uffff]/g,
      (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`,
    );
    for (const text of [
      `x ${AWKWARD} y`,
      `{"msg":${once}}`,
      `{"msg":${twice}}`,
      `{"msg":${unicode}}`,
    ]) {
      const out = r.scrub(text);
      expect(out, text).toContain(REDACTED);
      expect(out).not.toContain('wo');
      expect(out).not.toContain('rd-');
    }
  });

  it('lists the forms of a plain value as the value alone, and every form of any other', () => {
    const escapeNonAscii = (t: string) =>
      t.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
    const jsonInner = (t: string) => JSON.stringify(t).slice(1, -1);
    const every = (v: string) => [
      ...new Set(
        [v, jsonInner(v), inspect(v).slice(1, -1)]
          .flatMap((q) => [q, jsonInner(q)])
          .flatMap((f) => [f, escapeNonAscii(f)]),
      ),
    ];
    const values = [
      SECRET,
      'plain-token_123',
      'it\'s "quoted"',
      'back\\slash',
      'tab\there',
      'naïve-secret',
      'line\u2028sep',
      'multi\nline\r\nmanifest',
      'esc\u001b[31m',
      'c1\u0085char',
      'emoji\ud83d\ude00',
      'x'.repeat(10_001),
      'y\n'.repeat(6_000),
    ];
    for (const v of values) expect(formsOf(v)).toEqual(every(v));
    expect(formsOf(SECRET)).toEqual([SECRET]);
  });

  it('ignores values shorter than 6 characters and leaves text without a value alone', () => {
    const r = asIs();
    r.learn('abcde');
    r.learn('');
    r.learn(null);
    expect(r.size).toBe(0);
    r.learn(SECRET);
    const text = '{"level":30,"msg":"graphql request","abcde":1}';
    expect(r.scrub(text)).toBe(text);
  });

  it('replaces overlapping and adjacent values with one marker each run', () => {
    const r = asIs();
    r.learn('secret-one-abcdef');
    r.learn('one-abcdef-and-more');
    r.learn('zzzzzz1234');
    expect(r.scrub('a secret-one-abcdef-and-more b zzzzzz1234zzzzzz1234 c')).toBe(
      `a ${REDACTED} b ${REDACTED} c`,
    );
  });

  it('forgets the least recently learned value past its bound, never a pinned one', () => {
    const r = asIs(2);
    r.pin('pinned-credential');
    r.learn('learned-value-1');
    r.learn('learned-value-2');
    r.learn('learned-value-1'); // seen again: now the most recent
    r.learn('learned-value-3');
    expect(r.contains('learned-value-2')).toBe(false);
    expect(r.contains('learned-value-1')).toBe(true);
    expect(r.contains('learned-value-3')).toBe(true);
    expect(r.contains('pinned-credential')).toBe(true);
    r.clearLearned();
    expect(r.contains('learned-value-1')).toBe(false);
    expect(r.contains('pinned-credential')).toBe(true);
  });

  it('keeps recency order through many evictions, touches and a learned value pinned later', () => {
    const r = asIs(3);
    const v = (n: number) => `learned-value-${n}`;
    for (let n = 0; n < 1000; n++) r.learn(v(n));
    r.learn(v(997)); // seen again: now the most recent; 998 is the oldest
    r.pin(v(998)); // pinned: leaves the learned values, so a place is free
    r.learn(v(1000));
    expect(r.size).toBe(4);
    r.learn(v(1001)); // full again: the oldest learned value (999) goes, not 997 nor the pinned 998
    expect([997, 998, 999, 1000, 1001].map((n) => r.contains(v(n)))).toEqual([
      true,
      true,
      false,
      true,
      true,
    ]);
    expect(r.contains(v(996))).toBe(false);
    r.clearLearned();
    r.learn(v(0));
    expect([0, 997, 998, 1001].map((n) => r.contains(v(n)))).toEqual([true, false, true, false]);
  });

  it('bounds the characters it learns too', () => {
    const r = asIs(100, 30);
    r.learn('a'.repeat(20));
    r.learn('b'.repeat(20)); // 40 characters: the oldest goes
    expect(r.contains('a'.repeat(20))).toBe(false);
    expect(r.contains('b'.repeat(20))).toBe(true);
    r.learn('c'.repeat(31)); // longer than the whole budget: not learned, nothing evicted
    expect(r.contains('c'.repeat(31))).toBe(false);
    expect(r.size).toBe(1);
  });

  it('counts the characters of every form it holds against that bound, not the value alone', () => {
    const value = 'line-one\nline-two'; // 17 characters, held also JSON-escaped and as util.inspect quotes it
    const held = formsOf(value).reduce((sum, form) => sum + form.length, 0);
    expect(held).toBeGreaterThan(3 * value.length);
    const tight = asIs(100, held - 1);
    tight.learn(value);
    expect(tight.size).toBe(0);
    const enough = asIs(100, held);
    enough.learn(value);
    expect(enough.contains(`x ${value} y`)).toBe(true);
    enough.learn('other-value'); // one more character than the budget: the oldest goes
    expect(enough.contains(value)).toBe(false);
    expect(enough.size).toBe(1);
  });

  it('indexes values that share their ending apart, and finds each wherever its window sits', () => {
    // Presigned URLs of one bucket end alike: indexed by their last characters, every one of them
    // would be compared wherever that ending occurs in a scanned text.
    const ending = '&X-Amz-Signature=00000000';
    const value = (n: number) =>
      `https://bucket.s3.amazonaws.com/job-${n.toString(36).padStart(4, '0')}/log.txt?X-Amz-Date=20261123T000000Z${ending}`;
    const r = asIs(2_000);
    for (let n = 0; n < 2_500; n++) r.learn(value(n));
    const stats = r.indexStats();
    expect(stats.forms).toBe(2_000);
    expect(stats.mostFormsPerWindow).toBeLessThanOrEqual(4);
    // Each kept value is found at the start, middle and end of a text, twice over, and next to its twin.
    for (const n of [501, 1234, 2_499]) {
      expect(r.scrub(value(n))).toBe(REDACTED);
      expect(r.scrub(`see ${value(n)} and ${value(n)}.`)).toBe(`see ${REDACTED} and ${REDACTED}.`);
      expect(r.scrub(`${value(n)}${value(n - 1)}`)).toBe(REDACTED);
    }
    // Forgotten values (the oldest 500) and the shared ending alone are left as they are.
    expect(r.scrub(`x ${value(499)}`)).toBe(`x ${value(499)}`);
    expect(r.scrub(`request 9f0c5e2a-000000000fa5 ${ending}${ending}`)).toBe(
      `request 9f0c5e2a-000000000fa5 ${ending}${ending}`,
    );
    // A cut-off value is not a match, whichever side is missing.
    const cut = value(1500);
    expect(r.scrub(cut.slice(1))).toBe(cut.slice(1));
    expect(r.scrub(cut.slice(0, -1))).toBe(cut.slice(0, -1));
    // Values alike but for their first characters (fewer than a window) are spread too.
    const head = (n: number) =>
      `${n.toString(36).padStart(3, '0')}${'-same-in-every-value'.repeat(2)}`;
    const heads = asIs();
    for (let n = 0; n < 1_000; n++) heads.learn(head(n));
    expect(heads.indexStats().mostFormsPerWindow).toBeLessThanOrEqual(4);
    expect(heads.scrub(`a ${head(777)} b`)).toBe(`a ${REDACTED} b`);
    expect(heads.scrub(head(777).slice(1))).toBe(head(777).slice(1));
    // Forgetting takes a value out of the window it was indexed by.
    r.clearLearned();
    expect(r.indexStats()).toEqual({ forms: 0, windows: 0, mostFormsPerWindow: 0 });
    expect(r.scrub(value(1500))).toBe(value(1500));
  });

  it('places a form of a kind it has seen by looking at few windows (counted), even when thousands end alike', () => {
    // A gateway reading many Import/Export jobs: manifests alike but for the device ID ≈ 200
    // characters before their end (three forms each: the text, and JSON-escaped once and twice),
    // and presigned URLs of one bucket, their paths of different lengths, ending alike.
    const address = [
      'returnAddress:',
      ...[
        'name:Demo',
        'street1:123 Example Street',
        'city:Seattle',
        'postalCode:98101',
        'phoneNumber:206-555-0100',
        'country:USA',
      ].map((l) => `    ${l}`),
    ].join('\n');
    const manifest = (n: number) =>
      `manifestVersion:2.0\ngenerator:AWS Import/Export Tool\ndeviceId:DEVICE-${String(n).padStart(8, '0')}\n${address}\nfileSystem:NTFS\nlogBucket:jobgraph-demo-logs`;
    const url = (n: number) =>
      `https://bucket.s3.amazonaws.com/${'job-'.repeat(1 + (n % 3))}${n}/log.txt?X-Amz-Date=20261123T000000Z&X-Amz-Signature=0000000000000000`;
    const r = asIs();
    const learn = (from: number, to: number) => {
      for (let n = from; n < to; n++) {
        r.learn(manifest(n));
        r.learn(url(n));
      }
    };
    learn(0, 50);
    const warm = r.placeStats();
    learn(50, 3_050);
    const { placed, windowsConsidered } = r.placeStats();
    expect(placed - warm.placed).toBe(3_000 * 4);
    // Each form's last window is shared; the window its kind hints at mostly is not: two looks a form.
    // (Without the hints, its windows counted from its end as before, a form looked at 26 here.)
    expect((windowsConsidered - warm.windowsConsidered) / (placed - warm.placed)).toBeLessThan(3);
    // Still one window few others share per form, and every value found where it sits, cut ones not.
    expect(r.indexStats().mostFormsPerWindow).toBeLessThanOrEqual(4);
    for (const n of [0, 1_234, 3_049]) {
      for (const form of [...formsOf(manifest(n)), url(n)]) {
        expect(r.scrub(`a ${form} b ${form}`)).toBe(`a ${REDACTED} b ${REDACTED}`);
        expect(r.scrub(form.slice(1))).toBe(form.slice(1));
        expect(r.scrub(form.slice(0, -1))).toBe(form.slice(0, -1));
      }
    }
  });

  it('holds a form two values share once for each: found once where it is, kept while either is', () => {
    const quoted = 'pa"ss-word-1';
    const escaped = 'pa\\"ss-word-1'; // the first's JSON escape, a value of its own
    expect(formsOf(quoted)).toContain(escaped);
    const r = asIs(2);
    r.learn(quoted);
    r.learn(escaped);
    expect(r.scrub(`x ${escaped} y`)).toBe(`x ${REDACTED} y`);
    r.learn('another-value'); // the first goes; the second's forms stay
    expect(r.scrub(`x ${escaped} y ${quoted}`)).toBe(`x ${REDACTED} y ${quoted}`);
    r.learn('a-third-value'); // and now the second
    expect(r.scrub(`x ${escaped} y`)).toBe(`x ${escaped} y`);
    expect(r.indexStats().forms).toBe(2);
  });

  it('scrubs secret shapes it was never told about: JWTs, SigV4 and COS signatures', () => {
    const r = asIs();
    const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlLWJ5dGVz';
    const sigv4 = 'a'.repeat(32) + '0123456789abcdef'.repeat(2);
    const cos = '0123456789abcdef0123456789abcdef01234567';
    const out = r.scrub(
      `Bearer ${jwt} | Credential=AKIA/x, SignedHeaders=host, Signature=${sigv4} | X-Amz-Signature=${sigv4}& | q-sign-time=1;2&q-signature=${cos}`,
    );
    expect(out).not.toContain(jwt.slice(0, 20));
    expect(out).not.toContain(sigv4);
    expect(out).not.toContain(cos);
    expect(out).toContain(`Signature=${REDACTED}`);
    expect(out).toContain(`q-signature=${REDACTED}`);
  });
});

describe('createSensitiveValueCollector', () => {
  const built = buildSchema();
  const collect = createSensitiveValueCollector(
    built.schema,
    built.policy.sensitiveFields,
    JOB_TYPES,
  );

  it('finds nested sensitive values (artifact credentials, configuration values) and nothing else', () => {
    const record = {
      id: 'codepipeline:us-east-1:c0de0001-7e57-4b1d-8a11-000000000001',
      provider: 'AWS_CODEPIPELINE',
      nativeId: 'c0de0001-7e57-4b1d-8a11-000000000001',
      accountId: '111122223333',
      actionConfiguration: [{ key: 'ProjectName', value: 'config-value-1' }],
      artifactCredentials: {
        accessKeyId: 'ASIAEXAMPLE',
        secretAccessKey: SECRET,
        sessionToken: 'session-token-1',
      },
      continuationToken: 'continuation-1',
      pipelineContext: { pipelineName: 'not-a-secret' },
    } as unknown as JobRecord;
    expect(collect(record).sort()).toEqual(
      ['ASIAEXAMPLE', SECRET, 'config-value-1', 'continuation-1', 'session-token-1'].sort(),
    );
  });
});

describe('The three walks of a record along its type (collect, detect, strip)', () => {
  const { schema, policy } = buildSchema();
  const walks = [schema, policy.sensitiveFields, JOB_TYPES] as const;
  const collect = createSensitiveValueCollector(...walks);
  const holdsSecret = createSecretDetector(...walks);
  const strip = createSecretStripper(...walks);
  const env = (value: string) => [{ name: 'TOKEN', value }];
  // An AWS Batch job holds environment values at four depths: its container, each node range's
  // container (lists in an object), each ECS task's containers and each EKS pod container (lists
  // in lists), and the pod's init containers.
  const labels = [{ key: 'team', value: 'not-a-secret-label' }];
  const batch = {
    id: 'batch:us-east-1:00000000-0000-4000-8000-000000000001',
    provider: 'AWS_BATCH',
    container: { image: 'busybox', environment: env('secret-in-container') },
    nodeProperties: {
      nodeRangeProperties: [
        { targetNodes: '0:', container: { environment: env('secret-in-node-range') } },
      ],
    },
    ecsTasks: [{ containers: [{ environment: env('secret-in-ecs-task') }] }],
    eksPod: {
      labels,
      containers: [{ env: env('secret-in-eks-container') }],
      initContainers: [{ env: env('secret-in-eks-init') }],
    },
    eksAttempts: [],
  } as unknown as JobRecord;

  it('collects every nested value, detects it, and strips each to null sharing the rest', () => {
    expect(collect(batch).sort()).toEqual([
      'secret-in-container',
      'secret-in-ecs-task',
      'secret-in-eks-container',
      'secret-in-eks-init',
      'secret-in-node-range',
    ]);
    expect(holdsSecret(batch)).toBe(true);
    const stripped = strip(batch) as unknown as {
      container: { environment: unknown };
      eksPod: { labels: unknown };
    } & JobRecord;
    expect(collect(stripped)).toEqual([]);
    expect(holdsSecret(stripped)).toBe(false);
    expect(JSON.stringify(stripped)).not.toMatch(/secret-in-/);
    expect(stripped.container.environment).toEqual([{ name: 'TOKEN', value: null }]);
    // What holds no secret is shared with the record, never copied or changed.
    expect(stripped.eksPod.labels).toBe(labels);
  });

  it('treats a record without secrets as such, and an unknown provider as holding secrets', () => {
    const empty = { ...batch, container: { environment: [] }, nodeProperties: null };
    const none = { ...empty, ecsTasks: [], eksPod: { containers: [], initContainers: [] } };
    expect(holdsSecret(none as unknown as JobRecord)).toBe(false);
    expect(collect(none as unknown as JobRecord)).toEqual([]);
    const unknown = { provider: 'SOMETHING_ELSE', note: 'read whole' } as unknown as JobRecord;
    expect(holdsSecret(unknown)).toBe(true);
    expect(strip(unknown)).toBeNull();
    expect(collect(unknown)).toEqual(['SOMETHING_ELSE', 'read whole']);
  });

  // Issue 60: the stripper copies only where it takes a value out.
  const importExport = {
    id: 'importexport:-:JOB1',
    provider: 'AWS_IMPORT_EXPORT',
    progressCode: 'Complete',
    signature: 'signature-value-1',
    signatureFileContents: null,
    currentManifest: null,
    artifactList: [
      { description: 'label', url: null },
      { description: 'signature file', url: 'https://example.com/presigned-1' },
    ],
  } as unknown as JobRecord;

  it('strips by copy on write: a record with no sensitive value comes back as itself', () => {
    const cos = { id: 'cos:ap-guangzhou:1:j', provider: 'TENCENT_COS_BATCH', status: 'Complete' };
    expect(strip(cos as unknown as JobRecord)).toBe(cos);
    const clean = {
      ...importExport,
      signature: null,
      artifactList: [{ description: 'label', url: null }],
    } as unknown as JobRecord;
    expect(strip(clean)).toBe(clean);
    const stripped = strip(importExport) as unknown as typeof importExport & {
      artifactList: { url: unknown }[];
    };
    expect(stripped).not.toBe(importExport);
    expect(stripped).toMatchObject({ signature: null, progressCode: 'Complete' });
    // Only the member that held a URL is copied; the list is a new one around it.
    const [label, file] = (importExport as unknown as { artifactList: object[] }).artifactList;
    expect(stripped.artifactList[0]).toBe(label);
    expect(stripped.artifactList[1]).not.toBe(file);
    expect(stripped.artifactList[1]).toEqual({ description: 'signature file', url: null });
    // The record itself is never changed.
    expect(collect(importExport).sort()).toEqual([
      'https://example.com/presigned-1',
      'signature-value-1',
    ]);
  });

  it('learns a record: walked once when it holds a value, walked again (never remembered) when it holds none', () => {
    const registry = new SecretValueRegistry();
    const walked: unknown[] = [];
    registry.setRecordCollector((record) => {
      walked.push(record);
      return collect(record);
    });
    registry.learnRecord(importExport);
    registry.learnRecord(importExport);
    expect(walked).toEqual([importExport]);
    expect(registry.size).toBe(2);
    expect(registry.scrub('x signature-value-1 y')).toBe(`x ${REDACTED} y`);
    // A COS Batch record has no sensitive field: nothing learned, and no weak entry kept for it.
    const cos = { id: 'cos:ap-guangzhou:1:j', provider: 'TENCENT_COS_BATCH' } as JobRecord;
    registry.learnRecord(cos);
    registry.learnRecord(cos);
    expect(walked).toEqual([importExport, cos, cos]);
    expect(registry.size).toBe(2);
  });
});

describe('Scrubbing errors that embed a registered secret', () => {
  beforeAll(() => {
    secretValues.learn(SECRET);
    secretValues.learn(AWKWARD_SECRET);
  });

  it('the logger writes an Error whose message (and stack) embeds a secret scrubbed', () => {
    const logs = new LogCapture();
    const logger = createLogger('info', [], logs);
    const err = new Error(
      `cannot render ${inspect({ artifactCredentials: { secretAccessKey: SECRET, note: AWKWARD_SECRET } })}`,
    );
    logger.error({ err }, 'internal error');
    logger.warn(`plain message with ${SECRET}`);
    expect(logs.lines).toHaveLength(2);
    expect(logs.text()).not.toContain(SECRET);
    expect(logs.text()).not.toContain('q7Zx9K');
    expect(logs.text()).not.toContain('w0Rd');
    expect(logs.text()).toContain(REDACTED);
    expect(JSON.parse(logs.lines[0] as string).err.message).toMatch(/^cannot render/);
  });

  it('formatError scrubs kept messages (JobgraphError, allow-listed codes) and the internal-error log line', () => {
    const logs = new LogCapture();
    const formatError = createFormatError(createLogger('info', [], logs));
    const formattedOf = (e: GraphQLError): GraphQLFormattedError => ({
      ...e.toJSON(),
      extensions: { code: 'INTERNAL_SERVER_ERROR', ...e.extensions },
    });

    const own = new BadUserInputError(
      `record ${JSON.stringify({ secretAccessKey: SECRET, note: AWKWARD_SECRET })} is odd`,
      { upstreamRequestId: SECRET, argument: 'ids' },
    );
    const ownError = new GraphQLError(own.message, { originalError: own, path: ['job'] });
    const keptOwn = formatError(formattedOf(ownError), ownError);
    // What an upstream sent is scrubbed; jobgraph's own extensions are never rewritten.
    expect(keptOwn.extensions).toEqual({
      code: 'BAD_USER_INPUT',
      upstreamRequestId: REDACTED,
      argument: 'ids',
    });
    expect(keptOwn.message).toMatch(/^record /);

    const allowListed = new GraphQLError(`Variable "$x" got invalid value "${SECRET}"`, {
      extensions: { code: 'GRAPHQL_VALIDATION_FAILED' },
    });
    const keptAllowListed = formatError(formattedOf(allowListed), allowListed);
    expect(keptAllowListed.extensions).toEqual({ code: 'GRAPHQL_VALIDATION_FAILED' });

    const internal = new GraphQLError(`boom ${SECRET}`, {
      originalError: new Error(`boom ${inspect({ k: SECRET, n: AWKWARD_SECRET })}`),
    });
    const masked = formatError(formattedOf(internal), internal);
    expect(masked.message).toBe('Internal server error');

    const out = JSON.stringify([keptOwn, keptAllowListed, masked]);
    expect(out).toContain(REDACTED);
    for (const text of [out, logs.text()]) {
      expect(text).not.toContain(SECRET);
      expect(text).not.toContain('q7Zx9K');
      expect(text).not.toContain('w0Rd');
    }
    expect(logs.lines.map((l) => JSON.parse(l).msg)).toEqual(['internal error']);
  });
});

describe('The gateway learns secrets as it loads records', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    secretValues.clearLearned();
    gw = await startTestGateway({ LOG_LEVEL: 'debug' });
  });
  afterAll(async () => {
    await gw?.close();
  });

  it('scrubs a record that a resolver failure writes to the log, on the first request that ever loaded it', async () => {
    const cp = DEMO_DATA.codepipeline;
    expect(cp.DEMO_SECRET_VALUES.some((v) => secretValues.contains(v))).toBe(false);
    const res = await gql(
      gw,
      'query($r: [_Any!]!) { _entities(representations: $r) { __typename } }',
      {
        variables: { r: [{ __typename: ['CodePipelineJob'], id: cp.EXAMPLE_GLOBAL_ID }] },
      },
    );
    expect(res.status).toBe(200);
    for (const v of cp.DEMO_SECRET_VALUES) {
      expect(res.text).not.toContain(v);
      expect(gw.logs.text(), v).not.toContain(v);
    }
  });

  it('registers the configured credentials and each verified bearer token', async () => {
    expect(secretValues.contains(`x ${gw.config.auth.jwtSecret} y`)).toBe(true);
    expect(secretValues.contains(`x ${gw.config.awsCredentials?.secretAccessKey} y`)).toBe(true);
    expect(secretValues.contains(`x ${gw.config.tencent.credentials?.secretKey} y`)).toBe(true);
    // The demo's second account's session keys are learned as its role is assumed at start.
    await gw.accounts.check();
    // The token is scrubbed by its JWT shape anyway; it is also known by value once verified.
    const before = secretValues.size;
    const res = await gql(gw, '{ __typename }', { token: gw.tokens.read });
    expect(res.status).toBe(200);
    expect(secretValues.size).toBe(before + 1);
    await gql(gw, '{ __typename }', { token: gw.tokens.read });
    expect(secretValues.size).toBe(before + 1);
  });
});
