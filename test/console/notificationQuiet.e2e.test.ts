import { expect, it } from 'vitest';
import { openHistoryDatabase } from '../../src/history/database.ts';
import { RuleStore } from '../../src/notifications/ruleStore.ts';
import { failingReason } from '../../src/notifications/ruleQuiet.ts';
import { gql } from '../support/gateway.ts';
import { useNotifyingConsoleRig } from './consoleRig.ts';
import { inTab } from './tab.ts';

/**
 * The Notifications page's quiet settings (issue #101 item 3), in Debian's Chromium through the
 * real gateway and a receiver on 127.0.0.1 standing in for Slack: the form's group window (SLACK
 * and TEAMS only) and "Mute until" reach `createNotificationRule` and come back from
 * `notificationRules`; a rule's row says muted until, failing since (its target answered 400 to
 * "Send test") and disabled after 5 days of failure (the store's own `disable` with the outbox's
 * reason); Enable keeps the window and the mute. Waits are on the page and the receiver.
 */
const { rig, open, describeInChromium, receiver, notifyToken } =
  useNotifyingConsoleRig('console-quiet');
const RULES = `{ notificationRules { nodes { id name enabled disabledReason groupWindowSeconds
  mutedUntil failingSince } } }`;
interface Shown {
  id: string;
  name: string;
  enabled: boolean;
  disabledReason: string | null;
  groupWindowSeconds: number;
  mutedUntil: string | null;
  failingSince: string | null;
}
/** The token's rules as the API gives them. */
async function rulesOf(token: string): Promise<Shown[]> {
  const res = await gql<{ notificationRules: { nodes: Shown[] } }>(rig.gw, RULES, { token });
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.notificationRules.nodes;
}
/** A rule's name that would be markup if the page took it as HTML. */
const NAME = '<b>ops</b> & chat';

describeInChromium('The console’s rule quiet settings (Debian Chromium)', () => {
  it('makes a SLACK rule with a 60 s group window and a mute, shows them as the API gives them back, says failing since and disabled after 5 days of failure, and keeps both through Enable', async () => {
    const token = await notifyToken();
    await inTab(open('/console/notifications', token), async (o) => {
      await o.page.click('[data-new-rule]');
      await o.page.waitForSelector('[data-rule-form]');
      // A webhook rule has no group window; a chat rule has one, 30 s unless changed.
      expect(await o.page.$('#rule-group-window')).toBeNull();
      await o.page.selectOption('#rule-kind', 'SLACK');
      expect(await o.page.inputValue('#rule-group-window')).toBe('30');
      await o.page.fill('#rule-name', NAME);
      await o.page.fill('#rule-url', receiver.url);
      // Past the API's bound (3600 s) the form refuses to send, with no mutation asked for.
      await o.page.fill('#rule-group-window', '3601');
      const asked = o.graphqlCalls();
      await o.page.click('[data-rule-form] button[type="submit"]');
      expect(
        await o.page.$eval('#rule-group-window', (el) => (el as HTMLInputElement).validity.valid),
      ).toBe(false);
      expect(o.graphqlCalls()).toBe(asked);
      await o.page.fill('#rule-group-window', '60');
      await o.page.fill('#rule-muted-until', '2099-01-02T03:04:05');
      await o.page.click('[data-rule-form] button[type="submit"]');
      await o.page.waitForSelector('[data-rule-created]');

      const [made] = await rulesOf(token);
      expect(made).toMatchObject({
        name: NAME,
        enabled: true,
        groupWindowSeconds: 60,
        mutedUntil: '2099-01-02T03:04:05.000Z',
        failingSince: null,
      });
      const row = o.page.locator(`tr[data-rule-id="${made!.id}"]`);
      await row.locator('[data-rule-muted]').waitFor();
      expect(await row.locator('th').textContent()).toBe(NAME);
      expect(await row.locator('b').count()).toBe(0);
      expect(await row.locator('[data-rule-muted]').textContent()).toBe(
        'muted until 2099-01-02 03:04:05 UTC',
      );
      expect(
        await row.locator('[data-rule-group-window]').getAttribute('data-rule-group-window'),
      ).toBe('60');
      expect(await row.locator('[data-rule-group-window]').textContent()).toContain(
        'grouped by 60 s',
      );
      expect(await row.locator('[data-rule-failing]').count()).toBe(0);

      // The target refuses the test delivery (sent though muted): the rule's target is failing.
      receiver.answers.push(400);
      const arriving = receiver.next();
      await row.locator('[data-send-test]').click();
      await arriving;
      await row.locator('[data-rule-told]').waitFor();
      const [failing] = await rulesOf(token);
      expect(failing!.failingSince).not.toBeNull();
      await o.visit('/console/notifications?seen=failing');
      await row.locator('[data-rule-failing]').waitFor();
      expect(await row.locator('[data-rule-failing]').getAttribute('data-rule-failing')).toBe(
        failing!.failingSince,
      );
      expect(await row.locator('[data-rule-failing]').textContent()).toMatch(
        /^failing since \d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/,
      );

      // Disabled as the outbox disables a rule whose target failed for 5 days.
      const db = (await openHistoryDatabase(rig.gw.config.history.store))!;
      try {
        await new RuleStore(db).disable(made!.id, failingReason(5), new Date().toISOString());
      } finally {
        await db.close();
      }
      await o.visit('/console/notifications?seen=disabled');
      await o.page.waitForSelector(`tr[data-rule-id="${made!.id}"][data-rule-enabled="false"]`);
      expect(await row.locator('[data-rule-failed-out]').textContent()).toBe(
        'Disabled after 5 days of failure',
      );

      // Enable sends the rule back as shown: its window and mute stay; its failures start anew.
      await row.locator('[data-toggle-rule]', { hasText: 'Enable' }).click();
      await o.page.waitForSelector(`tr[data-rule-id="${made!.id}"][data-rule-enabled="true"]`);
      expect(await rulesOf(token)).toEqual([
        { ...made, enabled: true, disabledReason: null, failingSince: null },
      ]);
      expect(await row.locator('[data-rule-muted]').textContent()).toBe(
        'muted until 2099-01-02 03:04:05 UTC',
      );
      expect(await row.locator('[data-rule-failing]').count()).toBe(0);
      expect(o.problems).toEqual([]);
    });
  });
});
