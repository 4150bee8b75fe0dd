import { expect, it, vi } from 'vitest';
import { BATCH_JOB_IDS, batchGlobalId } from '@jobgraph/emulators/batch/data';
import { EVENTUALLY } from '../support/eventually.ts';
import { gql } from '../support/gateway.ts';
import { useConsoleRig } from './consoleRig.ts';
import { inTab } from './tab.ts';

/**
 * The jobs console in Debian's Chromium on the demo with its own job events (the emulators'
 * queues, as `npm start` runs): each job that is not finished says whether it is live by events
 * (AWS Batch, HealthOmics) or by polling (Panorama, Import/Export, COS Batch).
 */

const { rig, open, describeInChromium } = useConsoleRig({ env: { JOBGRAPH_EVENT_QUEUES: 'demo' } });

describeInChromium('The jobs console with job events (Debian Chromium)', () => {
  it('says "live by events" beside a Batch job and "live by polling" beside the others', async () => {
    // Batch is live by events once an event of it is applied (the emulators' clock stands still
    // here, so a Batch job is moved by hand: its event goes to the demo's queue); until then the
    // console says polling.
    expect(
      rig.gw.emulators.batch.jobs?.changeState(BATCH_JOB_IDS.runnable, 'STARTING'),
    ).not.toBeNull();
    await vi.waitFor(async () => {
      const res = await gql(
        rig.gw,
        `{ job(id: "${batchGlobalId(BATCH_JOB_IDS.runnable)}") { liveBy } }`,
        { token: rig.gw.tokens.read },
      );
      expect(res.body).toEqual({ data: { job: { liveBy: 'EVENTS' } } });
    }, EVENTUALLY);
    await inTab(
      open('/console?provider=AWS_BATCH,AWS_PANORAMA&state=QUEUED,IN_PROGRESS'),
      async (o) => {
        await o.page.waitForSelector('tr[data-job-id] [data-live-by]');
        const marks = await o.page.$$eval('tr[data-job-id]', (trs) =>
          trs.map((tr) => ({
            id: tr.getAttribute('data-job-id') ?? '',
            liveBy: tr.querySelector('[data-live-by]')?.getAttribute('data-live-by') ?? null,
            text: tr.querySelector('[data-live-by]')?.textContent?.trim() ?? null,
          })),
        );
        const batch = marks.filter((m) => m.id.startsWith('batch:'));
        const panorama = marks.filter((m) => m.id.startsWith('panorama'));
        expect(batch.length).toBeGreaterThan(0);
        expect(panorama.length).toBeGreaterThan(0);
        for (const m of batch)
          expect(m).toMatchObject({ liveBy: 'EVENTS', text: 'live by events' });
        for (const m of panorama)
          expect(m).toMatchObject({ liveBy: 'POLLING', text: 'live by polling' });
      },
    );
    // The demo's two queues, one per AWS account.
    expect(rig.gw.config.events.queues?.length).toBe(2);
  });
});
