import { expect, it } from 'vitest';
import {
  BATCH_JOB_IDS,
  CAPPED_QUEUE,
  ETL_QUEUE,
  HIGH_PRIORITY_QUEUE,
  SPOT_QUEUE,
} from '@jobgraph/emulators/batch/data';
import { SERVICE_JOB_QUEUE } from '@jobgraph/emulators/batch/queueData';
import { gql } from '../support/gateway.ts';
import { useConsoleRig } from './consoleRig.ts';
import { inTab } from './tab.ts';
import { fits } from './triageOracle.ts';

/**
 * Job queues in the console (issue 103 item 4), in Debian's Chromium through the real server on
 * the emulators: the Queues page shows each queue the token reads as `jobQueues` answers it (the
 * demo's four, `gpu-spot` INVALID in red with its reason) and each queue's front or why it could
 * not be read; a waiting job's page says why it waits, above its fields, as `Job.waiting` says.
 */

const { rig, open, describeInChromium } = useConsoleRig();
const idOf = (jobId: string) => `batch:us-east-1:${jobId}`;

interface ApiQueue {
  id: string;
  name: string;
  accountAlias: string;
  computeEnvironments: { name: string; state: string; status: string; statusReason: string }[];
}
interface ApiReason {
  code: string;
  message: string;
  evidence: string[];
}

const ask = async <T>(query: string, variables: Record<string, unknown> = {}) =>
  (await gql<T>(rig.gw, query, { token: rig.gw.tokens.read, variables })).body;

