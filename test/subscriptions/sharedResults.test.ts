import { parse, type DocumentNode, type ExecutionResult } from 'graphql';
import { describe, expect, it } from 'vitest';
import { SCOPE_READ, SCOPE_SECRETS } from '../../src/auth/identity.ts';
import type { JobRecord } from '../../src/model/job.ts';
import { buildSchema } from '../../src/schema.ts';
import { subscribe } from '../../src/subscriptions/execute.ts';
import { MAX_RESULTS_PER_EVENT, shareKey } from '../../src/subscriptions/sharedResults.ts';
import { SECRET_VALUE, batchRecord } from '../support/retainedRecords.ts';

const { schema } = buildSchema();

/** One subscription's events, pushed by the test. */
class Events implements AsyncIterableIterator<JobRecord> {
  private readonly queue: JobRecord[] = [];
  private waiting: ((r: IteratorResult<JobRecord>) => void) | null = null;
  push(record: JobRecord): void {
    if (this.waiting) this.waiting({ value: record, done: false });
    else this.queue.push(record);
    this.waiting = null;
  }
  next(): Promise<IteratorResult<JobRecord>> {
    const record = this.queue.shift();
    if (record) return Promise.resolve({ value: record, done: false });
    return new Promise((resolve) => (this.waiting = resolve));
  }
  return(): Promise<IteratorResult<JobRecord>> {
    return Promise.resolve({ value: undefined, done: true });
  }
  [Symbol.asyncIterator]() {
    return this;
  }
}

/** What the resolvers were asked of the contexts (one call per execution that selects the field). */
const asked = { accountAlias: 0, liveBy: 0 };
const CONFIG = { the: 'configuration' };

/** A subscription as a transport makes one: the hub's context reduced to what the resolvers read. */
async function subscriber(document: DocumentNode, scopes: string[], config: object = CONFIG) {
  const events = new Events();
  const contextValue = {
    config,
    requestId: 'r',
    identity: { authenticated: true, subject: 's', scopes: new Set(scopes) },
    watchJobs: () => events,
    accountIdOf: () => '123456789012',
    accountAliasOf: () => (asked.accountAlias++, 'default'),
    liveByOf: () => (asked.liveBy++, 'POLLING'),
  };
  const iterator = await subscribe({
    schema,
    document,
    contextValue,
    variableValues: { ids: ['batch:us-east-1:one'] },
  });
  if (!(Symbol.asyncIterator in iterator)) throw new Error(JSON.stringify(iterator));
  return {
    events,
    next: async () => (await iterator.next()).value as ExecutionResult,
  };
}
type Subscriber = Awaited<ReturnType<typeof subscriber>>;

const BASIC = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state accountAlias } }';
const SECRET =
  'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id accountAlias ... on BatchJob { container { environment { name value } } } } }';
const LIVE = 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id liveBy } }';

/** Each subscriber's next result after `record` is pushed to all of them. */
async function deliver(subscribers: Subscriber[], record: JobRecord) {
  for (const s of subscribers) s.events.push(record);
  return Promise.all(subscribers.map((s) => s.next()));
}

const many = (n: number, document: DocumentNode, scopes: string[], config?: object) =>
  Promise.all(Array.from({ length: n }, () => subscriber(document, scopes, config)));

