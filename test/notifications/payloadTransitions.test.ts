// A job.failed delivery lists the transition that fired it (issue 106, item 5): an event's
// transition is written by the history's next batch, which may come after the confirming read
// built the payload; the payload's transitions end with it all the same. Over a real SQLite
// history holding none of the job's transitions yet.
import { describe, expect, it } from 'vitest';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { withFiring } from '../../src/notifications/notifier.ts';
import { RuleStore, type DeliveryRow } from '../../src/notifications/ruleStore.ts';
import type { WebhookBody } from '../../src/notifications/payload.ts';
import { historyStores } from '../support/historyStores.ts';
import { batchRecord, createdAudit, ruleRow } from '../support/ruleRows.ts';
import { testNotifier } from '../support/testNotifier.ts';

const T0 = Date.parse('2026-11-28T10:00:00Z');
const JOB = 'batch:us-east-1:0f0e0d0c-0b0a-4908-8706-050403020100';
const iso = (ms: number) => new Date(ms).toISOString();
const [sqlite] = historyStores();

describe('A delivery an event fired', () => {
  it('lists the firing transition last, though the history has not written it yet', async () => {
    const db = (await openHistoryDatabase(await sqlite!.fresh()))!;
    try {
      const store = new RuleStore(db);
      const rule = ruleRow({ filter: '{"providers":["AWS_BATCH"]}', created_at: iso(T0) });
      await store.insert({ ...rule, updated_at: iso(T0) }, createdAudit(rule));
      let delivered!: (rows: readonly DeliveryRow[]) => void;
      const deliveries = new Promise<readonly DeliveryRow[]>((r) => (delivered = r));
      const notifier = testNotifier({
        store,
        readJobs: (ids) => Promise.resolve(ids.map((id) => batchRecord(id, 'FAILED', iso(T0)))),
        now: () => T0 + 3000,
        deliver: (rows) => delivered(rows),
      });
      await notifier.refresh();
      notifier.subscriber({
        kind: 'change',
        record: batchRecord(JOB, 'FAILED', iso(T0)),
        observation: { origin: 'event', at: T0 + 2000 },
        previous: { header: { state: 'IN_PROGRESS' } },
      });
      const [row] = await deliveries;
      const body = JSON.parse(row!.payload) as WebhookBody;
      expect(body.data.transitions.at(-1)).toMatchObject({
        at: iso(T0 + 2000),
        from: 'IN_PROGRESS',
        to: 'FAILED',
        source: 'EVENT',
      });
    } finally {
      await db.close();
    }
  });

  it('is not listed twice when the history wrote it already', () => {
    const written = {
      at: iso(T0),
      from: 'IN_PROGRESS',
      to: 'FAILED',
      providerStatus: 'FAILED',
      source: 'EVENT',
    };
    expect(withFiring([written], { ...written, at: iso(T0 + 5) })).toEqual([written]);
  });
});

describe('A multi-node job that failed', () => {
  it('is one chat message, counting its nodes; each node stays a webhook event of its own', async () => {
    const db = (await openHistoryDatabase(await sqlite!.fresh()))!;
    try {
      const store = new RuleStore(db);
      for (const [id, kind] of [
        ['nr_chat', 'SLACK'],
        ['nr_hook', 'WEBHOOK'],
      ] as const) {
        const rule = ruleRow({
          id,
          filter: '{"providers":["AWS_BATCH"]}',
          target_kind: kind,
          created_at: iso(T0),
        });
        await store.insert({ ...rule, updated_at: iso(T0) }, createdAudit(rule));
      }
      const parent = 'batch:us-east-1:1a2b3c4d-0000-4000-8000-00000000a001';
      const nodes = [0, 1, 2].map((n) => `${parent}#${n}`);
      const recordOf = (id: string) => ({
        ...batchRecord(id, 'FAILED', iso(T0)),
        ...(id === parent
          ? { nodeProperties: { numNodes: 3, mainNode: 0, nodeRangeProperties: [] } }
          : {}),
      });
      const rows: DeliveryRow[] = [];
      let delivered!: () => void;
      const all = new Promise<void>((r) => (delivered = r));
      const notifier = testNotifier({
        store,
        readJobs: (ids) => Promise.resolve(ids.map(recordOf)),
        now: () => T0 + 3000,
        deliver: (made) => {
          rows.push(...made);
          delivered();
        },
      });
      await notifier.refresh();
      for (const id of [parent, ...nodes])
        notifier.subscriber({
          kind: 'change',
          record: recordOf(id),
          observation: { origin: 'event', at: T0 + 2000 },
          previous: { header: { state: 'IN_PROGRESS' } },
        });
      await all;
      const to = (rule: string) => rows.filter((r) => r.rule_id === rule).map((r) => r.job_id);
      expect(to('nr_chat')).toEqual([parent]);
      expect(to('nr_hook').sort()).toEqual([parent, ...nodes].sort());
      const chat = JSON.parse(rows.find((r) => r.rule_id === 'nr_chat')!.payload) as WebhookBody;
      expect(chat.data.parts).toBe('3 nodes');
    } finally {
      await db.close();
    }
  });
});
