// Rotating a webhook rule's signing secret (docs/notifications.md, "Secrets"), through the real
// gateway on a real SQLite file and a real PostgreSQL server, each delivery checked by the
// `standardwebhooks` package: during the rotation's overlap a receiver holding the old secret and
// one holding the new both verify the same delivery; after it, the old one fails.
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { SCOPE_NOTIFY, type Identity } from '../../src/auth/identity.ts';
import { Notifications } from '../../src/notifications/notifications.ts';
import { createSecretBox } from '../../src/notifications/secretBox.ts';
import { gql, type TestGateway } from '../support/gateway.ts';
import { historyStores } from '../support/historyStores.ts';
import { failedBatchInput, useNotifyingGateway } from './notifyingGateway.ts';
import type { Receiver, Received } from '../support/webhookReceiver.ts';

const CREATE = `mutation ($input: NotificationRuleInput!) {
  createNotificationRule(input: $input) { secret rule { id } } }`;
const ROTATE = `mutation ($id: ID!) { rotateNotificationSecret(id: $id) { secret rule { id } } }`;
const TEST = `mutation ($id: ID!) { testNotificationRule(id: $id) { id status } }`;

/** Whether `secret` verifies `got` with the `standardwebhooks` package (the oracle). */
function verifies(secret: string, got: Received): boolean {
  try {
    new Webhook(secret).verify(got.body, got.headers);
    return true;
  } catch {
    return false;
  }
}

describe.each(historyStores())('Rotating a signing secret on a $name', ({ skip, fresh }) => {
  let gw: TestGateway;
  let receiver: Receiver;
  const tokens = useNotifyingGateway(skip, fresh, (made) => ({ gw, receiver } = made));
  const create = async (kind = 'WEBHOOK') => {
    const input = failedBatchInput(receiver.url, kind);
    const res = await gql(gw, CREATE, { token: tokens.notify, variables: { input } });
    expect(res.body.errors).toBeUndefined();
    const made = res.body.data!.createNotificationRule as { secret: string; rule: { id: string } };
    return { id: made.rule.id, secret: made.secret };
  };
  const delivered = async (id: string): Promise<Received> => {
    const before = receiver.received.length;
    const res = await gql(gw, TEST, { token: tokens.notify, variables: { id } });
    expect(res.body.data?.testNotificationRule.status).toBe('DELIVERED');
    expect(receiver.received).toHaveLength(before + 1);
    return receiver.received.at(-1)!;
  };

  it.skipIf(skip)(
    'signs with the old and the new secret during the overlap, with the new alone after it',
    async () => {
      const rule = await create();
      const rotated = await gql(gw, ROTATE, { token: tokens.notify, variables: { id: rule.id } });
      expect(rotated.body.errors).toBeUndefined();
      const fresh = rotated.body.data!.rotateNotificationSecret.secret as string;
      expect(fresh).toMatch(/^whsec_[A-Za-z0-9+/=]{40,}$/);
      expect(fresh).not.toBe(rule.secret);

      // Within the overlap (24 h by default): two signatures, and either secret verifies.
      const during = await delivered(rule.id);
      expect(during.headers['webhook-signature']!.split(' ')).toHaveLength(2);
      expect(verifies(rule.secret, during)).toBe(true);
      expect(verifies(fresh, during)).toBe(true);

      // A rotation made 25 h ago (the service's clock moved back, not slept for): its overlap is
      // over, so the next delivery is signed with the newest secret alone; the one before fails.
      const box = createSecretBox(gw.config.notifications.secret!);
      const earlier = new Notifications({
        store: gw.notifications!.store,
        box,
        allowHosts: ['127.0.0.1:*'],
        accounts: () => [],
        logger: { info: () => undefined, warn: () => undefined },
        now: () => Date.now() - 25 * 3_600_000,
      });
      const caller: Identity = {
        authenticated: true,
        subject: 'oncall-ann',
        scopes: new Set([SCOPE_NOTIFY]),
        accounts: { all: true, permits: () => true, aliases: ['*'], basis: 'claim' },
      };
      const newest = (await earlier.rotate({ identity: caller, requestId: 'r' }, rule.id)).secret;
      const after = await delivered(rule.id);
      expect(after.headers['webhook-signature']!.split(' ')).toHaveLength(1);
      expect(verifies(newest, after)).toBe(true);
      expect(verifies(fresh, after)).toBe(false);
      expect(verifies(rule.secret, after)).toBe(false);
      // Each rotation audited (the backdated one is dated 25 h ago, so compared as a set).
      const changes = (await gw.notifications!.store.changes(rule.id)).map((c) => c.change);
      expect(changes.sort()).toEqual(['CREATE', 'ROTATE', 'ROTATE', 'TEST', 'TEST']);
    },
  );

  it.skipIf(skip)(
    "refuses a jobs:read token, another account's token and a rule without a secret",
    async () => {
      const rule = await create();
      const reader = await gql(gw, ROTATE, { token: tokens.reader, variables: { id: rule.id } });
      expect(reader.body.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
      expect(reader.body.errors?.[0]?.message).toContain('notifications:write');
      const anonymous = await gql(gw, ROTATE, { variables: { id: rule.id } });
      expect(anonymous.body.errors?.[0]?.extensions?.code).toBe('UNAUTHENTICATED');
      const staging = await gql(gw, ROTATE, { token: tokens.staging, variables: { id: rule.id } });
      expect(staging.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
      // Still the creation's secret alone: nothing rotated.
      const got = await delivered(rule.id);
      expect(got.headers['webhook-signature']!.split(' ')).toHaveLength(1);
      expect(verifies(rule.secret, got)).toBe(true);
      const slack = await create('SLACK');
      const refused = await gql(gw, ROTATE, { token: tokens.notify, variables: { id: slack.id } });
      expect(refused.body.errors?.[0]?.extensions?.code).toBe('BAD_USER_INPUT');
      // No secret, no URL in any answer.
      expect(JSON.stringify([reader.body, staging.body, refused.body])).not.toContain('whsec_');
      expect(JSON.stringify([reader.body, staging.body, refused.body])).not.toContain('127.0.0.1');
    },
  );
});
