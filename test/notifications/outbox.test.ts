// The outbox's deliverer (src/notifications/outbox.ts) over a real SQLite file and a real
// PostgreSQL server, its clock injected: retries on the specification's schedule keep one
// webhook-id, Retry-After is honoured, 410 and 5 days of failures disable the rule, a chat
// rule's window goes as one message, a muted rule sends nothing, two replicas
// deliver each delivery once, and every delivery verifies with the `standardwebhooks` package.
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { sql } from 'kysely';
import { Webhook } from 'standardwebhooks';
import { createLogger } from '../../src/logger.ts';
import { GatewayMetrics } from '../../src/observability/metrics.ts';
import { openHistoryDatabase, type HistoryDatabase } from '../../src/history/database.ts';
import {
  DISABLE_AFTER_FAILING_MS,
  Outbox,
  OUTBOX_MAX_WAIT_MS,
} from '../../src/notifications/outbox.ts';
import { MIN_WAIT_MS } from '../../src/notifications/outboxOptions.ts';
import { RuleStore, type DeliveryRow, type RuleRow } from '../../src/notifications/ruleStore.ts';
import { RETRY_WAITS_MS, nextWaitMs } from '../../src/notifications/retrySchedule.ts';
import { createSecretBox, newSigningSecret } from '../../src/notifications/secretBox.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { LogCapture } from '../support/gateway.ts';
import { historyStores } from '../support/historyStores.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';
import { createdAudit, ruleRow } from '../support/ruleRows.ts';
import { StatementCount } from '../support/statementCount.ts';

const box = createSecretBox('a notification sealing key of 32+ characters');
let seq = 0;

function sealedRule(url: string, kind = 'WEBHOOK', secrets: string[] = []): RuleRow {
  const id = `nr_test_${++seq}`;
  return ruleRow({
    id,
    name: `rule ${seq}`,
    owner: 'tester',
    target_kind: kind,
    target_sealed: box.seal(id, 'target', url),
    target_shown: 'http://127.0.0.1/…',
    secret_sealed: secrets[0] ? box.seal(id, 'secret', secrets[0]) : null,
    previous_secret_sealed: secrets[1] ? box.seal(id, 'previous_secret', secrets[1]) : null,
    // A rotation under way: the previous secret signs until an hour from the clock's start.
    previous_secret_until: secrets[1] ? new Date(Date.now() + 3_600_000).toISOString() : null,
    created_at: new Date(0).toISOString(),
    updated_at: new Date(0).toISOString(),
  });
}

function deliveryOf(rule: RuleRow, at: number): DeliveryRow {
  return {
    id: `msg_${rule.id}`,
    rule_id: rule.id,
    job_id: 'batch:us-east-1:default:job-1',
    type: 'job.failed',
    payload: JSON.stringify({
      type: 'job.failed',
      timestamp: new Date(at).toISOString(),
      data: {
        rule: { id: rule.id, name: rule.name },
        job: {
          id: 'batch:us-east-1:default:job-1',
          name: 'nightly',
          state: 'FAILED',
          provider: 'AWS_BATCH',
        },
        transitions: [
          {
            at: new Date(at).toISOString(),
            from: 'RUNNING',
            to: 'FAILED',
            providerStatus: 'FAILED',
            source: 'READ',
          },
        ],
        consoleUrl: 'http://127.0.0.1:4000/console/jobs/x',
      },
    }),
    status: 'PENDING',
    attempts: 0,
    next_attempt_at: new Date(at).toISOString(),
    created_at: new Date(at).toISOString(),
  };
}

