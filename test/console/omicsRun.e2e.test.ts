import { ListRunTasksCommand, OmicsClient } from '@aws-sdk/client-omics';
import { describe, expect, it } from 'vitest';
import { OMICS_DEMO_RUNS } from '@jobgraph/emulators/omics/runs';
import { realPart } from '../support/realParts.ts';
import { demoSdkConfig, useSdkClients } from '../support/sdkClients.ts';
import { useConsoleRig } from './consoleRig.ts';

/**
 * A HealthOmics workflow run's page in the console (issue 102, item 6), in Debian's Chromium
 * through the real demo server: its name first in the heading, its state, its own fields, its
 * tasks as ListRunTasks lists them (names first), and no console error.
 */
const chromiumPart = realPart('chromium');
const { rig, open } = useConsoleRig();
const keep = useSdkClients();
const failed = OMICS_DEMO_RUNS.find((r) => r.status === 'FAILED')!;
const failedId = `omicsrun:us-east-1:${failed.uuid}:${failed.id}`;

describe.skipIf(chromiumPart.skip)('The console shows a HealthOmics run (Debian Chromium)', () => {
  it('shows a failed run’s page: its name first, FAILED, its failure reason, no console error', async () => {
    const o = await open(`/console/jobs/${encodeURIComponent(failedId)}`);
    try {
      await o.page.waitForSelector(`[data-job-detail="${failedId}"][data-state="FAILED"]`);
      const heading = (await o.page.textContent('#job-title')) ?? '';
      expect(heading.trim().startsWith(failed.name)).toBe(true);
      const text = (await o.page.textContent(`[data-job-detail="${failedId}"]`)) ?? '';
      expect(text).toContain('FILE_SYSTEM_OUT_OF_SPACE');
      expect(text).toContain(failed.runGroupId);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('lists the run’s tasks as ListRunTasks does: name first, status, times; the failed one’s message', async () => {
    const sdk = keep(
      new OmicsClient({ ...demoSdkConfig(rig.gw.emulators.omics.url), disableHostPrefix: true }),
    );
    const { items } = await sdk.send(new ListRunTasksCommand({ id: failed.id }));
    expect(items!.length).toBeGreaterThan(1);
    const o = await open(`/console/jobs/${encodeURIComponent(failedId)}`);
    try {
      await o.page.waitForSelector(`[data-omics-tasks="${items!.length}"]`);
      const rows = await o.page.$$eval('[data-omics-tasks] tbody tr', (trs) =>
        trs.map((tr) => ({
          taskId: tr.getAttribute('data-task'),
          status: tr.getAttribute('data-task-status'),
          first: tr.firstElementChild?.hasAttribute('data-task-name') ?? false,
          name: tr.querySelector('[data-task-name]')?.firstChild?.textContent ?? null,
          reason: tr.querySelector('[data-task-name] .reason')?.textContent ?? null,
          times: [...tr.querySelectorAll('time')].map((t) => t.getAttribute('datetime')),
          cells: [...tr.children].map((c) => c.textContent),
        })),
      );
      expect(rows.map(({ cells: _c, ...r }) => r)).toEqual(
        items!.map((t) => ({
          taskId: t.taskId,
          status: t.status,
          first: true,
          name: t.name,
          // The failed task's message is GetRunTask's (the demo's task record says it).
          reason:
            t.status === 'FAILED'
              ? failed.tasks.find((x) => x.taskId === t.taskId)!.statusMessage!
              : null,
          times: [t.creationTime, t.startTime, t.stopTime].map((d) => d!.toISOString()),
        })),
      );
      for (const [i, row] of rows.entries())
        expect(row.cells.at(-1), row.name!).toBe(items![i]!.taskId);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });
});
