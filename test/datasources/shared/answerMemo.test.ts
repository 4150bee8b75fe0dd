import { readFileSync } from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { cosListOperation } from '../../../src/datasources/cosbatch/list.ts';
import { guardedCall } from '../../../src/datasources/listing/guardedCall.ts';
import { importExport } from '../../../src/datasources/importexport/index.ts';
import { withoutRequestId } from '../../../src/datasources/importexport/parse.ts';
import {
  AnswerMemo,
  answerDigest,
  MEMO_BYTES_MAX,
  parseUnlessSame,
  sameAsSeen,
  seenAnswer,
} from '../../../src/datasources/shared/answerMemo.ts';
import type { UpstreamAttemptResult } from '../../../src/datasources/shared/attempts.ts';
import { ReadAnswer } from '../../../src/datasources/shared/http.ts';
import { createSource, type Operation } from '../../../src/datasources/shared/source.ts';
import { TEST_AWS_CREDENTIALS } from '../../support/credentials.ts';
import { sdkFixtureHandler } from '../../support/fixtures.ts';
import { startListingRig, type ListingRig } from '../listing/support.ts';

const KEY = { provider: 'AWS_IMPORT_EXPORT', jobId: 'FIXT1' } as const;
const FULL = readFileSync(
  new URL('../../fixtures/importexport/success-full.xml', import.meta.url),
  'utf8',
);

/** Import/Export answered with each body of `bodies` in turn (the last one again once they run out). */
function answering(bodies: string[]) {
  const handler = sdkFixtureHandler(() => ({
    status: 200,
    headers: { 'content-type': 'text/xml' },
    body: bodies.length > 1 ? bodies.shift()! : bodies[0]!,
  }));
  return createSource(
    importExport,
    { timeoutMs: 2000, maxAttempts: 1, maxSockets: 1, credentials: TEST_AWS_CREDENTIALS },
    { requestHandler: handler },
  );
}

const withRequestId = (id: string) => FULL.replace(/<RequestId>[^<]*</, `<RequestId>${id}<`);

describe('An unchanged answer', () => {
  it('is the last record again, the very object, when a memo is given; a changed body is parsed', async () => {
    const changed = FULL.replace('<ProgressMessage>', '<ProgressMessage>Moved. ');
    const source = answering([FULL, FULL, changed, changed]);
    const answer = new AnswerMemo();
    const first = await source.fetchJob(KEY, { answer });
    const again = await source.fetchJob(KEY, { answer });
    expect(again).toBe(first);
    const moved = await source.fetchJob(KEY, { answer });
    expect(moved).not.toBe(first);
    expect(moved.statusMessage).toMatch(/^Moved\. /);
    expect(await source.fetchJob(KEY, { answer })).toBe(moved);
    source.close?.();
  });

  it("is Import/Export's body the same but for its request ID", async () => {
    const source = answering([withRequestId('req-1'), withRequestId('req-2')]);
    const answer = new AnswerMemo();
    const first = await source.fetchJob(KEY, { answer });
    expect(await source.fetchJob(KEY, { answer })).toBe(first);
    source.close?.();
  });

  it('is parsed again without a memo (a request, not a watch)', async () => {
    const source = answering([FULL]);
    const first = await source.fetchJob(KEY);
    const again = await source.fetchJob(KEY);
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
    source.close?.();
  });

  it('never reaches the parse step; a body that fails to parse leaves the last answer as it was', async () => {
    const source = answering(['<a>1</a>', '<a>1</a>', '<a>', '<a>1</a>']);
    const parsed: string[] = [];
    const operation: Operation<string, string> = {
      name: 'Echo',
      region: () => 'us-east-1',
      send: () => ({ method: 'POST', path: '/', headers: {}, body: '' }),
      readError: () => {
        throw new Error('no error answer is sent');
      },
      parse: (_input, answer) => {
        parsed.push(answer.body);
        if (!answer.body.endsWith('</a>')) throw new TypeError('not well-formed');
        return answer.body;
      },
    };
    const answer = new AnswerMemo();
    await source.call(operation, 'x', { answer });
    await source.call(operation, 'x', { answer });
    expect(parsed).toEqual(['<a>1</a>']);
    await expect(source.call(operation, 'x', { answer })).rejects.toThrow();
    expect(await source.call(operation, 'x', { answer })).toBe('<a>1</a>');
    expect(parsed).toEqual(['<a>1</a>', '<a>']);
    source.close?.();
  });
});

