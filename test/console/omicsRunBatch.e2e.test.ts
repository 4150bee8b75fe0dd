import { expect, it } from 'vitest';
import { OMICS_DEMO_BATCH_ID } from '@jobgraph/emulators/omics/runBatchData';
import { gql } from '../support/gateway.ts';
import { useConsoleRig } from './consoleRig.ts';

/**
 * A HealthOmics run batch's job page (issue 102) in Debian's Chromium, through the real demo
 * server: headed by the batch's name, its own ID beside it, with no console error. The oracle is
 * the API itself, over HTTP.
 */

const { rig, open, describeInChromium } = useConsoleRig();

describeInChromium('A HealthOmics run batch in the jobs console (Debian Chromium)', () => {
  it("heads the batch's page with its name, its own ID beside it, and logs no error", async () => {
    const id = `omicsbatch:us-east-1:${OMICS_DEMO_BATCH_ID}`;
    const res = await gql<{ job: { name: string; nativeId: string } }>(
      rig.gw,
      'query($id: ID!) { job(id: $id) { name nativeId } }',
      { token: rig.gw.tokens.read, variables: { id } },
    );
    expect(res.body.errors).toBeUndefined();
    const batch = res.body.data!.job;
    expect(batch.name).toBe('wgs-cohort-c1');
    const o = await open(`/console/jobs/${encodeURIComponent(id)}`);
    try {
      await o.page.waitForSelector('#job-title [data-job-name]');
      expect(await o.page.textContent('#job-title [data-job-name]')).toBe(batch.name);
      expect(await o.page.textContent('#job-title [data-native-id]')).toBe(batch.nativeId);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });
});