describeInChromium('Job queues in the console (Debian Chromium)', () => {
  it('shows every queue the token reads, the demo’s five with gpu-spot INVALID in red and its reason, and each front or why it is unavailable', async () => {
    const api = await ask<{ jobQueues: ApiQueue[] }>(
      '{ jobQueues { id name accountAlias computeEnvironments { name state status statusReason } } }',
    );
    expect(api.errors).toBeUndefined();
    const queues = api.data!.jobQueues;
    expect(queues.filter((q) => q.accountAlias === 'default').map((q) => q.name)).toEqual(
      [HIGH_PRIORITY_QUEUE, ETL_QUEUE, SPOT_QUEUE, CAPPED_QUEUE, SERVICE_JOB_QUEUE].map(
        (q) => q.jobQueueName,
      ),
    );
    const spot = queues.find((q) => q.accountAlias === 'default' && q.name === 'ml-training-spot')!;
    const gpu = spot.computeEnvironments.find((e) => e.name === 'gpu-spot')!;
    expect(gpu.status).toBe('INVALID');

    await inTab(open('/console/queues'), async (o) => {
      await o.page.waitForSelector(`table.queues[data-queues="${queues.length}"]`);
      const rows = await o.page.$$eval('table.queues tbody tr', (trs) =>
        trs.map((tr) => tr.getAttribute('data-queue-id')),
      );
      expect(rows).toEqual(queues.map((q) => q.id));
      const row = `tr[data-queue-id="${spot.id}"]`;
      const env = await o.page.$eval(`${row} [data-environment="gpu-spot"]`, (li) => ({
        status: li.getAttribute('data-environment-status'),
        bad: li.classList.contains('env-bad'),
        reason: li.querySelector('[data-environment-reason]')?.textContent,
        color: getComputedStyle(li.querySelector('.env-health')!).color,
      }));
      expect(env).toEqual({
        status: 'INVALID',
        bad: true,
        reason: gpu.statusReason,
        color: 'rgb(161, 26, 26)',
      });
      // Every environment as the API has it: red with its reason when DISABLED or INVALID,
      // unmarked and without a reason otherwise.
      for (const q of queues)
        for (const e of q.computeEnvironments) {
          const shown = await o.page.$eval(
            `tr[data-queue-id="${q.id}"] [data-environment="${e.name}"]`,
            (li) => [li.className, li.querySelector('[data-environment-reason]')?.textContent],
          );
          const bad = e.state === 'DISABLED' || e.status === 'INVALID';
          expect(shown).toEqual(bad ? ['env-bad', e.statusReason] : ['env-ok', undefined]);
        }

      // Each front as jobQueue's front answers it: its first jobs linked to their pages, or
      // "front unavailable" with the error's message while the rest of the row stays.
      for (const q of queues) {
        const front = await ask<{ jobQueue: { front: { job: { id: string } | null }[] } | null }>(
          'query($id: ID!) { jobQueue(id: $id) { front { job { id } } } }',
          { id: q.id },
        );
        const cell = `tr[data-queue-id="${q.id}"] td[data-label="Front"]`;
        await o.page.waitForFunction(
          (sel) => !document.querySelector(sel)?.textContent?.includes('Reading the front'),
          cell,
        );
        if (front.errors) {
          const text = await o.page.textContent(cell);
          expect(text).toContain('front unavailable');
          expect(text).toContain(front.errors[0]!.message);
        } else {
          // Linked once the shown jobs are read (by ARN, `jobs(ids:)`).
          await o.page.waitForFunction(
            (sel) => document.querySelectorAll(`${sel} li:not([data-front-read])`).length === 0,
            cell,
          );
          const links = await o.page.$$eval(`${cell} a`, (as) =>
            as.map((a) => a.getAttribute('href')),
          );
          const ids = front.data!.jobQueue!.front.slice(0, 10).flatMap((j) => j.job?.id ?? []);
          expect(links).toEqual(ids.map((id) => `/console/jobs/${encodeURIComponent(id)}`));
        }
      }
      expect(await o.page.getAttribute('nav.top-nav a[aria-current="page"]', 'href')).toBe(
        '/console/queues',
      );
      // It fits a phone's width: one card per queue.
      await o.page.setViewportSize({ width: 390, height: 844 });
      expect(await fits(o.page)).toBe(true);
      expect(o.problems).toEqual([]);
    });
  });

  it('says why a RUNNABLE job waits above its fields: the reasons in order, the invalid environment first, each with its evidence collapsed', async () => {
    const id = idOf(BATCH_JOB_IDS.runnable);
    const api = await ask<{ job: { waiting: { reasons: ApiReason[] } } }>(
      'query($id: ID!) { job(id: $id) { waiting { reasons { code message evidence } } } }',
      { id },
    );
    expect(api.errors).toBeUndefined();
    const reasons = api.data!.job.waiting.reasons;
    expect(reasons[0]!.code).toBe('COMPUTE_ENVIRONMENT_INVALID');

    await inTab(open(`/console/jobs/${encodeURIComponent(id)}`), async (o) => {
      // Live (jobUpdates delivered the job again): the panel stays as the query read it.
      await o.page.waitForSelector(`[data-job-detail="${id}"] [data-live]`);
      const panel = await o.page.waitForSelector(`[data-job-detail="${id}"] [data-why-it-waits]`);
      expect(await o.page.textContent('[data-why-it-waits] h2')).toBe('Why it waits');
      const shown = await o.page.$$eval('[data-wait-reason]', (lis) =>
        lis.map((li) => ({
          code: li.getAttribute('data-wait-reason'),
          label: li.querySelector('.wait-code')?.textContent,
          message: li.querySelector('[data-wait-message]')?.textContent,
          evidence: [...li.querySelectorAll('[data-wait-evidence]')].map((e) => e.textContent),
          open: li.querySelector('details')?.open,
        })),
      );
      expect(shown.map((r) => r.code)).toEqual(reasons.map((r) => r.code));
      expect(shown[0]).toMatchObject({
        label: 'Environment invalid',
        message: reasons[0]!.message,
        evidence: reasons[0]!.evidence,
        open: false,
      });
      // Collapsed: the evidence shows when asked for.
      const first = o.page.locator('[data-wait-reason] [data-wait-evidence]').first();
      expect(await first.isVisible()).toBe(false);
      await o.page.click('[data-wait-reason] details summary');
      expect(await first.isVisible()).toBe(true);
      // Above the fold, before the provider fields; `waiting` is not shown again among them.
      const box = (await panel.boundingBox())!;
      expect(box.y).toBeLessThan(800);
      const before = await o.page.$eval(
        '[data-why-it-waits]',
        (p) =>
          !!(
            p.compareDocumentPosition(document.querySelector('dl.fields')!) &
            Node.DOCUMENT_POSITION_FOLLOWING
          ),
      );
      expect(before).toBe(true);
      expect(await o.page.$$('xpath=//dl[@class="fields"]/div/dt[text()="waiting"]')).toEqual([]);
      expect(o.problems).toEqual([]);
    });
  });

  it('says a job waiting for capacity waits because its environment is at its maxvCpus', async () => {
    const id = idOf(BATCH_JOB_IDS.capped);
    const api = await ask<{ job: { waiting: { reasons: ApiReason[] } } }>(
      'query($id: ID!) { job(id: $id) { waiting { reasons { code message evidence } } } }',
      { id },
    );
    expect(api.errors).toBeUndefined();
    const [first] = api.data!.job.waiting.reasons;
    expect(first!.code).toBe('MAX_VCPUS_REACHED');

    await inTab(open(`/console/jobs/${encodeURIComponent(id)}`), async (o) => {
      await o.page.waitForSelector(`[data-job-detail="${id}"] [data-why-it-waits]`);
      const shown = await o.page.$eval('[data-wait-reason]', (li) => ({
        code: li.getAttribute('data-wait-reason'),
        label: li.querySelector('.wait-code')?.textContent,
        message: li.querySelector('[data-wait-message]')?.textContent,
        evidence: [...li.querySelectorAll('[data-wait-evidence]')].map((e) => e.textContent),
      }));
      expect(shown).toEqual({
        code: 'MAX_VCPUS_REACHED',
        label: 'At max vCPUs',
        message: first!.message,
        evidence: first!.evidence,
      });
      expect(o.problems).toEqual([]);
    });
  });

  it('shows no "Why it waits" on a running job’s page', async () => {
    const id = idOf(BATCH_JOB_IDS.running);
    const api = await ask<{ job: { waiting: unknown } }>(
      'query($id: ID!) { job(id: $id) { waiting { position } } }',
      { id },
    );
    expect(api.data!.job.waiting).toBeNull();
    await inTab(open(`/console/jobs/${encodeURIComponent(id)}`), async (o) => {
      await o.page.waitForSelector(`[data-job-detail="${id}"] dl.fields`);
      expect(await o.page.$$('[data-why-it-waits]')).toEqual([]);
      expect(o.problems).toEqual([]);
    });
  });
});