describe('An unchanged list page of a watched source', () => {
  let rig: ListingRig;
  beforeAll(async () => {
    rig = await startListingRig({ jobsPerSource: 40 });
  });
  afterAll(async () => rig?.close());

  it('is the last parsed page again through the guarded list call, and is read anew without a memo', async () => {
    const { uin, appId, region } = rig.config.tencent;
    const guarded = rig.sources.TENCENT_COS_BATCH;
    const operation = cosListOperation(appId!);
    const input = { region, uin: uin!, maxResults: 1000, nextToken: null };
    const where = { breakerRegion: region, subject: 'watch:test', account: uin! };
    const ctx = { caller: 'test', signal: undefined, calls: 0 };
    const answer = new AnswerMemo();
    const first = await guardedCall(guarded, operation, input, where, ctx, answer);
    expect(first.items.length).toBeGreaterThan(0);
    expect(await guardedCall(guarded, operation, input, where, ctx, answer)).toBe(first);
    const unmemoised = await guardedCall(guarded, operation, input, where, ctx);
    expect(unmemoised).not.toBe(first);
    expect(unmemoised).toEqual(first);
    expect(ctx.calls).toBe(3);
  });
});

/** The request ID left out as the string form did before the bytes form (the oracle: the first match of this, removed). */
const REQUEST_ID = /<([\w.-]+:)?RequestId>[^<]*<\/([\w.-]+:)?RequestId>/;

