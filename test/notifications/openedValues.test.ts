// The outbox keeps a rule's opened target and secrets (src/notifications/openedValues.ts) on a real
// SQLite file and a real PostgreSQL server: a rule's deliveries open each sealed value once, and a
// rotation or a target update made elsewhere (another replica: no call here) is followed by the
// very next delivery — signed with the new secret, posted to the new URL — as the `standardwebhooks`
// package verifies.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Webhook } from 'standardwebhooks';
import type { HistoryDatabase } from '../../src/history/database.ts';
import { Outbox } from '../../src/notifications/outbox.ts';
import type { DeliveryRow, RuleRow, RuleStore } from '../../src/notifications/ruleStore.ts';
import {
  createSecretBox,
  newSigningSecret,
  type SecretBox,
} from '../../src/notifications/secretBox.ts';
import { OpenedValues } from '../../src/notifications/openedValues.ts';
import { webhookHeaders } from '../../src/notifications/signature.ts';
import { historyStores } from '../support/historyStores.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';
import { createdAudit, openedRuleStore, ruleRow } from '../support/ruleRows.ts';

const box = createSecretBox('a notification sealing key of 32+ characters');
/** The box, its opens counted by field. */
const opens: string[] = [];
const counting: SecretBox = {
  seal: (id, field, value) => box.seal(id, field, value),
  open: (id, field, sealed) => {
    opens.push(field);
    return box.open(id, field, sealed);
  },
};

function sealedRule(id: string, url: string, secret: string): RuleRow {
  return ruleRow({
    id,
    owner: 'tester',
    target_sealed: box.seal(id, 'target', url),
    target_shown: 'http://127.0.0.1/…',
    secret_sealed: box.seal(id, 'secret', secret),
    created_at: new Date(0).toISOString(),
    updated_at: new Date(0).toISOString(),
  });
}

let seq = 0;
function deliveryOf(ruleId: string): DeliveryRow {
  const at = new Date().toISOString();
  const payload = JSON.stringify({ type: 'job.failed', timestamp: at, data: { n: ++seq } });
  return {
    id: `msg_opened_${ruleId}_${seq}`,
    rule_id: ruleId,
    job_id: null,
    type: 'job.failed',
    payload,
    status: 'PENDING',
    attempts: 0,
    next_attempt_at: at,
    created_at: at,
  };
}

describe.each(historyStores())("The outbox's opened targets and secrets on a $name", (kind) => {
  let db: HistoryDatabase;
  let store: RuleStore;
  let first: Receiver;
  let second: Receiver;
  beforeAll(async () => {
    if (kind.skip) return;
    ({ db, store } = await openedRuleStore(kind));
    [first, second] = await Promise.all([startReceiver(), startReceiver()]);
  });
  afterAll(async () => {
    await db?.close();
    await Promise.all([first?.close(), second?.close()]);
  });
  const deliver = async (outbox: Outbox, ruleId: string, count = 1) => {
    await store.enqueue(Array.from({ length: count }, () => deliveryOf(ruleId)));
    await outbox.runDue();
  };
  const updated = (id: string, set: Partial<RuleRow>) =>
    store.update(
      id,
      { ...set, updated_at: new Date().toISOString() },
      { ruleId: id, at: new Date().toISOString(), change: 'UPDATE', subject: null, reason: null },
    );

  it.skipIf(kind.skip)(
    'opens each value once, and follows a rotation and a new target at the next delivery',
    async () => {
      const [secret, rotated] = [newSigningSecret(), newSigningSecret()];
      const rule = sealedRule(`nr_opened_${kind.name.length}`, first.url, secret);
      await store.insert(rule, createdAudit(rule, 'tester'));
      const outbox = new Outbox({
        store,
        box: counting,
        allowHosts: ['127.0.0.1:*'],
        timeoutMs: 5000,
        hostConcurrency: 4,
      });
      opens.length = 0;
      first.secret = secret;
      await deliver(outbox, rule.id, 3);
      expect(first.received.map((r) => r.verified)).toEqual([true, true, true]);
      expect(opens.sort()).toEqual(['secret', 'target']);

      // Rotated elsewhere (no overlap): the next delivery is signed with the new secret alone.
      await updated(rule.id, { secret_sealed: box.seal(rule.id, 'secret', rotated) });
      first.secret = rotated;
      await deliver(outbox, rule.id);
      const signed = first.received.at(-1)!;
      expect(signed.verified).toBe(true);
      expect(() => new Webhook(secret).verify(signed.body, signed.headers)).toThrow();
      expect(opens.sort()).toEqual(['secret', 'secret', 'target']);

      // A new target: the next delivery goes there, and the old one gets nothing more.
      await updated(rule.id, { target_sealed: box.seal(rule.id, 'target', second.url) });
      second.secret = rotated;
      await deliver(outbox, rule.id);
      expect(first.received).toHaveLength(4);
      expect(second.received.map((r) => r.verified)).toEqual([true]);
      expect(opens.sort()).toEqual(['secret', 'secret', 'target', 'target']);

      // Forgotten (the service's own change of the rule): both opened again.
      outbox.forget(rule.id);
      await deliver(outbox, rule.id);
      expect(second.received.map((r) => r.verified)).toEqual([true, true]);
      expect(opens).toHaveLength(6);
      await outbox.close();
    },
  );
});

