// The notifier's periodic read of the rules (src/notifications/notifier.ts `refreshIfChanged`),
// over a real SQLite file and a real PostgreSQL server, the clock injected: while no rule changed
// it reads one row (the rules' version) and keeps its index; another replica's change, a delete,
// or five minutes passed make it read and index the rules again.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openHistoryDatabase, type HistoryDatabase } from '../../src/history/database.ts';
import type { Notifier } from '../../src/notifications/notifier.ts';
import { RuleStore } from '../../src/notifications/ruleStore.ts';
import { historyStores } from '../support/historyStores.ts';
import { ruleRow } from '../support/ruleRows.ts';
import { StatementCount } from '../support/statementCount.ts';
import { testNotifier } from '../support/testNotifier.ts';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const iso = (t: number) => new Date(t).toISOString();
const audit = (ruleId: string) =>
  ({ ruleId, at: iso(T0), change: 'CREATE', subject: null, reason: null }) as const;

describe.each(historyStores())('The rules read again on a $name', ({ skip, fresh }) => {
  let db: HistoryDatabase;
  let store: RuleStore;
  let notifier: Notifier;
  const count = new StatementCount();
  const clock = { t: T0 };
  beforeAll(async () => {
    if (skip) return;
    db = (await openHistoryDatabase(await fresh()))!;
    store = new RuleStore(db);
    for (const id of ['nr_a', 'nr_b', 'nr_c'])
      await store.insert(ruleRow({ id, created_at: iso(T0), updated_at: iso(T0) }), audit(id));
    const counted = new RuleStore({ db: db.db.withPlugin(count), dialect: db.dialect } as never);
    notifier = testNotifier({
      store: counted,
      now: () => clock.t,
    });
    await notifier.refresh();
  });
  afterAll(() => db?.close());

  const check = async (ms: number) => {
    clock.t += ms;
    count.reset();
    const before = notifier.rules;
    await notifier.refreshIfChanged();
    return { again: notifier.rules !== before, statements: count.total };
  };

  it.skipIf(skip)('keeps its index while no rule changed: one row read', async () => {
    expect(notifier.rules.map((r) => r.id)).toEqual(['nr_a', 'nr_b', 'nr_c']);
    expect(await check(30_000)).toEqual({ again: false, statements: 1 });
    expect(await check(30_000)).toEqual({ again: false, statements: 1 });
  });

  it.skipIf(skip)("reads them again after another replica's update or delete", async () => {
    await store.update('nr_b', { name: 'renamed', updated_at: iso(clock.t) }, audit('nr_b'));
    expect(await check(30_000)).toEqual({ again: true, statements: 3 });
    expect(notifier.rules.find((r) => r.id === 'nr_b')?.name).toBe('renamed');
    expect(await check(30_000)).toEqual({ again: false, statements: 1 });
    await store.delete('nr_c', audit('nr_c'));
    expect(await check(30_000)).toEqual({ again: true, statements: 3 });
    expect(notifier.rules.map((r) => r.id)).toEqual(['nr_a', 'nr_b']);
  });

  it.skipIf(skip)('reads them all every five minutes, whatever the version says', async () => {
    // A change the version cannot see (the same count and newest `updated_at`).
    await db.db
      .updateTable('notification_rules')
      .set({ name: 'unseen' })
      .where('id', '=', 'nr_a')
      .execute();
    let seen = false;
    for (let i = 0; i < 10 && !seen; i++) seen = (await check(30_000)).again;
    expect(notifier.rules.find((r) => r.id === 'nr_a')?.name).toBe('unseen');
  });
});
