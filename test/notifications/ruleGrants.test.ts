// Whose a notification rule is (docs/notifications.md, "Whose a rule is"), through the real demo
// gateway on the emulators, on a real SQLite file and a real PostgreSQL server: a grant is a
// (provider, account) pair, so a rule covers the pairs its creator's grant holds — a token granted
// `staging` on Tencent COS only makes a rule that never takes an AWS Batch job of staging, and a
// token granted `staging` on AWS only neither sees nor changes a rule of every account; the bounds
// (rules an account, filter text, URL); and a rule stored before pairs, converted and disabled.
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import { BATCH_SECOND_ACCOUNT_JOB_IDS } from '@jobgraph/emulators/batch/secondAccount';
import { DEMO_SECOND_AWS_ACCOUNT } from '@jobgraph/emulators';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { BARE_ALIASES_REASON } from '../../src/notifications/bareRules.ts';
import { RuleStore } from '../../src/notifications/ruleStore.ts';
import { MAX_RULES } from '../../src/notifications/ruleBound.ts';
import type { HistoryStoreConfig } from '../../src/config/types.ts';
import { accountToken, notifyTokens } from '../support/accountTokens.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { gql, startTestGateway, type GqlResult, type TestGateway } from '../support/gateway.ts';
import { historyStores, historyUrlOf } from '../support/historyStores.ts';
import { createdAudit, ruleRow } from '../support/ruleRows.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';

const CREATE = `mutation ($input: NotificationRuleInput!) {
  createNotificationRule(input: $input) { secret rule { id } } }`;
const UPDATE = `mutation ($id: ID!, $input: NotificationRuleInput!) {
  updateNotificationRule(id: $id, input: $input) { id } }`;
const ROTATE = `mutation ($id: ID!) { rotateNotificationSecret(id: $id) { secret } }`;
const TEST = `mutation ($id: ID!) { testNotificationRule(id: $id) { id } }`;
const DELETE = `mutation ($id: ID!) { deleteNotificationRule(id: $id) }`;
const RULE = `query ($id: ID!) { notificationRule(id: $id) {
  id enabled disabledReason target { url } covers { provider account } } }`;
const RULES = `query ($after: String) { notificationRules(first: 100, after: $after) {
  nodes { id } pageInfo { hasNextPage endCursor } totalCount } }`;
const READ = `query ($id: ID!) { job(id: $id) { state } }`;

/** A page of `notificationRules` as RULES reads it. */
interface RulesPage {
  nodes: { id: string }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
  totalCount: number;
}

/** AWS Batch's running job of the staging account, by its global ID. */
const STAGING_BATCH_JOB = BATCH_SECOND_ACCOUNT_JOB_IDS.running;
const stagingBatchId = `batch@${DEMO_SECOND_AWS_ACCOUNT.alias}:us-east-1:${STAGING_BATCH_JOB}`;
/** A rule stored before pairs: the bare alias `staging`, enabled. */
const bareRule = ruleRow({
  id: 'nr_bare_staging',
  accounts: '["staging"]',
  target_sealed: 'sealed by a gateway before',
  target_shown: 'https://hooks.example.com/…',
  created_at: '2026-11-01T00:00:00.000Z',
  updated_at: '2026-11-01T00:00:00.000Z',
});