describe("A rule's signing key", () => {
  it('is made once from its opened secret for every signature, and again after a rotation', () => {
    const opened = new OpenedValues(counting);
    const [secret, rotated] = [newSigningSecret(), newSigningSecret()];
    const sign = (sealed: string, n: number) => {
      const body = JSON.stringify({ type: 'job.failed', data: { n } });
      const headers = webhookHeaders(`msg_${n}`, Date.now(), body, [
        opened.signingKey('nr_key', 'secret', sealed),
      ]);
      return { body, headers };
    };
    opens.length = 0;
    const sealed = box.seal('nr_key', 'secret', secret);
    const signed = [1, 2, 3, 4, 5].map((n) => sign(sealed, n));
    expect(opened.keysMade).toBe(1);
    expect(opens).toEqual(['secret']);
    for (const { body, headers } of signed)
      expect(new Webhook(secret).verify(body, headers)).toEqual(JSON.parse(body));
    // A rotation stores new sealed text: its key is made once more, and signs with the new secret.
    const next = sign(box.seal('nr_key', 'secret', rotated), 6);
    expect(opened.keysMade).toBe(2);
    expect(new Webhook(rotated).verify(next.body, next.headers)).toEqual(JSON.parse(next.body));
    expect(() => new Webhook(secret).verify(next.body, next.headers)).toThrow();
  });
});

describe('The opened values kept', () => {
  it('are bounded by rule, the least recently used rule forgotten first', () => {
    const opened = new OpenedValues(counting, 2);
    const sealed = (id: string) => box.seal(id, 'target', `http://127.0.0.1/${id}`);
    const [a, b, c] = [sealed('nr_a'), sealed('nr_b'), sealed('nr_c')];
    opens.length = 0;
    opened.open('nr_a', 'target', a);
    opened.open('nr_b', 'target', b);
    // nr_a used again: kept, now the most recent.
    expect(opened.open('nr_a', 'target', a)).toBe('http://127.0.0.1/nr_a');
    expect(opens).toHaveLength(2);
    opened.open('nr_c', 'target', c);
    expect(opened.size).toBe(2);
    // nr_b, the least recently used, was forgotten; nr_a and nr_c are served as kept.
    opened.open('nr_a', 'target', a);
    opened.open('nr_c', 'target', c);
    expect(opens).toHaveLength(3);
    opened.open('nr_b', 'target', b);
    expect(opens).toHaveLength(4);
  });
});