describe.each(historyStores())('The notification outbox on a $name', ({ skip, fresh }) => {
  let db: HistoryDatabase;
  let store: RuleStore;
  let receiver: Receiver;
  // The receiver verifies timestamps against the real clock: the injected one starts there.
  const clock = { t: Date.now() };
  const outbox = (extra: Partial<ConstructorParameters<typeof Outbox>[0]> = {}) =>
    new Outbox({
      store,
      box,
      allowHosts: ['127.0.0.1:*'],
      timeoutMs: 5000,
      hostConcurrency: 4,
      now: () => clock.t,
      random: () => 0,
      ...extra,
    });
  beforeAll(async () => {
    if (skip) return;
    db = (await openHistoryDatabase(await fresh()))!;
    store = new RuleStore(db);
    receiver = await startReceiver();
  });
  afterAll(async () => {
    await db?.close();
    await receiver?.close();
  });
  // Each test's deliveries are its own: what one leaves due is not the next one's.
  afterEach(async () => {
    if (skip) return;
    await db.db
      .updateTable('notification_deliveries')
      .set({ status: 'FAILED', next_attempt_at: null })
      .where('status', 'in', ['PENDING', 'RETRYING'])
      .execute();
    receiver.answers.length = 0;
    clock.t = Date.now();
  });
  const setUp = async (rule: RuleRow) => {
    await store.insert(rule, createdAudit(rule, 'tester'));
    const d = deliveryOf(rule, clock.t);
    await store.enqueue([d]);
    return d;
  };

  it.skipIf(skip)(
    'retries a 500 on the schedule with the same webhook-id, each verified; the rule stays enabled',
    async () => {
      const secret = newSigningSecret();
      receiver.secret = secret;
      const rule = sealedRule(receiver.url, 'WEBHOOK', [secret]);
      const d = await setUp(rule);
      receiver.answers.push(500);
      const before = receiver.received.length;
      const ob = outbox();
      await ob.runDue();
      expect((await store.delivery(d.id))?.status).toBe('RETRYING');
      // Not due before its first wait (5 s), due after it.
      clock.t += RETRY_WAITS_MS[0]! - 1;
      await ob.runDue();
      expect(receiver.received.length - before).toBe(1);
      clock.t += 1;
      await ob.runDue();
      const got = receiver.received.slice(before);
      expect(got.map((r) => r.headers['webhook-id'])).toEqual([d.id, d.id]);
      expect(got.map((r) => r.verified)).toEqual([true, true]);
      expect(await store.delivery(d.id)).toMatchObject({ status: 'DELIVERED', attempts: 2 });
      expect((await store.get(rule.id))?.enabled).toBe(1);
      const attempts = (await store.attemptsOf([d.id])).get(d.id)!;
      expect(attempts.map((a) => a.status_code)).toEqual([500, 200]);
    },
  );

  it.skipIf(skip)('signs with both secrets during a rotation: either verifies', async () => {
    const [now, previous] = [newSigningSecret(), newSigningSecret()];
    const rule = sealedRule(receiver.url, 'WEBHOOK', [now, previous]);
    const d = await setUp(rule);
    receiver.secret = previous;
    await outbox().runDue();
    const got = receiver.received.at(-1)!;
    expect(got.headers['webhook-id']).toBe(d.id);
    expect(got.headers['webhook-signature']!.split(' ')).toHaveLength(2);
    expect(got.verified).toBe(true);
    expect(() => new Webhook(now).verify(got.body, got.headers)).not.toThrow();
  });

  it.skipIf(skip)(
    "waits as long as a 429's Retry-After asks, when longer than the schedule's wait",
    async () => {
      const rule = sealedRule(receiver.url);
      const d = await setUp(rule);
      receiver.answers.push([429, { 'retry-after': '120' }]);
      await outbox().runDue();
      const row = await store.delivery(d.id);
      expect(row?.status).toBe('RETRYING');
      expect(Date.parse(row!.next_attempt_at!) - clock.t).toBe(120_000);
    },
  );

  it.skipIf(skip)(
    'fails a delivery whose schedule is spent but keeps its rule; disables the rule after 5 days of failures without a success',
    async () => {
      const rule = sealedRule(receiver.url);
      const d = await setUp(rule);
      const disabled: string[] = [];
      const ob = outbox({ onDisabled: (id, reason) => disabled.push(`${id}: ${reason}`) });
      const failedAt = clock.t;
      for (let i = 0; i <= RETRY_WAITS_MS.length; i++) {
        receiver.answers.push(503);
        await ob.runDue();
        clock.t += RETRY_WAITS_MS[i] ?? 0;
      }
      expect(await store.delivery(d.id)).toMatchObject({ status: 'FAILED', attempts: 10 });
      // One delivery's spent retries: the rule stays, its target failing since the first 503.
      expect(await store.get(rule.id)).toMatchObject({
        enabled: 1,
        failing_since: new Date(failedAt).toISOString(),
      });
      expect(disabled).toEqual([]);

      // A success clears it; the next failures count from their own first.
      const ok = { ...deliveryOf(rule, clock.t), id: `msg_${rule.id}_ok` };
      await store.enqueue([ok]);
      await ob.runDue();
      expect((await store.get(rule.id))?.failing_since).toBeNull();

      // Failing again, and still failing 5 days later with no success: the rule is disabled.
      const again = { ...deliveryOf(rule, clock.t), id: `msg_${rule.id}_again` };
      await store.enqueue([again]);
      receiver.answers.push(503);
      await ob.runDue();
      clock.t += DISABLE_AFTER_FAILING_MS;
      const late = { ...deliveryOf(rule, clock.t), id: `msg_${rule.id}_late` };
      await store.enqueue([late]);
      receiver.answers.push(503, 503);
      await ob.runDue();
      expect(await store.get(rule.id)).toMatchObject({
        enabled: 0,
        disabled_reason: 'the target failed for 5 days without a success',
      });
      expect(disabled).toEqual([`${rule.id}: the target failed for 5 days without a success`]);
      expect((await store.changes(rule.id)).map((c) => c.change)).toEqual(['CREATE', 'DISABLE']);
    },
  );

  it.skipIf(skip)(
    "sends a chat rule's deliveries of one window as one message naming them all, by cause and by queue",
    async () => {
      for (const kind of ['SLACK', 'TEAMS']) {
        const rule = { ...sealedRule(receiver.url, kind), group_window_seconds: 30 };
        await store.insert(rule, createdAudit(rule, 'tester'));
        const categories = ['OUT_OF_MEMORY', 'SPOT_RECLAIMED', 'USER_CODE'];
        // 30 failures, more than one claim takes (50 a claim, but the window is taken whole).
        const rows = Array.from({ length: 30 }, (_, i) => {
          const d = deliveryOf(rule, clock.t);
          const body = JSON.parse(d.payload) as Record<string, any>;
          body.data.job = {
            ...body.data.job,
            id: `batch:us-east-1:job-${i}`,
            name: `etl-${i}`,
            jobQueue: `arn:aws:batch:us-east-1:123456789012:job-queue/${i < 20 ? 'nightly' : 'adhoc'}`,
          };
          body.data.failure = {
            category: categories[i % 3],
            retryable: false,
            summary: 's',
            evidence: [],
            rulesVersion: '1',
          };
          return { ...d, id: `msg_${rule.id}_${i}`, payload: JSON.stringify(body) };
        });
        await store.enqueue(rows);
        const before = receiver.received.length;
        await outbox().runDue();
        const got = receiver.received.slice(before);
        expect(got).toHaveLength(1);
        const message = JSON.parse(got[0]!.body) as Record<string, any>;
        const text = JSON.stringify(message);
        const title =
          kind === 'SLACK' ? message.text : message.attachments[0].content.body[0].inlines[0].text;
        expect(title).toBe(`30 jobs failed (rule "${rule.name}")`);
        expect(text).toContain('10 OUT_OF_MEMORY · 10 SPOT_RECLAIMED · 10 USER_CODE');
        expect(text).toContain('20 nightly · 10 adhoc');
        expect(text).toContain('…and 25 more');
        if (kind === 'SLACK') expect(message.text).toContain('30 jobs failed');
        else
          expect(message.attachments[0].contentType).toBe(
            'application/vnd.microsoft.card.adaptive',
          );
        for (const d of rows)
          expect(await store.delivery(d.id)).toMatchObject({ status: 'DELIVERED', attempts: 1 });
      }
    },
  );

  it.skipIf(skip)(
    'sends nothing for a muted rule: its deliveries are failed as muted',
    async () => {
      const rule = {
        ...sealedRule(receiver.url, 'SLACK'),
        muted_until: new Date(clock.t + 3_600_000).toISOString(),
      };
      const d = await setUp(rule);
      const before = receiver.received.length;
      await outbox().runDue();
      expect(receiver.received.length).toBe(before);
      expect(await store.delivery(d.id)).toMatchObject({ status: 'FAILED' });
      expect((await store.attemptsOf([d.id])).get(d.id)?.[0]?.error).toBe('rule muted');
    },
  );

  it.skipIf(skip)(
    'sends a Slack target text and blocks, and a Teams target an Adaptive Card, unsigned',
    async () => {
      for (const kind of ['SLACK', 'TEAMS']) {
        const rule = sealedRule(receiver.url, kind);
        await setUp(rule);
        await outbox().runDue();
        const got = receiver.received.at(-1)!;
        expect(got.headers['webhook-signature']).toBeUndefined();
        const body = JSON.parse(got.body) as Record<string, any>;
        if (kind === 'SLACK') {
          expect(body.text).toBe('nightly is FAILED (AWS_BATCH)');
          expect(body.blocks[1].text.text).toContain('*Event:* job.failed');
        } else {
          expect(body.attachments[0].contentType).toBe('application/vnd.microsoft.card.adaptive');
          expect(body.attachments[0].content.body[0].inlines[0].text).toBe(
            'nightly is FAILED (AWS_BATCH)',
          );
        }
      }
    },
  );

  it.skipIf(skip)('never delivers a job of an account the rule does not hold', async () => {
    const rule = sealedRule(receiver.url);
    const d = await setUp(rule);
    const before = receiver.received.length;
    await outbox({ holds: () => false }).runDue();
    expect(receiver.received.length).toBe(before);
    expect(await store.delivery(d.id)).toMatchObject({ status: 'FAILED' });
  });

  it.skipIf(skip)(
    "records a claimed batch's attempts with one insert and one update, not two statements an attempt",
    async () => {
      const rules = Array.from({ length: 5 }, () => sealedRule(receiver.url));
      const ids = [];
      for (const r of rules) ids.push((await setUp(r)).id);
      receiver.answers.push(503);
      const count = new StatementCount();
      const counted = new RuleStore({ db: db.db.withPlugin(count), dialect: db.dialect } as never);
      const before = receiver.received.length;
      await outbox({ store: counted }).runDue();
      expect(receiver.received.length - before).toBe(5);
      // Four delivered, one retried: two statuses, each one update of every delivery it names.
      expect(count.of('InsertQueryNode', 'notification_attempts')).toBe(1);
      // The claim's lease, then one update a status.
      expect(count.of('UpdateQueryNode', 'notification_deliveries')).toBe(3);
      const attempts = await store.attemptsOf(ids);
      expect(ids.map((id) => attempts.get(id)?.length)).toEqual([1, 1, 1, 1, 1]);
      const rows = await Promise.all(ids.map((id) => store.delivery(id)));
      expect(rows.map((r) => r?.attempts)).toEqual([1, 1, 1, 1, 1]);
      expect(rows.filter((r) => r?.status === 'DELIVERED')).toHaveLength(4);
      expect(rows.filter((r) => r?.status === 'RETRYING')).toHaveLength(1);
    },
  );

  it.skipIf(skip)(
    'sleeps until the next delivery is due, one timer, rather than reading the outbox each second',
    async () => {
      const { timers, schedule, live } = manualTimers();
      const count = new StatementCount();
      const counted = new RuleStore({ db: db.db.withPlugin(count), dialect: db.dialect } as never);
      const ob = outbox({ store: counted, schedule });
      await ob.start();
      // Nothing due: the claim and one count, then one timer for the longest wait.
      expect(count.of('SelectQueryNode', 'notification_deliveries')).toBe(2);
      expect(count.total).toBe(2);
      expect(live()).toEqual([OUTBOX_MAX_WAIT_MS]);
      // A delivery answered 500 is due again in 5 s: the timer is armed for then, and fires it.
      const d = await setUp(sealedRule(receiver.url));
      receiver.answers.push(500);
      await ob.kick();
      expect(live()).toEqual([RETRY_WAITS_MS[0]]);
      expect((await store.delivery(d.id))?.status).toBe('RETRYING');
      clock.t += RETRY_WAITS_MS[0]!;
      const fired = timers.length;
      runDue(timers);
      await vi.waitFor(() => expect(timers.length).toBe(fired + 1), EVENTUALLY);
      expect(await store.delivery(d.id)).toMatchObject({ status: 'DELIVERED', attempts: 2 });
      expect(live()).toEqual([OUTBOX_MAX_WAIT_MS]);
      await ob.close();
      expect(live()).toEqual([]);
    },
  );

  it.skipIf(skip)(
    'tries a pass the database failed again after MIN_WAIT_MS, not the longest wait, and delivers then',
    async () => {
      const { timers, schedule, live } = manualTimers();
      let refusals = 0;
      class RefusingOnce extends RuleStore {
        override claim(...args: Parameters<RuleStore['claim']>): Promise<DeliveryRow[]> {
          if (refusals === 0) return super.claim(...args);
          refusals -= 1;
          return Promise.reject(new Error('timeout exceeded when trying to connect'));
        }
      }
      const ob = outbox({ store: new RefusingOnce(db), schedule });
      await ob.start();
      expect(live()).toEqual([OUTBOX_MAX_WAIT_MS]);
      // A delivery enqueued, and the kick's claim refused once, as a pool refuses a connection
      // not had in time on a busy machine.
      const d = await setUp(sealedRule(receiver.url));
      refusals = 1;
      await ob.kick();
      expect(refusals).toBe(0);
      expect((await store.delivery(d.id))?.status).toBe('PENDING');
      expect(live()).toEqual([MIN_WAIT_MS]);
      runDue(timers);
      await vi.waitFor(
        async () => expect((await store.delivery(d.id))?.status).toBe('DELIVERED'),
        EVENTUALLY,
      );
      await ob.close();
    },
  );

  it.skipIf(skip)(
    'says a pass its store refused in one warn line with no secret of the error, counts it, and delivers once the store takes it again',
    async () => {
      const { timers, schedule, live } = manualTimers();
      const logs = new LogCapture();
      const metrics = new GatewayMetrics(() => []);
      const counted = metrics.notificationsMetrics();
      const ob = outbox({
        schedule,
        logger: createLogger('info', [], logs),
        onPassFailed: () => counted.outboxFailure(),
      });
      const failures = async () =>
        (
          await metrics.registry
            .getSingleMetric('jobgraph_notification_outbox_failures_total')!
            .get()
        ).values[0]?.value ?? 0;
      const warned = () =>
        logs.lines
          .map((l) => JSON.parse(l) as Record<string, unknown>)
          .filter((l) => l.level === 40);
      await ob.start();
      // The database refuses the claim's lease (a trigger's error, whose text echoes secrets).
      for (const statement of REFUSE_CLAIMS[db.dialect.name].on)
        await sql.raw(statement).execute(db.db);
      const d = await setUp(sealedRule(receiver.url));
      const before = receiver.received.length;
      await ob.kick();
      expect(warned()).toHaveLength(1);
      expect(warned()[0]).toMatchObject({ failedPasses: 1, retryInMs: MIN_WAIT_MS });
      expect(warned()[0]!.code).toBe(db.dialect.name === 'sqlite' ? 'ERR_SQLITE_ERROR' : 'P0001');
      expect(warned()[0]!.reason).toContain('the store refuses claims');
      for (const secret of SECRETS_ECHOED) expect(logs.text()).not.toContain(secret);
      expect(await failures()).toBe(1);
      expect((await store.delivery(d.id))?.status).toBe('PENDING');
      expect(live()).toEqual([MIN_WAIT_MS]);
      // The store takes claims again: the timer's pass delivers it, once.
      for (const statement of REFUSE_CLAIMS[db.dialect.name].off)
        await sql.raw(statement).execute(db.db);
      runDue(timers);
      await vi.waitFor(
        async () => expect((await store.delivery(d.id))?.status).toBe('DELIVERED'),
        EVENTUALLY,
      );
      const got = receiver.received.slice(before).map((r) => r.headers['webhook-id']);
      expect(got).toEqual([d.id]);
      expect(await failures()).toBe(1);
      expect(warned()).toHaveLength(1);
      // Delivered at once (an event's confirmation) and its record refused: said and counted as a
      // pass is, never silent; still PENDING, so it is sent again when due.
      for (const statement of REFUSE_CLAIMS[db.dialect.name].on)
        await sql.raw(statement).execute(db.db);
      const now = await setUp(sealedRule(receiver.url));
      await ob.deliverNow([(await store.delivery(now.id))!]);
      expect(warned()).toHaveLength(2);
      expect(warned()[1]).toMatchObject({ deliveries: 1, code: warned()[0]!.code });
      expect(warned()[1]!.reason).toContain('the store refuses claims');
      for (const secret of SECRETS_ECHOED) expect(logs.text()).not.toContain(secret);
      expect([await failures(), (await store.delivery(now.id))?.status]).toEqual([2, 'PENDING']);
      for (const statement of REFUSE_CLAIMS[db.dialect.name].off)
        await sql.raw(statement).execute(db.db);
      await ob.close();
    },
  );

  it.skipIf(skip)('lets two replicas deliver each delivery once', async () => {
    const rules = Array.from({ length: 6 }, () => sealedRule(receiver.url));
    const ids = [];
    for (const r of rules) ids.push((await setUp(r)).id);
    const before = receiver.received.length;
    await Promise.all([outbox().runDue(), outbox().runDue()]);
    const got = receiver.received
      .slice(before)
      .map((r) => r.headers['webhook-id'])
      .sort();
    expect(got).toEqual([...ids].sort());
  });
});

