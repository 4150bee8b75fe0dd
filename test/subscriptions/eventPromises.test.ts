import { createHook } from 'node:async_hooks';
import { parse } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SCOPE_READ } from '../../src/auth/identity.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { buildSchema } from '../../src/schema.ts';
import { subscribe } from '../../src/subscriptions/execute.ts';
import { batchRecord } from '../support/retainedRecords.ts';

const { schema } = buildSchema();
const DOCUMENT = parse(
  'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state accountAlias } }',
);

/** A source whose `next` answers at once with the record it was given: one promise an event, its own. */
function source(records: JobRecord[]): AsyncIterableIterator<JobRecord> {
  return {
    next: () => Promise.resolve({ value: records.shift() as JobRecord, done: false }),
    return: () => Promise.resolve({ value: undefined, done: true }),
    [Symbol.asyncIterator]() {
      return this;
    },
  };
}

/** Promises made while `run` is awaited (node:async_hooks counts each one as it is made). */
async function promisesMade(run: () => Promise<unknown>): Promise<number> {
  let made = 0;
  const hook = createHook({ init: (_id, type) => void (type === 'PROMISE' && made++) });
  hook.enable();
  try {
    await run();
  } finally {
    hook.disable();
  }
  return made;
}

describe('A subscription hands an event on', () => {
  it("in the promise of its source's next, chained once, when the event's execution is shared", async () => {
    const records = Array.from({ length: 21 }, (_, i) => batchRecord(`job-${i}`));
    const contextValue = {
      config: {},
      requestId: 'r',
      identity: { authenticated: true, subject: 's', scopes: new Set([SCOPE_READ]) },
      watchJobs: () => source(records),
      accountIdOf: () => '123456789012',
      accountAliasOf: () => 'default',
      liveByOf: () => 'POLLING',
    };
    const args = { schema, document: DOCUMENT, contextValue, variableValues: { ids: ['x'] } };
    const [one, other] = await Promise.all([subscribe(args), subscribe(args)]);
    if (!(Symbol.asyncIterator in one) || !(Symbol.asyncIterator in other))
      throw new Error('not a subscription');
    // `other` executes each event first; `one` gets that shared result (sharedResults.ts).
    const events = 10;
    const shared = [...records];
    records.length = 0;
    for (const record of shared.slice(0, events)) records.push(record, record);
    const made = await promisesMade(async () => {
      for (let i = 0; i < events; i++) {
        const [a, b] = [await other.next(), await one.next()];
        expect(a.value).toBe(b.value);
        expect(a.value?.data?.jobUpdates).toMatchObject({ state: expect.any(String) });
      }
    });
    // Each of the 20 next()s: the source's promise, the one its chain makes and the test's await
    // of it (63 in all here, with the test's own async function and a few to spare); an async
    // next and an async map step made five more each (163).
    expect(made).toBeLessThanOrEqual(3 * 2 * events + 5);
  });
});