describe('An event executed once for the subscriptions that would get the same result', () => {
  it('executes each change once for 16 subscriptions of one document (as ValidDocuments shares it) and caller kind', async () => {
    const document = parse(BASIC);
    const subscribers = await many(16, document, [SCOPE_READ]);
    asked.accountAlias = 0;
    const first = await deliver(subscribers, batchRecord('one'));
    expect(asked.accountAlias).toBe(1);
    for (const r of first) expect(r).toBe(first[0]);
    expect(first[0]).toEqual({
      data: {
        jobUpdates: { id: 'batch:us-east-1:one', state: 'SUCCEEDED', accountAlias: 'default' },
      },
    });
    // The next change is a new record: executed once again.
    const second = await deliver(subscribers, batchRecord('one'));
    expect(asked.accountAlias).toBe(2);
    expect(second[0]).not.toBe(first[0]);
    expect(second[0]).toEqual(first[0]);
  });

  it('executes for each document and configuration (another gateway in the process) apart, once for the same scopes in any order', async () => {
    const record = batchRecord('one');
    const subscribers = [
      ...(await many(2, parse(BASIC), [SCOPE_READ])),
      ...(await many(2, parse(BASIC), [SCOPE_READ])),
      ...(await many(2, parse(BASIC), [SCOPE_READ], { another: 'configuration' })),
    ];
    const document = parse(BASIC);
    subscribers.push(...(await many(2, document, [SCOPE_READ, SCOPE_SECRETS])));
    subscribers.push(...(await many(2, document, [SCOPE_SECRETS, SCOPE_READ])));
    asked.accountAlias = 0;
    const results = await deliver(subscribers, record);
    // Two documents of the same text but not one AST: 1 + 1; the other configuration 1; the
    // same scopes in either order 1.
    expect(asked.accountAlias).toBe(4);
    expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
  });

  it('never hands a secret to a subscriber without the secrets scope, whoever executed first', async () => {
    const document = parse(SECRET);
    for (const order of [
      [[SCOPE_READ, SCOPE_SECRETS], [SCOPE_READ]],
      [[SCOPE_READ], [SCOPE_READ, SCOPE_SECRETS]],
    ]) {
      const subscribers = [
        ...(await many(2, document, order[0]!)),
        ...(await many(2, document, order[1]!)),
      ];
      const record = batchRecord('one');
      const results = await deliver(subscribers, record);
      const reader = (scopes: string[]) => (scopes.includes(SCOPE_SECRETS) ? 'secrets' : 'read');
      for (const [i, result] of results.entries()) {
        const who = reader(order[i < 2 ? 0 : 1]!);
        expect(JSON.stringify(result).includes(SECRET_VALUE), who).toBe(who === 'secrets');
        expect(Boolean(result.errors), who).toBe(who === 'read');
      }
      // An answer with errors (the denied field) is each subscriber's own, formatted and logged as such.
      expect(results[order[0]!.includes(SCOPE_SECRETS) ? 2 : 0]).not.toBe(
        results[order[0]!.includes(SCOPE_SECRETS) ? 3 : 1],
      );
    }
  });

  it('keeps at most MAX_RESULTS_PER_EVENT results for one event: past them, a key executes for each of its subscribers', async () => {
    const record = batchRecord('one');
    // Documents of distinct texts (an alias each), as many as the event keeps results for.
    const text = (i: number) =>
      `subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id a${i}: accountAlias } }`;
    for (let i = 0; i < MAX_RESULTS_PER_EVENT; i++) {
      asked.accountAlias = 0;
      await deliver(await many(2, parse(text(i)), [SCOPE_READ]), record);
      expect(asked.accountAlias, `document ${i}`).toBe(1);
    }
    asked.accountAlias = 0;
    const late = await deliver(
      await many(3, parse(text(MAX_RESULTS_PER_EVENT)), [SCOPE_READ]),
      record,
    );
    expect(asked.accountAlias).toBe(3);
    expect(late[2]).toEqual({
      data: { jobUpdates: { id: 'batch:us-east-1:one', [`a${MAX_RESULTS_PER_EVENT}`]: 'default' } },
    });
  });

  it('executes for each subscriber a document that selects the moment’s value Job.liveBy', async () => {
    const subscribers = await many(3, parse(LIVE), [SCOPE_READ]);
    asked.liveBy = 0;
    const results = await deliver(subscribers, batchRecord('one'));
    expect(asked.liveBy).toBe(3);
    expect(results[0]).toEqual({
      data: { jobUpdates: { id: 'batch:us-east-1:one', liveBy: 'POLLING' } },
    });
  });

  it('never shares a job’s log lines (Subscription.jobLogs) between subscriptions', () => {
    const { schema } = buildSchema();
    const contextValue = {
      config: {},
      identity: { authenticated: true, scopes: new Set([SCOPE_READ, 'jobs:logs:read']) },
    };
    const key = (text: string) => shareKey({ schema, document: parse(text), contextValue });
    expect(key('subscription { jobLogs(id: "batch:us-east-1:one") { at message } }')).toBeNull();
    expect(key('subscription { jobUpdates(ids: ["batch:us-east-1:one"]) { id } }')).not.toBeNull();
  });
});