/** Secrets a store's error may echo: a `whsec_` secret, a URL's password and query, tokens. */
const SECRETS_ECHOED = [
  'whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw',
  'hunter2pass',
  'sig=0123456789abcdef',
  'opaque-bearer-7f3a9c',
  'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJlMTIz',
];
const REFUSAL = `the store refuses claims: ${SECRETS_ECHOED[0]} postgres://ann:${SECRETS_ECHOED[1]}@db.internal/x https://hooks.example.com/in?${SECRETS_ECHOED[2]} Bearer ${SECRETS_ECHOED[3]} ${SECRETS_ECHOED[4]}`;
/** A trigger refusing every update of the deliveries (a claim's lease), per backend: made, dropped. */
const REFUSE_CLAIMS = {
  sqlite: {
    on: [
      `CREATE TRIGGER refuse_claims BEFORE UPDATE ON notification_deliveries BEGIN SELECT RAISE(ABORT, '${REFUSAL}'); END`,
    ],
    off: ['DROP TRIGGER refuse_claims'],
  },
  postgres: {
    on: [
      `CREATE OR REPLACE FUNCTION refuse_claims() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION '${REFUSAL}'; END $$`,
      'CREATE TRIGGER refuse_claims BEFORE UPDATE ON notification_deliveries FOR EACH ROW EXECUTE FUNCTION refuse_claims()',
    ],
    off: ['DROP TRIGGER refuse_claims ON notification_deliveries'],
  },
} as const;

/** A `schedule` whose timers only run when the test says so; `live()`: the delays armed, in ms. */
function manualTimers() {
  const timers: { ms: number; run: () => void; live: boolean }[] = [];
  const schedule = (run: () => void, ms: number) => {
    const t = { ms, run, live: true };
    timers.push(t);
    return { cancel: () => void (t.live = false) };
  };
  const live = () => timers.filter((t) => t.live).map((t) => t.ms);
  return { timers, schedule, live };
}

/** Runs the first timer still armed, as its delay ending would. */
function runDue(timers: { run: () => void; live: boolean }[]): void {
  const due = timers.find((t) => t.live)!;
  due.live = false;
  due.run();
}
describe('The retry schedule', () => {
  it('is the specification’s: 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 14 h, 20 h, 24 h, then spent', () => {
    const waits = Array.from({ length: 10 }, (_, i) => nextWaitMs(i + 1, null, () => 0));
    expect(waits).toEqual([5e3, 3e5, 18e5, 72e5, 18e6, 36e6, 504e5, 72e6, 864e5, null]);
    expect(nextWaitMs(1, null, () => 0.5)).toBe(5250);
  });
});
