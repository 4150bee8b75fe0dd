import { expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { gql } from '../support/gateway.ts';
import { useConsoleRig } from './consoleRig.ts';
import { inTab } from './tab.ts';

/**
 * A failed job's cause in the console (issue 101, item 1), in Debian's Chromium through the real
 * server: the job's page and the list show a failed job's category and summary (`Job.failure`)
 * first, with no console error.
 */

const { rig, open, describeInChromium } = useConsoleRig();
const idOf = (jobId: string) => `batch:us-east-1:${jobId}`;

describeInChromium('A failed job’s cause in the console (Debian Chromium)', () => {
  it('leads the job’s page’s “why it failed” with its category and summary', async () => {
    const id = idOf(BATCH_JOB_IDS.outOfMemory);
    await inTab(open(`/console/jobs/${encodeURIComponent(id)}`), async (o) => {
      const cause = await o.page.waitForSelector(
        '[data-failure-reasons] [data-failure-category="OUT_OF_MEMORY"]',
      );
      expect(await cause.textContent()).toBe(
        'OUT OF MEMORY The container was killed for using more memory than the job asked for.',
      );
      // The cause comes before the provider's own reasons.
      const order = await o.page.$$eval('[data-failure-reasons] *', (els) =>
        els
          .map((e) => (e.hasAttribute('data-failure-category') ? 'cause' : e.tagName))
          .filter((t) => t === 'cause' || t === 'LI'),
      );
      expect(order[0]).toBe('cause');
      expect(o.problems).toEqual([]);
    });
  });

  it('shows each failed row’s category first in the list', async () => {
    await inTab(open('/console?state=FAILED&provider=AWS_BATCH'), async (o) => {
      const row = (jobId: string) => `tr[data-job-id="${idOf(jobId)}"]`;
      const spot = await o.page.waitForSelector(
        `${row(BATCH_JOB_IDS.spotReclaimed)} [data-failure-category="SPOT_RECLAIMED"]`,
      );
      expect(await spot.textContent()).toContain('SPOT RECLAIMED');
      await o.page.waitForSelector(
        `${row(BATCH_JOB_IDS.failed)} [data-failure-category="USER_CODE"]`,
      );
      expect(o.problems).toEqual([]);
    });
  });

  it('counts the history’s failed jobs by cause above its table, as jobHistorySummary does', async () => {
    // The demo's failed Batch jobs, read once: the history holds them with their categories.
    const ids = [BATCH_JOB_IDS.outOfMemory, BATCH_JOB_IDS.spotReclaimed, BATCH_JOB_IDS.failed];
    await gql(rig.gw, 'query($ids: [ID!]!) { jobs(ids: $ids) { id failure { category } } }', {
      variables: { ids: ids.map(idOf) },
      token: rig.gw.tokens.read,
    });
    const summary = async () =>
      (
        await gql<{
          jobHistorySummary: { byFailureCategory: { category: string; jobs: number }[] };
        }>(
          rig.gw,
          '{ jobHistorySummary(filter: { providers: [AWS_BATCH] }) { byFailureCategory { category jobs } } }',
          { token: rig.gw.tokens.read },
        )
      ).body.data!.jobHistorySummary.byFailureCategory;
    await expect
      .poll(async () => (await summary()).map((c) => c.category), { timeout: 10_000 })
      .toContain('OUT_OF_MEMORY');
    const api = await summary();
    await inTab(open('/console/history?provider=AWS_BATCH'), async (o) => {
      await o.page.waitForSelector('[data-summary-causes] [data-failure-category="OUT_OF_MEMORY"]');
      const shown = await o.page.$$eval('[data-summary-causes] [data-failure-category]', (els) =>
        els.map((e) => [e.getAttribute('data-failure-category'), e.textContent]),
      );
      expect(shown.map(([category]) => category)).toEqual(api.map((c) => c.category));
      const oom = api.find((c) => c.category === 'OUT_OF_MEMORY')!;
      expect(shown.find(([c]) => c === 'OUT_OF_MEMORY')?.[1]).toContain(
        `${oom.jobs} out of memory`,
      );
      expect(o.problems).toEqual([]);
    });
  });
});
