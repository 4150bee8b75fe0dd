// An event's confirming read (src/notifications/notifier.ts) over a real SQLite file and a real
// PostgreSQL server: five rules taking one job's transition cost one read of its transitions, not
// five, and each gets its own delivery whose body differs from the others only by its rule.
import type { KyselyPlugin, PluginTransformQueryArgs, RootOperationNode } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { HistoryDatabase } from '../../src/history/database.ts';
import { HistoryWriter } from '../../src/history/writer.ts';
import { RuleStore, type RuleRow } from '../../src/notifications/ruleStore.ts';
import { historyStores } from '../support/historyStores.ts';
import { batchRecord, createdAudit, openedRuleStore, ruleRow } from '../support/ruleRows.ts';
import { factsOf } from '../../src/datasources/registry.ts';
import { testNotifier } from '../support/testNotifier.ts';

const T0 = Date.parse('2026-11-27T10:00:00Z');
const JOB = 'batch:us-east-1:confirmed';

const record = (state: string) => batchRecord(JOB, state, new Date(T0 + 2000).toISOString());

function rule(n: number, filter: object): RuleRow {
  const at = new Date(T0).toISOString();
  const common = { target_sealed: 'x', target_shown: 'x', created_at: at, updated_at: at };
  return ruleRow({ id: `nr_${n}`, name: `rule ${n}`, filter: JSON.stringify(filter), ...common });
}

/** Counts the SELECTs whose FROM names `transitions` (Kysely's public plugin interface). */
class TransitionReads implements KyselyPlugin {
  count = 0;
  transformQuery({ node }: PluginTransformQueryArgs): RootOperationNode {
    if (node.kind === 'SelectQueryNode' && JSON.stringify(node.from).includes('"transitions"'))
      this.count++;
    return node;
  }
  transformResult<R>(args: { result: R }): Promise<R> {
    return Promise.resolve(args.result);
  }
}

describe.each(historyStores())('An event confirmed for several rules on a $name', (kind) => {
  let db: HistoryDatabase;
  let store: RuleStore;
  beforeAll(async () => {
    if (kind.skip) return;
    ({ db, store } = await openedRuleStore(kind));
    const writer = new HistoryWriter(db, { factsOf, withoutSecrets: (r) => r });
    for (const [from, to, at] of [
      [null, 'QUEUED', T0],
      ['QUEUED', 'IN_PROGRESS', T0 + 1000],
      ['IN_PROGRESS', 'FAILED', T0 + 2000],
    ] as const)
      writer.record({
        record: record(to),
        from,
        to,
        providerStatus: to,
        at: new Date(at).toISOString(),
        source: 'EVENT',
        account: 'default',
      });
    await writer.close();
    // Five rules take the job's failure; two do not (another provider, a text it lacks).
    const rules = [0, 1, 2, 3, 4].map((n) => rule(n, { providers: ['AWS_BATCH'] }));
    rules.push(rule(5, { providers: ['AWS_OMICS'] }), rule(6, { text: 'no job is called this' }));
    for (const r of rules) await store.insert(r, createdAudit(r));
  });
  afterAll(() => db?.close());

  it.skipIf(kind.skip)('reads the job’s transitions once for all five rules', async () => {
    const reads = new TransitionReads();
    let enqueued!: () => void;
    const done = new Promise<void>((resolve) => (enqueued = resolve));
    const confirming: string[][] = [];
    const notifier = testNotifier({
      // The notifier reads the history through its store: counted there.
      store: new RuleStore({ db: db.db.withPlugin(reads), dialect: db.dialect } as never),
      // The provider's read, made at once: it shows the event's state.
      readJobs: (ids) => {
        confirming.push([...ids]);
        return Promise.resolve(ids.map(() => record('FAILED')));
      },
      enqueued,
      now: () => T0 + 3000,
    });
    await notifier.refresh();
    notifier.subscriber({
      kind: 'change',
      record: record('FAILED'),
      observation: { origin: 'event' },
      previous: { header: { state: 'IN_PROGRESS' } },
    });
    await done;
    expect(confirming).toEqual([[JOB]]);
    expect(reads.count).toBe(1);
    const rows = await db.db
      .selectFrom('notification_deliveries')
      .selectAll()
      .orderBy('rule_id')
      .execute();
    expect(rows.map((r) => [r.rule_id, r.job_id, r.type])).toEqual(
      [0, 1, 2, 3, 4].map((n) => [`nr_${n}`, JOB, 'job.failed']),
    );
    const bodies = rows.map((r) => JSON.parse(r.payload) as { data: Record<string, unknown> });
    bodies.forEach((b, n) => expect(b.data.rule).toEqual({ id: `nr_${n}`, name: `rule ${n}` }));
    expect(bodies[0]!.data.transitions).toHaveLength(3);
    const withoutRule = bodies.map(({ data: { rule: _, ...rest }, ...b }) => ({ ...b, ...rest }));
    withoutRule.forEach((b) => expect(b).toEqual(withoutRule[0]));
  });
});