describe.each(historyStores())('Whose a notification rule is, on a $name', ({ skip, fresh }) => {
  let gw: TestGateway;
  let store: HistoryStoreConfig;
  let receiver: Receiver;
  const tokens = { every: '', cosStaging: '', awsStaging: '', staging: '', home: '' };
  beforeAll(async () => {
    if (skip) return;
    store = await fresh();
    // A rule of bare aliases, as a gateway before pairs stored it.
    const db = (await openHistoryDatabase(store))!;
    await new RuleStore(db).insert(bareRule, createdAudit(bareRule));
    await db.close();
    receiver = await startReceiver();
    // Cache off: the staging job is read running, then failed (a transition the history sees).
    gw = await startTestGateway({
      JOBGRAPH_HISTORY_URL: historyUrlOf(store),
      JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*',
      JOBGRAPH_CACHE_MAX_ENTRIES: '0',
    });
    Object.assign(tokens, await notifyTokens(gw));
    tokens.home = await accountToken(gw, undefined, 'home-ed', [SCOPE_READ, SCOPE_NOTIFY]);
  });
  afterAll(async () => {
    await gw?.close();
    await receiver?.close();
  });

  const input = (over: Record<string, unknown> = {}) => ({
    name: 'failures',
    on: ['FAILED'],
    target: { kind: 'WEBHOOK', url: receiver.url },
    ...over,
  });
  const create = async (token: string, over: Record<string, unknown> = {}) => {
    const res = await gql(gw, CREATE, { token, variables: { input: input(over) } });
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.createNotificationRule.rule.id as string;
  };
  const deliveriesOf = (ruleId: string) =>
    receiver.received.filter(
      (r) => (JSON.parse(r.body) as { data: { rule: { id: string } } }).data.rule.id === ruleId,
    );
  const auditOf = async (ruleId: string) => {
    const db = (await openHistoryDatabase(store))!;
    try {
      return await db.db
        .selectFrom('notification_rule_changes')
        .selectAll()
        .where('rule_id', '=', ruleId)
        .execute();
    } finally {
      await db.close();
    }
  };

  it.skipIf(skip)(
    "a COS-only staging token's rule receives no AWS Batch job of staging that failed",
    async () => {
      const cosRule = await create(tokens.cosStaging);
      // The oracle that the failure was delivered: a rule of every account on staging's Batch jobs.
      const control = await create(tokens.every, {
        filter: { providers: ['AWS_BATCH'], accounts: ['staging'] },
      });
      const read = (token: string) => gql(gw, READ, { token, variables: { id: stagingBatchId } });
      expect((await read(tokens.every)).body.data?.job?.state).toBe('IN_PROGRESS');
      gw.emulators.batch.jobs!.changeState(STAGING_BATCH_JOB, 'FAILED', {
        account: DEMO_SECOND_AWS_ACCOUNT.accountId,
      });
      expect((await read(tokens.every)).body.data?.job?.state).toBe('FAILED');
      await vi.waitFor(async () => {
        await gw.history!.settled();
        await gw.notifications!.outbox.runDue();
        expect(deliveriesOf(control)).toHaveLength(1);
      }, EVENTUALLY);
      expect(deliveriesOf(cosRule)).toEqual([]);
      // The same token may not read that job either.
      const refused = await read(tokens.cosStaging);
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      // What the COS-only rule covers: staging on COS Batch alone.
      const shown = await gql(gw, RULE, { token: tokens.cosStaging, variables: { id: cosRule } });
      expect(shown.body.data?.notificationRule.covers).toEqual([
        { provider: 'TENCENT_COS_BATCH', account: 'staging' },
      ]);
    },
  );

  it.skipIf(skip)(
    'a token holding staging on one cloud neither sees nor rotates nor retargets an all-accounts staging rule',
    async () => {
      const id = await create(tokens.every, { filter: { accounts: ['staging'] } });
      const as = (query: string, variables: Record<string, unknown>) =>
        gql(gw, query, { token: tokens.awsStaging, variables });
      const notFound = (res: Awaited<ReturnType<typeof as>>) =>
        expect(res.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      notFound(await as(ROTATE, { id }));
      notFound(await as(UPDATE, { id, input: input({ name: 'mine now' }) }));
      notFound(await as(TEST, { id }));
      notFound(await as(DELETE, { id }));
      expect((await as(RULE, { id })).body.data?.notificationRule).toBeNull();
      const listed = await as(RULES, { after: null });
      expect(
        listed.body.data?.notificationRules.nodes.map((r: { id: string }) => r.id),
      ).not.toContain(id);
      // Untouched: its creator sees it as made, and only its creation is audited.
      const own = await gql(gw, RULE, { token: tokens.every, variables: { id } });
      expect(own.body.data?.notificationRule).toMatchObject({ id, enabled: true, covers: null });
      expect((await auditOf(id)).map((c) => c.change)).toEqual(['CREATE']);
    },
  );

  it.skipIf(skip)(
    'refuses a filter naming an account the token does not hold on every provider it names',
    async () => {
      const refused = await gql(gw, CREATE, {
        token: tokens.cosStaging,
        variables: { input: input({ filter: { accounts: ['staging'] } }) },
      });
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(refused.body.errors?.[0]?.message).toContain('staging on AWS_BATCH');
      const onCos = await create(tokens.cosStaging, {
        filter: { providers: ['TENCENT_COS_BATCH'], accounts: ['staging'] },
      });
      expect(onCos).toMatch(/^nr_/);
    },
  );

  it.skipIf(skip)(
    'bounds filter.text and the target URL (BAD_USER_INPUT naming each)',
    async () => {
      const text = await gql(gw, CREATE, {
        token: tokens.every,
        variables: { input: input({ filter: { text: 'x'.repeat(201) } }) },
      });
      expect(text.body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argument: 'input.filter.text',
      });
      const url = await gql(gw, CREATE, {
        token: tokens.every,
        variables: {
          input: input({ target: { kind: 'WEBHOOK', url: `${receiver.url}?${'a'.repeat(2048)}` } }),
        },
      });
      expect(url.body.errors?.[0]?.extensions).toMatchObject({
        code: 'BAD_USER_INPUT',
        argument: 'input.target.url',
      });
    },
  );

  it.skipIf(skip)(
    'converts a rule of bare aliases at start to every provider of them, disabled and audited',
    async () => {
      const id = bareRule.id;
      await vi.waitFor(async () => {
        const res = await gql(gw, RULE, { token: tokens.every, variables: { id } });
        expect(res.body.data?.notificationRule?.disabledReason).toBe(BARE_ALIASES_REASON);
      }, EVENTUALLY);
      const res = await gql(gw, RULE, { token: tokens.every, variables: { id } });
      const covers = res.body.data!.notificationRule.covers as {
        provider: string;
        account: string;
      }[];
      expect(covers.map((c) => c.provider)).toEqual(
        expect.arrayContaining(['AWS_BATCH', 'TENCENT_COS_BATCH']),
      );
      expect(covers.every((c) => c.account === 'staging')).toBe(true);
      expect(res.body.data!.notificationRule.enabled).toBe(false);
      const changes = await auditOf(id);
      expect(changes.map((c) => [c.change, c.reason])).toEqual([
        ['CREATE', null],
        ['DISABLE', BARE_ALIASES_REASON],
      ]);
      // Only a token holding staging on every cloud sees it (and may enable it again).
      const aws = await gql(gw, RULE, { token: tokens.awsStaging, variables: { id } });
      expect(aws.body.data?.notificationRule).toBeNull();
      const staging = await gql(gw, RULE, { token: tokens.staging, variables: { id } });
      expect(staging.body.data?.notificationRule?.id).toBe(id);
    },
  );

  it.skipIf(skip)(
    "refuses an account's rule past MAX_RULES (500), pages through its 500",
    async () => {
      const listed = async (token: string) => {
        const ids: string[] = [];
        let after: string | null = null;
        for (;;) {
          const res: GqlResult = await gql(gw, RULES, { token, variables: { after } });
          const page = res.body.data!.notificationRules as RulesPage;
          ids.push(...page.nodes.map((r) => r.id));
          if (!page.pageInfo.hasNextPage) return { ids, total: page.totalCount };
          after = page.pageInfo.endCursor;
        }
      };
      // Rules the tests before made, each counting against COS Batch's staging (ruleBound.ts).
      const before = await gql(gw, RULES, { token: tokens.every, variables: { after: null } });
      let count = before.body.data!.notificationRules.totalCount as number;
      const made: string[] = [];
      for (; count < MAX_RULES; count++)
        made.push(await create(tokens.staging, { name: `rule ${count}` }));
      const refused = await gql(gw, CREATE, {
        token: tokens.staging,
        variables: { input: input({ name: 'one too many' }) },
      });
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // Counted per (provider, account) pair: every rule the tests before made covers COS Batch's
      // staging (a COS-only one, or one of every account); AWS Batch's staging has room left.
      expect(refused.body.errors?.[0]?.message).toBe(
        `TENCENT_COS_BATCH account "staging" has ${MAX_RULES} notification rules, the most it may have: delete one first.`,
      );
      const every = await listed(tokens.every);
      expect(every.total).toBe(MAX_RULES);
      expect(new Set(every.ids).size).toBe(MAX_RULES);
      // Another account is not full: the default accounts' token still makes one.
      const home = await create(tokens.home);
      // An update counts as the rule's new coverage: staging's own rule changes; the default
      // accounts' rule made a rule of every account (staging among them) does not.
      const renamed = await gql(gw, UPDATE, {
        token: tokens.staging,
        variables: { id: made[0], input: input({ name: 'renamed' }) },
      });
      expect(renamed.body.errors).toBeUndefined();
      const widened = await gql(gw, UPDATE, {
        token: tokens.every,
        variables: { id: home, input: input({ name: 'every account' }) },
      });
      expect(widened.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
    },
    120_000,
  );
});
