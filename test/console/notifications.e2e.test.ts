import { expect, it } from 'vitest';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { useNotifyingConsoleRig } from './consoleRig.ts';
import { inTab } from './tab.ts';

/**
 * The console's Notifications page (issue #86 item 7), in Debian's Chromium through the real
 * gateway and a receiver on 127.0.0.1 that verifies every delivery with the `standardwebhooks`
 * package: "Notify me about these" on a filtered list makes a rule whose stored filter is the
 * list's; its `whsec_` secret is shown once; "Send test" delivers a signed request the receiver
 * verifies, and the rule's delivery log shows it with its attempt; Redeliver adds an attempt under
 * the same webhook-id; Disable and Enable keep the stored filter and target; Delete removes the rule. A token without notifications:write sees why, and no form. Waits are on the
 * page and the receiver, never on the clock.
 */
const { rig, open, describeInChromium, receiver, notifyToken } =
  useNotifyingConsoleRig('console-notifier');
const LIST = '/console?state=FAILED,CANCELLED&provider=AWS_BATCH&region=us-east-1&account=default';
/** The rules' stored filters by name, read from the gateway's history store itself. */
async function storedFilters(): Promise<Record<string, unknown>> {
  const db = (await openHistoryDatabase(rig.gw.config.history.store))!;
  try {
    const rows = await db.db.selectFrom('notification_rules').select(['name', 'filter']).execute();
    return Object.fromEntries(rows.map((r) => [r.name, JSON.parse(r.filter) as unknown]));
  } finally {
    await db.close();
  }
}

/** One rule's stored filter, sealed target, masked URL and enabled flag, from the store itself. */
async function storedRule(name: string) {
  const db = (await openHistoryDatabase(rig.gw.config.history.store))!;
  try {
    return await db.db
      .selectFrom('notification_rules')
      .select(['filter', 'accounts', 'triggers', 'target_sealed', 'target_shown', 'enabled'])
      .where('name', '=', name)
      .executeTakeFirstOrThrow();
  } finally {
    await db.close();
  }
}

describeInChromium('The console’s Notifications page (Debian Chromium)', () => {
  it('makes a rule from the list’s filters, sends a signed test delivery, shows it in the delivery log with its attempt, redelivers it under the same webhook-id, and deletes the rule', async () => {
    await inTab(open(LIST, await notifyToken()), async (o) => {
      await o.page.click('[data-notify-about]');
      await o.page.waitForSelector('[data-rule-form]');
      expect(new URL(o.page.url()).pathname).toBe('/console/notifications');
      await o.page.fill('#rule-name', 'failed batch jobs in us-east-1');
      await o.page.fill('#rule-url', receiver.url);
      await o.page.click('[data-rule-form] button[type="submit"]');
      const secret = (await o.page.textContent('[data-rule-secret]')) ?? '';
      expect(secret).toMatch(/^whsec_/);
      expect(await storedFilters()).toEqual({
        'failed batch jobs in us-east-1': {
          providers: ['AWS_BATCH'],
          accounts: ['default'],
          regions: ['us-east-1'],
          states: ['FAILED', 'CANCELLED'],
        },
      });
      const row = o.page.locator('tr[data-rule-id]', { hasText: 'failed batch jobs' });
      expect(await row.textContent()).toContain(`http://127.0.0.1:${receiver.port}/…`);
      expect(await row.textContent()).not.toContain('/hook');
      receiver.secret = secret;

      const arriving = receiver.next();
      await row.locator('[data-send-test]').click();
      const first = await arriving;
      expect(first.verified).toBe(true);
      expect(JSON.parse(first.body)).toMatchObject({ type: 'test' });
      const id = first.headers['webhook-id'];
      const log = o.page.locator(`[data-delivery-id="${id}"]`);
      await log.locator('[data-attempt]').first().waitFor();
      expect(await log.getAttribute('data-delivery-status')).toBe('DELIVERED');
      expect(await log.locator('[data-attempt-status]').allTextContents()).toEqual(['200']);

      const again = receiver.next();
      await log.locator('[data-redeliver]').click();
      const second = await again;
      expect(second.verified).toBe(true);
      expect(second.headers['webhook-id']).toBe(id);
      await log.locator('[data-attempt]').nth(1).waitFor();
      expect(await log.locator('[data-attempt-status]').allTextContents()).toEqual(['200', '200']);
      expect(receiver.received).toHaveLength(2);

      // Disable, then Enable: the rule given back as shown (its URL masked) keeps its stored
      // filter and target, and no answer the page got carries the real URL.
      const made = await storedRule('failed batch jobs in us-east-1');
      const unchanged = ({ enabled: _, ...kept }: typeof made) => kept;
      await row.locator('[data-toggle-rule]', { hasText: 'Disable' }).click();
      await o.page.waitForSelector('tr[data-rule-enabled="false"]');
      const off = await storedRule('failed batch jobs in us-east-1');
      expect([off.enabled, unchanged(off)]).toEqual([0, unchanged(made)]);
      await row.locator('[data-toggle-rule]', { hasText: 'Enable' }).click();
      await o.page.waitForSelector('tr[data-rule-enabled="true"]');
      const on = await storedRule('failed batch jobs in us-east-1');
      expect([on.enabled, unchanged(on)]).toEqual([1, unchanged(made)]);
      expect(await o.page.content()).not.toContain(receiver.url);

      // Delete, once confirmed: the rule leaves the page and the store.
      o.page.once('dialog', (d) => void d.accept());
      await row.locator('[data-delete-rule]').click();
      await o.page.waitForSelector('[data-no-rules]');
      expect(await storedFilters()).toEqual({});
      expect(o.problems).toEqual([]);
    });
  });

  it('tells a token without notifications:write why, with no form, no rule asked for and no "Notify me about these"', async () => {
    await inTab(open('/console/notifications'), async (o) => {
      await o.page.waitForSelector('[data-notify-denied]');
      expect(await o.page.textContent('[data-notify-denied]')).toContain('notifications:write');
      expect(await o.page.$('[data-rule-form], [data-new-rule]')).toBeNull();
      expect(o.graphqlCalls()).toBe(0);
      await o.visit('/console');
      await o.page.waitForSelector('table.jobs');
      expect(await o.page.$('[data-notify-about]')).toBeNull();
    });
  });
});
