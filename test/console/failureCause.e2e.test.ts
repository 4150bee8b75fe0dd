import { expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '../../src/emulators/batch/data.ts';
import { useConsoleRig } from './consoleRig.ts';
import { inTab } from './tab.ts';

/**
 * A failed job's cause in the console (issue 101, item 1), in Debian's Chromium through the real
 * server: the job's page and the list show a failed job's category and summary (`Job.failure`)
 * first, with no console error.
 */

const { open, describeInChromium } = useConsoleRig();
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
});
