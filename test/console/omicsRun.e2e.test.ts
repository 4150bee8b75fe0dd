import { describe, expect, it } from 'vitest';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { realPart } from '../support/realParts.ts';
import { useConsoleRig } from './consoleRig.ts';

/**
 * A HealthOmics workflow run's page in the console (issue 102, item 6), in Debian's Chromium
 * through the real demo server: its name first in the heading, its state, its own fields, and no
 * console error.
 */
const chromiumPart = realPart('chromium');
const { open } = useConsoleRig();

describe.skipIf(chromiumPart.skip)('The console shows a HealthOmics run (Debian Chromium)', () => {
  it('shows a failed run’s page: its name first, FAILED, its failure reason, no console error', async () => {
    const run = OMICS_DEMO_RUNS.find((r) => r.status === 'FAILED')!;
    const id = `omicsrun:us-east-1:${run.uuid}:${run.id}`;
    const o = await open(`/console/jobs/${encodeURIComponent(id)}`);
    try {
      await o.page.waitForSelector(`[data-job-detail="${id}"][data-state="FAILED"]`);
      const heading = (await o.page.textContent('#job-title')) ?? '';
      expect(heading.trim().startsWith(run.name)).toBe(true);
      const text = (await o.page.textContent(`[data-job-detail="${id}"]`)) ?? '';
      expect(text).toContain('FILE_SYSTEM_OUT_OF_SPACE');
      expect(text).toContain(run.runGroupId);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });
});
