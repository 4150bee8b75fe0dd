// Notification rules through the real gateway (docs/notifications.md), on a real SQLite file and
// a real PostgreSQL server: who may make them, what is stored (sealed, masked, audited), and a
// test delivery verified by the `standardwebhooks` package at a receiver on 127.0.0.1.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { accountToken, operatorToken, readyz } from '../support/accountTokens.ts';
import { gql, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { historyStores } from '../support/historyStores.ts';
import { useNotifyingGateway } from './notifyingGateway.ts';
import { metricValue } from '../support/metrics.ts';
import type { Receiver } from '../support/webhookReceiver.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';

const CREATE = `mutation ($input: NotificationRuleInput!) {
  createNotificationRule(input: $input) { secret rule { id name on enabled disabledReason target { kind url } } }
}`;
const RULES = `{ notificationRules { nodes { id name target { kind url } enabled } totalCount } }`;
const TEST = `mutation ($id: ID!) { testNotificationRule(id: $id) { id type status attempts { statusCode error durationMs } } }`;
const RULE = `query ($id: ID!) { notificationRule(id: $id) { id enabled disabledReason
  deliveries(first: 10) { edges { cursor node { id type status attempts { statusCode } } } pageInfo { hasNextPage endCursor } } } }`;

describe.each(historyStores())('Notification rules on a $name', ({ skip, fresh }) => {
  let gw: TestGateway;
  let store: HistoryStoreConfig;
  let receiver: Receiver;
  const tokens = useNotifyingGateway(skip, fresh, (made) => ({ gw, receiver, store } = made));
  const input = (over: Record<string, unknown> = {}) => ({
    name: 'failed batch jobs',
    filter: { providers: ['AWS_BATCH'] },
    on: ['FAILED'],
    target: { kind: 'WEBHOOK', url: receiver.url },
    ...over,
  });
  /** A rule of `input()` created, its receiver given the secret it answered: the rule. */
  const createdVerified = async () => {
    const res = await gql(gw, CREATE, { token: tokens.notify, variables: { input: input() } });
    const { rule, secret } = res.body.data!.createNotificationRule;
    receiver.secret = secret;
    return rule;
  };
  const rawRows = async () => {
    const db = (await openHistoryDatabase(store))!;
    try {
      return {
        rules: await db.db.selectFrom('notification_rules').selectAll().execute(),
        changes: await db.db.selectFrom('notification_rule_changes').selectAll().execute(),
      };
    } finally {
      await db.close();
    }
  };

  it.skipIf(skip)(
    'refuses a jobs:read token (FORBIDDEN) and no token (UNAUTHENTICATED), storing nothing',
    async () => {
      const reader = await gql(gw, CREATE, { token: tokens.reader, variables: { input: input() } });
      expect(reader.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(reader.body.errors?.[0]?.message).toContain('notifications:write');
      const anonymous = await gql(gw, CREATE, { variables: { input: input() } });
      expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const list = await gql(gw, RULES, { token: tokens.reader });
      expect(list.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect((await rawRows()).rules).toEqual([]);
      // A refused notification field is no refused action on a job: no job-action audit line.
      const del = await gql(gw, `mutation { deleteNotificationRule(id: "nr_refused") }`, {
        token: tokens.reader,
      });
      expect(del.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(gw.logs.lines.filter((l) => l.includes('"audit":"job-action"'))).toEqual([]);
    },
  );

  it.skipIf(skip)(
    'shows the whsec_ secret once, the URL masked, and stores neither in clear; the change audited',
    async () => {
      const before = await metricValue(
        gw,
        'jobgraph_notification_rule_changes_total{change="CREATE"}',
      );
      const res = await gql(gw, CREATE, { token: tokens.notify, variables: { input: input() } });
      expect(res.body.errors).toBeUndefined();
      const created = res.body.data!.createNotificationRule;
      expect(created.secret).toMatch(/^whsec_[A-Za-z0-9+/]{43}=$/);
      expect(created.rule).toMatchObject({
        name: 'failed batch jobs',
        on: ['FAILED'],
        enabled: true,
        disabledReason: null,
        target: {
          kind: 'WEBHOOK',
          url: 'http://127.0.0.1/…'.replace('127.0.0.1', `127.0.0.1:${receiver.port}`),
        },
      });
      const list = await gql(gw, RULES, { token: tokens.notify });
      expect(JSON.stringify(list.body)).not.toContain(created.secret);
      expect(JSON.stringify(list.body)).not.toContain('/hook');
      const { rules, changes } = await rawRows();
      const row = JSON.stringify(rules);
      expect(row).not.toContain(created.secret.slice('whsec_'.length));
      expect(row).not.toContain('/hook');
      // The creator's grant (a token without the accounts claim: the default accounts), stored as
      // the (provider, account) pairs it reads.
      const pairs = JSON.parse(rules.find((r) => r.id === created.rule.id)!.accounts) as string[];
      expect(pairs).toContain('AWS_BATCH/default');
      expect(pairs.every((p) => p.endsWith('/default'))).toBe(true);
      expect(changes.filter((c) => c.rule_id === created.rule.id)).toEqual([
        expect.objectContaining({ change: 'CREATE', subject: 'oncall-ann' }),
      ]);
      expect(
        gw.logs.lines.some(
          (l) => l.includes('"audit":"notification-rule"') && l.includes(created.rule.id),
        ),
      ).toBe(true);
      expect(gw.logs.text()).not.toContain(created.secret);
      expect(
        await metricValue(gw, 'jobgraph_notification_rule_changes_total{change="CREATE"}'),
      ).toBe(before + 1);
    },
  );

  it.skipIf(skip)("refuses a rule naming an account outside the creator's grant", async () => {
    const res = await gql(gw, CREATE, {
      token: tokens.staging,
      variables: { input: input({ filter: { accounts: ['default'] } }) },
    });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const mine = await gql(gw, CREATE, { token: tokens.staging, variables: { input: input() } });
    expect(mine.body.errors).toBeUndefined();
    // The default-accounts caller does not see the staging rule, nor the other way round.
    const seen = await gql(gw, RULES, { token: tokens.notify });
    expect(seen.body.data?.notificationRules.nodes.map((r: { id: string }) => r.id)).not.toContain(
      mine.body.data?.createNotificationRule.rule.id,
    );
  });

  it.skipIf(skip)(
    'refuses a target that is not https, or on a private address, unless allowed',
    async () => {
      for (const url of [
        'http://example.com/hook',
        'https://10.0.0.5/hook',
        'https://169.254.169.254/latest',
      ]) {
        const res = await gql(gw, CREATE, {
          token: tokens.notify,
          variables: { input: input({ target: { kind: 'WEBHOOK', url } }) },
        });
        expect(res.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      }
    },
  );

  it.skipIf(skip)(
    'sends a signed test delivery the standardwebhooks package verifies, and lists it',
    async () => {
      const rule = await createdVerified();
      const test = await gql(gw, TEST, { token: tokens.notify, variables: { id: rule.id } });
      expect(test.body.errors).toBeUndefined();
      const delivery = test.body.data?.testNotificationRule;
      expect(delivery).toMatchObject({
        type: 'test',
        status: 'DELIVERED',
        attempts: [{ statusCode: 200, error: null }],
      });
      const got = receiver.received.at(-1)!;
      expect(got.verified).toBe(true);
      expect(got.headers['webhook-id']).toBe(delivery.id);
      expect(JSON.parse(got.body)).toMatchObject({ type: 'test', data: { rule: { id: rule.id } } });
      const page = await gql(gw, RULE, { token: tokens.notify, variables: { id: rule.id } });
      expect(
        page.body.data?.notificationRule.deliveries.edges.map(
          (e: { node: { id: string } }) => e.node.id,
        ),
      ).toEqual([delivery.id]);
    },
  );

  it.skipIf(skip)(
    'counts deliveries by outcome, and tells operators the outbox backlog at /readyz',
    async () => {
      const res = await gql(gw, CREATE, { token: tokens.notify, variables: { input: input() } });
      const { rule } = res.body.data!.createNotificationRule;
      const delivered = 'jobgraph_notifications_total{outcome="delivered"}';
      const before = await metricValue(gw, delivered);
      await gql(gw, TEST, { token: tokens.notify, variables: { id: rule.id } });
      expect(await metricValue(gw, delivered)).toBe(before + 1);
      // The backlog is counted each second: one count may have been taken while the test
      // delivery was in flight (depth 1), the next finds it delivered.
      const operator = await operatorToken(gw);
      await expect
        .poll(async () => (await readyz(gw.server.url, operator)).body.notifications, {
          timeout: 10_000,
        })
        .toEqual({ depth: 0, oldestAgeSeconds: 0 });
      expect(await metricValue(gw, 'jobgraph_notifications_queue_depth')).toBe(0);
    },
  );

  it.skipIf(skip)('updates, disables and deletes a rule, each change audited', async () => {
    const res = await gql(gw, CREATE, { token: tokens.notify, variables: { input: input() } });
    const { rule } = res.body.data!.createNotificationRule;
    const UPDATE = `mutation ($id: ID!, $input: NotificationRuleInput!) {
      updateNotificationRule(id: $id, input: $input) { id name on enabled disabledReason target { kind url } } }`;
    const updated = await gql(gw, UPDATE, {
      token: tokens.notify,
      variables: {
        id: rule.id,
        input: input({ name: 'all finishes', on: ['FAILED', 'SUCCEEDED'] }),
      },
    });
    expect(updated.body.data?.updateNotificationRule).toMatchObject({
      name: 'all finishes',
      on: ['FAILED', 'SUCCEEDED'],
      enabled: true,
    });
    const off = await gql(gw, UPDATE, {
      token: tokens.notify,
      variables: { id: rule.id, input: input({ enabled: false }) },
    });
    expect(off.body.data?.updateNotificationRule).toMatchObject({
      enabled: false,
      disabledReason: 'disabled by an update',
    });
    // Another account's caller cannot change it (it does not see it).
    const other = await gql(gw, UPDATE, {
      token: tokens.staging,
      variables: { id: rule.id, input: input() },
    });
    expect(other.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const DELETE = `mutation ($id: ID!) { deleteNotificationRule(id: $id) }`;
    const deleted = await gql(gw, DELETE, { token: tokens.notify, variables: { id: rule.id } });
    expect(deleted.body.data?.deleteNotificationRule).toBe(true);
    const gone = await gql(gw, RULE, { token: tokens.notify, variables: { id: rule.id } });
    expect(gone.body.data?.notificationRule).toBeNull();
    const { changes } = await rawRows();
    expect(changes.filter((c) => c.rule_id === rule.id).map((c) => c.change)).toEqual([
      'CREATE',
      'UPDATE',
      'DISABLE',
      'DELETE',
    ]);
  });

  it.skipIf(skip)(
    'disables and enables a rule given back as the graph shows it: the masked URL keeps the stored target, the real URL in no answer',
    async () => {
      const made = await gql(gw, CREATE, {
        token: tokens.notify,
        variables: {
          input: input({
            name: 'stuck batch jobs in us-east-1',
            filter: { providers: ['AWS_BATCH'], regions: ['us-east-1'], text: 'nightly' },
            on: ['FAILED', 'STUCK'],
            stuckAfterSeconds: 3600,
          }),
        },
      });
      const id = made.body.data!.createNotificationRule.rule.id as string;
      const SHOWN = `query ($id: ID!) { notificationRule(id: $id) { name on enabled stuckAfterSeconds
        stuckFactor filter { providers states regions accounts text } target { kind url } } }`;
      const UPDATE = `mutation ($id: ID!, $input: NotificationRuleInput!) {
        updateNotificationRule(id: $id, input: $input) { enabled disabledReason target { kind url } } }`;
      const stored = async () => (await rawRows()).rules.find((r) => r.id === id)!;
      const before = await stored();
      const answers: unknown[] = [made.body];
      for (const enabled of [false, true]) {
        const shown = await gql(gw, SHOWN, { token: tokens.notify, variables: { id } });
        answers.push(shown.body);
        const rule = shown.body.data!.notificationRule;
        expect(rule.target).toEqual({
          kind: 'WEBHOOK',
          url: `http://127.0.0.1:${receiver.port}/…`,
        });
        expect(rule.filter).toEqual({
          providers: ['AWS_BATCH'],
          states: null,
          regions: ['us-east-1'],
          accounts: null,
          text: 'nightly',
        });
        expect([rule.stuckAfterSeconds, rule.stuckFactor]).toEqual([3600, null]);
        const filter = Object.fromEntries(
          Object.entries(rule.filter as Record<string, unknown>).filter(([, v]) => v !== null),
        );
        const { name, on, stuckAfterSeconds, stuckFactor, target } = rule;
        const changed = await gql(gw, UPDATE, {
          token: tokens.notify,
          variables: {
            id,
            input: { name, filter, on, stuckAfterSeconds, stuckFactor, target, enabled },
          },
        });
        answers.push(changed.body);
        expect(changed.body.data?.updateNotificationRule.enabled).toBe(enabled);
        const now = await stored();
        // The stored target (sealed: the same ciphertext, never sealed again), filter and triggers.
        expect([
          now.target_sealed,
          now.target_shown,
          now.filter,
          now.triggers,
          now.accounts,
        ]).toEqual([
          before.target_sealed,
          before.target_shown,
          before.filter,
          before.triggers,
          before.accounts,
        ]);
        expect(now.enabled).toBe(enabled ? 1 : 0);
      }
      // Still delivering to the receiver (the same sealed URL), which no answer carried.
      const arriving = receiver.next();
      const test = await gql(gw, TEST, { token: tokens.notify, variables: { id } });
      answers.push(test.body);
      expect((await arriving).headers['webhook-id']).toBe(test.body.data?.testNotificationRule.id);
      for (const a of answers) expect(JSON.stringify(a)).not.toContain(receiver.url);
      await gql(gw, `mutation ($id: ID!) { deleteNotificationRule(id: $id) }`, {
        token: tokens.notify,
        variables: { id },
      });
    },
  );

  it.skipIf(skip)(
    'redelivers a delivery its receiver answered 500 with the same webhook-id; the rule stays enabled',
    async () => {
      const rule = await createdVerified();
      receiver.answers.push(500);
      const before = receiver.received.length;
      const test = await gql(gw, TEST, { token: tokens.notify, variables: { id: rule.id } });
      const delivery = test.body.data?.testNotificationRule;
      expect(delivery).toMatchObject({ status: 'RETRYING', attempts: [{ statusCode: 500 }] });
      const again = await gql(
        gw,
        `mutation ($id: ID!) { redeliverNotification(id: $id) { id status attempts { statusCode } } }`,
        { token: tokens.notify, variables: { id: delivery.id } },
      );
      expect(again.body.data?.redeliverNotification).toEqual({
        id: delivery.id,
        status: 'DELIVERED',
        attempts: [{ statusCode: 500 }, { statusCode: 200 }],
      });
      const got = receiver.received.slice(before);
      expect(got.map((r) => r.headers['webhook-id'])).toEqual([delivery.id, delivery.id]);
      expect(got.map((r) => r.verified)).toEqual([true, true]);
      const after = await gql(gw, RULE, { token: tokens.notify, variables: { id: rule.id } });
      expect(after.body.data?.notificationRule.enabled).toBe(true);
    },
  );

  it.skipIf(skip)(
    'disables the rule when its target answers 410 Gone, with the reason, audited',
    async () => {
      const rule = await createdVerified();
      receiver.answers.push(410);
      const test = await gql(gw, TEST, { token: tokens.notify, variables: { id: rule.id } });
      expect(test.body.data?.testNotificationRule).toMatchObject({
        status: 'FAILED',
        attempts: [{ statusCode: 410 }],
      });
      const after = await gql(gw, RULE, { token: tokens.notify, variables: { id: rule.id } });
      expect(after.body.data?.notificationRule).toMatchObject({
        enabled: false,
        disabledReason: 'the target answered 410 Gone',
      });
      const { changes } = await rawRows();
      expect(changes.filter((c) => c.rule_id === rule.id).map((c) => c.change)).toEqual([
        'CREATE',
        'TEST',
        'DISABLE',
      ]);
    },
  );
});

describe('Notifications with the history store off', () => {
  let gw: TestGateway;
  beforeAll(async () => {
    gw = await startTestGateway({ JOBGRAPH_HISTORY_URL: 'off' });
  });
  afterAll(() => gw?.close());
  it('are off, and a rule field says so', async () => {
    expect(gw.notifications).toBeNull();
    const token = await accountToken(gw, undefined, 'oncall-ann', [SCOPE_READ, SCOPE_NOTIFY]);
    const res = await gql(gw, RULES, { token });
    expect(res.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    expect(res.body.errors?.[0]?.message).toContain('JOBGRAPH_HISTORY_URL=off');
  });
});
