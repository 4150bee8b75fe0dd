// The demo's webhook receiver (packages/emulators/src/webhookReceiver.ts) verifies Standard Webhooks
// signatures on its own: what the `standardwebhooks` package signs verifies, a changed body, another
// secret or an old timestamp does not; and the demo's printed way to a first notification works.
import { Webhook } from 'standardwebhooks';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { demoNotificationLines } from '../../src/cli/demoNotifications.ts';
import {
  startWebhookReceiver,
  verifyDelivery,
  type WebhookReceiver,
} from '@jobgraph/emulators/webhookReceiver';
import { newSigningSecret } from '../../src/notifications/secretBox.ts';
import { gql } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const secret = newSigningSecret();
const body = '{"type":"job.failed","timestamp":"2026-11-27T12:00:00.000Z","data":{}}';
function signed(at: Date, id = 'msg_1', key = secret) {
  return {
    'webhook-id': id,
    'webhook-timestamp': String(Math.floor(at.getTime() / 1000)),
    'webhook-signature': new Webhook(key).sign(id, at, body),
  };
}

describe('The demo webhook receiver', () => {
  const now = Date.parse('2026-11-27T12:00:10Z');
  it('verifies what the standardwebhooks package signs, and nothing else', () => {
    const at = new Date(now);
    expect(verifyDelivery(secret, signed(at), Buffer.from(body), now)).toBe('verified');
    expect(verifyDelivery(secret, signed(at), Buffer.from(body + ' '), now)).toBe(
      'no signature matches',
    );
    expect(
      verifyDelivery(secret, signed(at, 'msg_1', newSigningSecret()), Buffer.from(body), now),
    ).toBe('no signature matches');
    expect(verifyDelivery(secret, signed(new Date(now - 6 * 60_000)), Buffer.from(body), now)).toBe(
      'timestamp outside five minutes',
    );
    // Two signatures (a rotation): the one that matches is enough.
    const rotated = signed(at);
    rotated['webhook-signature'] =
      `${signed(at, 'msg_1', newSigningSecret())['webhook-signature']} ${rotated['webhook-signature']}`;
    expect(verifyDelivery(secret, rotated, Buffer.from(body), now)).toBe('verified');
  });

  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await startWebhookReceiver();
  });
  afterAll(() => receiver.close());
  it('answers 503 until its secret is set (jobgraph tries again), then 200 for a verified delivery', async () => {
    const post = () =>
      fetch(receiver.hookUrl, { method: 'POST', headers: signed(new Date()), body });
    expect((await post()).status).toBe(503);
    expect((await fetch(`${receiver.url}/secret`, { method: 'PUT', body: secret })).status).toBe(
      204,
    );
    expect((await post()).status).toBe(200);
    const listed = (await (await fetch(`${receiver.url}/deliveries`)).json()) as {
      verification: string;
    }[];
    expect(listed.map((d) => d.verification)).toEqual([
      expect.stringContaining('no secret'),
      'verified',
    ]);
  });
});

describe('The demo’s way to a first notification', () => {
  const gw = useTestGateway();
  it('prints a rule delivering to its receiver, which verifies the test delivery', async () => {
    const lines = demoNotificationLines(gw).join('\n');
    expect(lines).toContain(gw.webhookReceiver.hookUrl);
    expect(lines).toContain(gw.tokens.notify);
    const created = await gql(
      gw,
      `mutation ($url: String!) { createNotificationRule(input: { name: "demo", on: [FAILED],
        target: { kind: WEBHOOK, url: $url } }) { secret rule { id } } }`,
      { token: gw.tokens.notify, variables: { url: gw.webhookReceiver.hookUrl } },
    );
    expect(created.body.errors).toBeUndefined();
    const { secret: whsec, rule } = created.body.data!.createNotificationRule;
    await fetch(`${gw.webhookReceiver.url}/secret`, { method: 'PUT', body: whsec });
    const test = await gql(
      gw,
      `mutation ($id: ID!) { testNotificationRule(id: $id) { id status } }`,
      {
        token: gw.tokens.notify,
        variables: { id: rule.id },
      },
    );
    expect(test.body.data?.testNotificationRule.status).toBe('DELIVERED');
    expect(gw.webhookReceiver.deliveries.at(-1)).toMatchObject({
      id: test.body.data?.testNotificationRule.id,
      type: 'test',
      verification: 'verified',
    });
  });
});
