import { expect, it } from 'vitest';
import { DEMO_DATA } from '@jobgraph/emulators';
import { freshCopies, gql } from '../support/gateway.ts';
import { useConsoleRig } from './consoleRig.ts';
import { inTab } from './tab.ts';

/**
 * The console's job page for a job its provider forgot (issue #59 item 4): the record jobgraph
 * kept is shown as retained, with when jobgraph last saw it; a live job shows neither.
 */

const { rig, open, describeInChromium } = useConsoleRig();

describeInChromium('The jobs console: a job its provider forgot (Debian Chromium)', () => {
  it('shows the kept record with a retained badge and when it was last confirmed, and a live job without them', async () => {
    const forgotten = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
    const read = await gql(rig.gw, `query($id: ID!) { job(id: $id) { id retained } }`, {
      variables: { id: forgotten },
      token: rig.gw.tokens.read,
    });
    expect(read.body.data?.job).toEqual({ id: forgotten, retained: false });
    // The read is in the history store (its group commit, now rather than within the second).
    await rig.gw.history!.writer.flush();
    // The emulator forgets it (its forget switch), as Batch forgets finished jobs after a while.
    expect(
      rig.gw.emulators.batch.jobs!.forget(forgotten.slice(forgotten.lastIndexOf(':') + 1)),
    ).toBe(true);
    await inTab(open(`/console/jobs/${encodeURIComponent(forgotten)}`), async (o) => {
      const page = `[data-job-detail="${forgotten}"]`;
      await o.page.waitForSelector(`${page} dl.fields`);
      expect(await o.page.textContent(`${page} h1 [data-retained]`)).toBe('retained');
      expect(await o.page.textContent(`${page} [data-last-confirmed]`)).toMatch(
        /^ · last confirmed \S/,
      );
      expect(await o.page.getAttribute(`${page} [data-last-confirmed] time`, 'datetime')).toMatch(
        /^\d{4}-\d{2}-\d{2}T/,
      );
      expect(o.problems).toEqual([]);
    });
    const [live] = freshCopies(rig.gw, [DEMO_DATA.batch.EXAMPLE_GLOBAL_ID]) as [string];
    await inTab(open(`/console/jobs/${encodeURIComponent(live)}`), async (l) => {
      await l.page.waitForSelector(`[data-job-detail="${live}"] dl.fields`);
      expect(await l.page.locator('[data-retained], [data-last-confirmed]').count()).toBe(0);
    });
  });
});