describe('An unchanged body compared on its bytes', () => {
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it('is hashed as read: the body is decoded to a string only for the parse of a changed answer', () => {
    const bodyReads = vi.spyOn(ReadAnswer.prototype, 'body', 'get');
    const memo = new AnswerMemo();
    const read = (text: string) =>
      parseUnlessSame(memo, new ReadAnswer(200, {}, Buffer.from(text)), undefined, () => ({
        text,
      }));
    const first = read('<a>1</a>');
    expect(read('<a>1</a>')).toBe(first);
    expect(read('<a>1</a>')).toBe(first);
    expect(bodyReads).not.toHaveBeenCalled();
    // The parse step above never reads `body`; one that does decodes once per changed answer.
    const parsed = parseUnlessSame(
      memo,
      new ReadAnswer(200, {}, Buffer.from('<a>2</a>')),
      undefined,
      () => 'x',
    );
    expect(parsed).toBe('x');
    expect(bodyReads).not.toHaveBeenCalled();
  });

  it('is never decoded through the pipeline and a real socket while the answer stays the same (Import/Export, request IDs differing)', async () => {
    let n = 0;
    const server = http.createServer((_req, res) => {
      n += 1;
      res.writeHead(200, { 'content-type': 'text/xml' }).end(withRequestId(`req-${n}`));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const source = createSource(importExport, {
      timeoutMs: 2000,
      maxAttempts: 1,
      maxSockets: 1,
      credentials: TEST_AWS_CREDENTIALS,
      endpoint: `http://127.0.0.1:${port}`,
    });
    try {
      const bodyReads = vi.spyOn(ReadAnswer.prototype, 'body', 'get');
      const answer = new AnswerMemo();
      const first = await source.fetchJob(KEY, { answer });
      const decodes = bodyReads.mock.calls.length;
      expect(decodes).toBeGreaterThan(0); // the first answer is parsed from its text
      for (let i = 0; i < 5; i++) expect(await source.fetchJob(KEY, { answer })).toBe(first);
      expect(n).toBe(6);
      expect(bodyReads.mock.calls.length).toBe(decodes);
    } finally {
      source.close?.();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it('keeps the digest of the bytes that say the value, not the read, and parses a body as long as the last that differs', () => {
    const memo = new AnswerMemo();
    const parsed: string[] = [];
    const read = (text: string) => {
      // A view into a larger buffer, as a socket read's body is.
      const bytes = Buffer.from(`HTTP/1.1 200 OK\r\n\r\n${text}`).subarray(19);
      return parseUnlessSame(memo, new ReadAnswer(200, {}, bytes), withoutRequestId, () => {
        parsed.push(text);
        return { text };
      });
    };
    const first = read(withRequestId('req-1'));
    // A watched job's answer is kept as a digest of a few dozen bytes, never its KB (nor a view of the read).
    expect(memo.seen).toBe(answerDigest(withoutRequestId(Buffer.from(FULL))));
    expect(read(withRequestId('req-2'))).toBe(first);
    const [moved, movedAgain] = ['completeX.', 'completeY.'].map((m) =>
      FULL.replace('completed.', m),
    );
    expect(moved!.length).toBe(movedAgain!.length);
    expect(read(moved!)).toEqual({ text: moved });
    expect(read(movedAgain!)).toEqual({ text: movedAgain });
    expect(parsed).toHaveLength(3);
  });

  it('compares parts with what it kept as their concatenation would be, bytes up to MEMO_BYTES_MAX and a digest beyond', () => {
    const bytes = fc.uint8Array({ maxLength: 12 }).map((a) => Buffer.from(a));
    fc.assert(
      fc.property(fc.array(bytes, { maxLength: 5 }), fc.array(bytes, { maxLength: 5 }), (a, b) => {
        const seen = seenAnswer(a);
        const whole = Buffer.concat(b);
        return (
          Buffer.isBuffer(seen) &&
          sameAsSeen(seen, b) === seen.equals(whole) &&
          sameAsSeen(seen, whole) === seen.equals(whole) &&
          sameAsSeen(seen, a) &&
          !sameAsSeen(undefined, a)
        );
      }),
      { numRuns: 3000 },
    );
    // A list page, say: kept as its digest; an answer of the same length that differs is not it.
    const big = Buffer.alloc(MEMO_BYTES_MAX + 1, 'a');
    const other = Buffer.from(big).fill('b', MEMO_BYTES_MAX);
    const seen = seenAnswer([big.subarray(0, 100), big.subarray(100)]);
    expect(typeof seen).toBe('string');
    expect([sameAsSeen(seen, big), sameAsSeen(seen, other)]).toEqual([true, false]);
    expect(sameAsSeen(seen, big.subarray(1))).toBe(false); // as long as bytes are kept: not it
    expect(Buffer.isBuffer(seenAnswer(big.subarray(1)))).toBe(true);
  });

  it("reads a success's request ID only for an observer that keeps it: metrics alone leave an Import/Export body undecoded", async () => {
    const server = http.createServer((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/xml' }).end(withRequestId('req-in-body'));
    });
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const { port } = server.address() as AddressInfo;
    const told: UpstreamAttemptResult[] = [];
    const sourceFor = (readsRequestIds: boolean | undefined) =>
      createSource(importExport, {
        timeoutMs: 2000,
        maxAttempts: 1,
        maxSockets: 1,
        credentials: TEST_AWS_CREDENTIALS,
        endpoint: `http://127.0.0.1:${port}`,
        observer: {
          start: () => (result) => told.push(result),
          ...(readsRequestIds === undefined ? {} : { readsRequestIds }),
        },
      });
    const [counting, tracing] = [sourceFor(false), sourceFor(undefined)];
    try {
      const answer = new AnswerMemo();
      await counting.fetchJob(KEY, { answer });
      const bodyReads = vi.spyOn(ReadAnswer.prototype, 'body', 'get');
      for (let i = 0; i < 3; i++) await counting.fetchJob(KEY, { answer });
      expect(bodyReads).not.toHaveBeenCalled();
      await tracing.fetchJob(KEY, { answer });
      expect(bodyReads).toHaveBeenCalled();
      expect(told.map((r) => [r.outcome, r.requestId])).toEqual([
        ...Array.from({ length: 4 }, () => ['ok', null]),
        ['ok', 'req-in-body'],
      ]);
    } finally {
      counting.close?.();
      tracing.close?.();
      await new Promise((resolve) => server.close(resolve));
    }
  });

  it("leaves out Import/Export's request ID as the string form did, byte for byte", () => {
    const oracle = (body: string) => body.replace(REQUEST_ID, '');
    const ours = (body: string) =>
      Buffer.concat(withoutRequestId(Buffer.from(body, 'utf8'))).toString('utf8');
    for (const body of [
      FULL,
      withRequestId('a-b.c'),
      '<R><ns:RequestId>x</ns:RequestId></R>',
      '<R><RequestId>x</ns:RequestId><RequestId>y</RequestId></R>',
      '<R><RequestId><b/></RequestId><RequestId>y</RequestId></R>',
      '<R></RequestId><RequestId></RequestId>',
      '<R>RequestId><RequestId>z</RequestId>',
      '<R><a:b:RequestId>z</a:b:RequestId></R>',
      '<R><RequestId>é</RequestId>é</R>',
      '<R>no id</R>',
      '',
    ])
      expect(ours(body)).toBe(oracle(body));
    const part = fc.constantFrom(
      '<',
      '</',
      '>',
      'RequestId>',
      '<RequestId>',
      '</RequestId>',
      'ns:',
      'a.b-c_',
      ':',
      'x',
      'é',
      ' ',
    );
    fc.assert(
      fc.property(fc.array(part, { maxLength: 14 }), (parts) => {
        const body = parts.join('');
        return ours(body) === oracle(body);
      }),
      { numRuns: 3000 },
    );
  });
});
