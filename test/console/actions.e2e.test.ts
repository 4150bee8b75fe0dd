import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { DEMO_AWS_CREDENTIALS } from '@jobgraph/emulators/framework';
import { DEMO_DATA } from '@jobgraph/emulators';
import { writerToken } from '../support/accountTokens.ts';
import { clearCalls, gql } from '../support/gateway.ts';
import { realPart } from '../support/realParts.ts';
import { useConsoleRig } from './consoleRig.ts';
import { rows } from './tab.ts';

/**
 * The console acts on jobs (issue #73 item 5), in Debian's Chromium through the real demo server:
 * a job page's actions and the list's bulk cancel for a `jobs:write` token, nothing of either for
 * a `jobs:read` one. The emulators' call logs count the write calls that arrive; the API (the
 * same mutations' dry run, availableActions) and @aws-sdk/client-batch's DescribeJobs against the
 * emulator are the oracles. Each test acts on Batch jobs of its own, so their order does not matter.
 */

const chromiumPart = realPart('chromium');
const { rig, open, clock } = useConsoleRig();

const batchId = (name: keyof typeof BATCH_JOB_IDS) => {
  const example = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
  return example.slice(0, example.lastIndexOf(':') + 1) + BATCH_JOB_IDS[name];
};

/** The states of a finished job, whose row offers no checkbox. */
const FINISHED = ['SUCCEEDED', 'SUCCEEDED_WITH_ERRORS', 'FAILED', 'CANCELLED'];

/** The write calls the Batch emulator received since the last clearCalls: `CancelJob <id>`… */
const writeCalls = () =>
  rig.gw.emulators.batch.calls
    .map((c) => c.operation)
    .filter((op) => /^(CancelJob|TerminateJob)\b/.test(op));

const token = { writer: '' };
let batch: BatchClient;
beforeAll(async () => {
  token.writer = await writerToken(rig.gw, undefined, 'oncall-console');
  batch = new BatchClient({
    region: 'us-east-1',
    maxAttempts: 1,
    credentials: { ...DEMO_AWS_CREDENTIALS },
    endpoint: rig.gw.emulators.batch.url,
    systemClockOffset: clock.at - Date.now(),
  });
});
afterAll(() => batch?.destroy());

/** The job as the Batch emulator describes it to the AWS SDK. */
async function described(native: string) {
  const out = await batch.send(new DescribeJobsCommand({ jobs: [native] }));
  return out.jobs?.[0];
}

/** What the API says this token may do to the job now. */
async function availableActions(id: string, as: string): Promise<string[]> {
  const res = await gql<{ job: { availableActions: string[] } }>(
    rig.gw,
    'query ($id: ID!) { job(id: $id) { availableActions } }',
    { token: as, variables: { id } },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.job.availableActions;
}

/** The Idempotency-Key of every mutation the page sends. */
function mutationKeys(page: Page): (string | undefined)[] {
  const keys: (string | undefined)[] = [];
  page.on('request', (r) => {
    if (r.method() === 'POST' && r.postData()?.includes('mutation'))
      keys.push(r.headers()['idempotency-key']);
  });
  return keys;
}

/** The header has the token's access: the action controls, if any, are decided by then. */
const accessKnown = (page: Page) => page.waitForSelector('.token-access');

describe.skipIf(chromiumPart.skip)('The jobs console acts on jobs (Debian Chromium)', () => {
  it('shows a jobs:read token no action control at all, on a job page or the list; a jobs:write token none on a finished job', async () => {
    const queued = batchId('pending');
    expect(await availableActions(queued, rig.gw.tokens.read)).toEqual([]);
    const o = await open(`/console/jobs/${encodeURIComponent(queued)}`);
    try {
      await o.page.waitForSelector(`[data-job-detail="${queued}"] dl.fields`);
      await accessKnown(o.page);
      expect(await o.page.$$('[data-job-actions], [data-action]')).toEqual([]);
      await o.visit('/console?provider=AWS_BATCH');
      await rows(o.page);
      await accessKnown(o.page);
      expect(await o.page.$$('[data-select], [data-select-all], [data-bulk-actions]')).toEqual([]);
    } finally {
      await o.context.close();
    }
    const finished = batchId('succeeded');
    expect(await availableActions(finished, token.writer)).toEqual([]);
    const w = await open(`/console/jobs/${encodeURIComponent(finished)}`, token.writer);
    try {
      await w.page.waitForSelector(`[data-job-detail="${finished}"] dl.fields`);
      await accessKnown(w.page);
      expect(await w.page.$$('[data-job-actions]')).toEqual([]);
      expect(w.problems).toEqual([]);
    } finally {
      await w.context.close();
    }
  });

  it('cancels a RUNNABLE Batch job from its page with a reason: one CancelJob for a double click, the outcome in words, the job FAILED with the reason as its statusReason', async () => {
    const id = batchId('runnable');
    const reason = 'Superseded by sweep 5 (console test)';
    const offered = await availableActions(id, token.writer);
    expect(offered).toContain('CANCEL');
    const o = await open(`/console/jobs/${encodeURIComponent(id)}`, token.writer);
    try {
      const keys = mutationKeys(o.page);
      await o.page.waitForSelector('[data-job-actions]');
      // The page watches the job, its live query selecting availableActions and actionsTaken too.
      await o.page.waitForSelector(`[data-job-detail="${id}"] [data-live]`);
      expect(await o.page.$$('[data-live-error]')).toEqual([]);
      // The buttons are those availableActions lists, and only those.
      expect(
        await o.page.$$eval('[data-job-actions] [data-action]', (bs) =>
          bs.map((b) => b.getAttribute('data-action')),
        ),
      ).toEqual(offered);
      clearCalls(rig.gw);
      await o.page.click('[data-action="CANCEL"]');
      const send = '[data-action-form="CANCEL"] button[type="submit"]';
      // The reason is required: nothing can be sent without one.
      expect(await o.page.isDisabled(send)).toBe(true);
      await o.page.fill('#action-reason', reason);
      expect(await o.page.isEnabled(send)).toBe(true);
      await o.page.dblclick(send);
      const outcome = await o.page.waitForSelector('[data-action-outcome="REQUESTED"]');
      expect(await outcome.textContent()).toMatch(/^Cancel requested\. AWS Batch took the cancel/);
      await o.page.waitForSelector(`[data-job-detail="${id}"][data-state="FAILED"]`);
      expect(await o.page.textContent('[data-failure-reasons]')).toContain(reason);
      // One attempt, one key, one call, however many clicks.
      expect(keys.length).toBeGreaterThan(0);
      expect(new Set(keys).size).toBe(1);
      expect(keys[0]).toMatch(/^[0-9a-f]{32}$/);
      expect(writeCalls()).toEqual([`CancelJob ${BATCH_JOB_IDS.runnable}`]);
      const job = await described(BATCH_JOB_IDS.runnable);
      expect(job).toMatchObject({ status: 'FAILED', statusReason: reason });
      // Nothing more to stop: the cancel is gone (a cancelled Batch job is FAILED: it may be
      // rerun), the result stays.
      expect(
        await o.page.$$eval('[data-job-actions] [data-action]', (bs) =>
          bs.map((b) => b.getAttribute('data-action')),
        ),
      ).toEqual(['RERUN']);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('reruns a failed Batch job from its page with a reason: one SubmitJob for a double click, the new job linked both ways', async () => {
    const id = batchId('imagePull');
    const reason = 'Image 9.9.9 is pushed now (console test)';
    expect(await availableActions(id, token.writer)).toEqual(['RERUN']);
    const o = await open(`/console/jobs/${encodeURIComponent(id)}`, token.writer);
    try {
      const keys = mutationKeys(o.page);
      await o.page.waitForSelector('[data-job-actions] [data-action="RERUN"]');
      clearCalls(rig.gw);
      await o.page.click('[data-action="RERUN"]');
      const send = '[data-action-form="RERUN"] button[type="submit"]';
      expect(await o.page.isDisabled(send)).toBe(true);
      await o.page.fill('#action-reason', reason);
      await o.page.dblclick(send);
      const outcome = await o.page.waitForSelector('[data-action-outcome="REQUESTED"]');
      expect(await outcome.textContent()).toMatch(/^Rerun requested\. AWS Batch took the rerun/);
      const link = await o.page.waitForSelector('[data-rerun-link]');
      const made = (await link.getAttribute('data-rerun-link'))!;
      expect(new Set(keys).size).toBe(1);
      const submits = rig.gw.emulators.batch.calls.filter((c) =>
        c.operation.startsWith('SubmitJob'),
      );
      expect(submits).toHaveLength(1);
      // The job rerun links its rerun; the rerun's page links back.
      await o.page.waitForSelector(`[data-reruns] [data-rerun="${made}"]`);
      const native = made.slice(made.lastIndexOf(':') + 1);
      expect(await described(native)).toMatchObject({
        jobName: (await described(BATCH_JOB_IDS.imagePull))!.jobName,
        tags: expect.objectContaining({ 'jobgraph:rerun-of': id }),
      });
      await link.click();
      await o.page.waitForSelector(`[data-job-detail="${made}"] [data-rerun-of="${id}"]`);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it("terminates a RUNNING Batch job only once the job's name is typed", async () => {
    const id = batchId('running');
    const reason = 'Runaway: burning the GPU budget';
    expect(await availableActions(id, token.writer)).toContain('TERMINATE');
    const o = await open(`/console/jobs/${encodeURIComponent(id)}`, token.writer);
    try {
      await o.page.waitForSelector('[data-job-actions] [data-action="TERMINATE"]');
      clearCalls(rig.gw);
      await o.page.click('[data-action="TERMINATE"]');
      const send = '[data-action-form="TERMINATE"] button[type="submit"]';
      await o.page.fill('#action-reason', reason);
      expect(await o.page.isDisabled(send)).toBe(true);
      await o.page.fill('[data-confirm]', 'align-NA1289');
      expect(await o.page.isDisabled(send)).toBe(true);
      // The submit stays refused by the form itself (Enter in the field), not only the button.
      await o.page.press('[data-confirm]', 'Enter');
      expect(writeCalls()).toEqual([]);
      const name = (await described(BATCH_JOB_IDS.running))!.jobName!;
      await o.page.fill('[data-confirm]', name);
      expect(await o.page.isEnabled(send)).toBe(true);
      await o.page.click(send);
      await o.page.waitForSelector('[data-action-outcome="REQUESTED"]');
      await o.page.waitForSelector(`[data-job-detail="${id}"][data-state="FAILED"]`);
      expect(writeCalls()).toEqual([`TerminateJob ${BATCH_JOB_IDS.running}`]);
      expect(await described(BATCH_JOB_IDS.running)).toMatchObject({
        status: 'FAILED',
        statusReason: reason,
      });
    } finally {
      await o.context.close();
    }
  });

  it('cancels jobs selected in the list: a dry run previews what the API says and calls nothing, the typed count lets the real call through, each result shown and its row updated', async () => {
    const picked = (['pending', 'submitted', 'starting', 'multiNode'] as const).map(batchId);
    const reason = 'Queue drained for maintenance';
    const o = await open('/console?provider=AWS_BATCH', token.writer);
    try {
      const shown = await rows(o.page);
      await o.page.waitForSelector('[data-select-all]');
      // Select all on the page: every unfinished row; again: none.
      const open_ = shown.filter((r) => !FINISHED.includes(r.state)).map((r) => r.id);
      expect(
        await o.page.$$eval('[data-select]', (els) =>
          els.map((e) => e.getAttribute('data-select')),
        ),
      ).toEqual(open_);
      await o.page.click('[data-select-all]');
      const selected = await o.page.waitForSelector(
        '[data-bulk-actions] h2:has-text("jobs selected")',
      );
      // The page keeps its rows live: a demo job that moved on since they were read (the
      // progressing job, the service job) changes which rows are unfinished. Every one selectable
      // now is selected.
      const selectable = await o.page.$$eval('[data-select]', (els) => els.length);
      expect(await selected.textContent()).toMatch(new RegExp(`^${selectable} jobs selected`));
      await o.page.click('[data-select-all]');
      await o.page.waitForSelector('[data-bulk-actions]', { state: 'detached' });
      for (const id of picked) await o.page.check(`[data-select="${id}"]`);
      const order = shown.map((r) => r.id).filter((id) => picked.includes(id));
      expect(order.length).toBe(picked.length);

      // The dry run: what the API answers to the same question, and no write call.
      clearCalls(rig.gw);
      const preview = '[data-bulk-preview-button]';
      expect(await o.page.isDisabled(preview)).toBe(true);
      await o.page.fill('#bulk-reason', reason);
      await o.page.click(preview);
      const summary = await o.page.waitForSelector('[data-bulk-preview-summary]');
      const oracle = await gql<{
        cancelJobs: { id: string; outcome: string; job: { availableActions: string[] } }[];
      }>(
        rig.gw,
        'mutation ($ids: [ID!]!, $reason: String!) { cancelJobs(ids: $ids, reason: $reason, dryRun: true) { id outcome job { availableActions } } }',
        { token: token.writer, variables: { ids: order, reason } },
      );
      const answers = oracle.body.data!.cancelJobs;
      const would = answers.filter((a) => a.outcome === 'WOULD_APPLY').length;
      const running = answers.filter(
        (a) => a.outcome === 'NOT_APPLIED' && a.job.availableActions.includes('TERMINATE'),
      ).length;
      expect([would, running]).toEqual([2, 2]);
      expect(await summary.getAttribute('data-would-cancel')).toBe(String(would));
      expect(await summary.getAttribute('data-running')).toBe(String(running));
      expect(await summary.textContent()).toContain(
        `${would} would be cancelled, ${running} are running: terminate those?`,
      );
      expect(writeCalls()).toEqual([]);

      // Terminate the running ones too: the count to type is all four.
      await o.page.check('[data-terminate-running]');
      const act = '[data-bulk-act]';
      expect(await o.page.textContent(act)).toBe('Cancel and terminate 4 jobs');
      expect(await o.page.isDisabled(act)).toBe(true);
      await o.page.fill('[data-bulk-confirm]', '3');
      expect(await o.page.isDisabled(act)).toBe(true);
      expect(writeCalls()).toEqual([]);
      await o.page.fill('[data-bulk-confirm]', '4');
      await o.page.click(act);
      await o.page.waitForSelector('[data-bulk-results-summary]');
      const results = await o.page.$$eval('[data-bulk-results] li', (lis) =>
        lis.map((li) => [
          li.getAttribute('data-result-id'),
          li.getAttribute('data-action'),
          li.getAttribute('data-outcome'),
        ]),
      );
      expect(results).toEqual(
        order.map((id) => [
          id,
          id === batchId('pending') || id === batchId('submitted') ? 'CANCEL' : 'TERMINATE',
          'REQUESTED',
        ]),
      );
      expect(writeCalls().sort()).toEqual(
        [
          `CancelJob ${BATCH_JOB_IDS.pending}`,
          `CancelJob ${BATCH_JOB_IDS.submitted}`,
          `TerminateJob ${BATCH_JOB_IDS.starting}`,
          `TerminateJob ${BATCH_JOB_IDS.multiNode}`,
        ].sort(),
      );
      // Each row shows its job as it is now, and the emulator agrees.
      for (const id of picked)
        await o.page.waitForSelector(`tr[data-job-id="${id}"][data-state="FAILED"]`);
      for (const name of ['pending', 'submitted', 'starting', 'multiNode'] as const)
        expect(await described(BATCH_JOB_IDS[name])).toMatchObject({
          status: 'FAILED',
          statusReason: reason,
        });
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('reruns the failed jobs a list shows: a dry run sorts them by retryability as the API does and submits nothing, rerunning those too and the typed count let them through, each new job linked', async () => {
    // The failed jobs only: a list of them does not change while the test acts.
    const o = await open('/console?state=FAILED&provider=AWS_BATCH', token.writer);
    try {
      const shown = await rows(o.page);
      const failed = shown.filter((r) => r.state === 'FAILED').map((r) => r.id);
      expect(failed).toHaveLength(shown.length);
      expect(failed.length).toBeGreaterThan(1);
      await o.page.waitForSelector('[data-bulk-rerun]');
      clearCalls(rig.gw);
      const reason = 'The platform fix is out (console bulk rerun)';
      await o.page.fill('#rerun-reason', reason);
      await o.page.click('[data-rerun-preview-button]');
      const summary = await o.page.waitForSelector('[data-rerun-preview-summary]');
      // The oracle: the same dry run through the API, sorted by Job.failure.retryable.
      const dry = await gql<{
        rerunJobs: { outcome: string; job: { failure: { retryable: boolean } | null } | null }[];
      }>(
        rig.gw,
        'mutation($ids: [ID!]!, $reason: String!) { rerunJobs(ids: $ids, reason: $reason) { outcome job { failure { retryable } } } }',
        { token: token.writer, variables: { ids: failed, reason } },
      );
      const would = dry.body.data!.rerunJobs.filter((r) => r.outcome === 'WOULD_APPLY');
      const retryable = would.filter((r) => r.job?.failure?.retryable !== false).length;
      const notRetryable = would.length - retryable;
      expect(await summary.getAttribute('data-would-rerun')).toBe(String(retryable));
      expect(await summary.getAttribute('data-not-retryable')).toBe(String(notRetryable));
      expect(await summary.textContent()).toContain(`${retryable} would be rerun`);
      expect(writeCalls()).toEqual([]);
      expect(
        rig.gw.emulators.batch.calls.filter((c) => /^Submit(Service)?Job/.test(c.operation)),
      ).toEqual([]);
      // "…are not retryable: rerun those too?": yes, all of them.
      expect(notRetryable).toBeGreaterThan(0);
      const all = retryable + notRetryable;
      await o.page.check('[data-rerun-also]');
      expect(await o.page.isDisabled('[data-rerun-act]')).toBe(true);
      await o.page.fill('[data-rerun-confirm]', String(all));
      await o.page.dblclick('[data-rerun-act]');
      await o.page.waitForSelector('[data-rerun-results]');
      const links = await o.page.$$eval('[data-rerun-results] [data-rerun-result-link]', (as) =>
        as.map((a) => a.getAttribute('data-rerun-result-link')),
      );
      expect(links).toHaveLength(all);
      expect(
        rig.gw.emulators.batch.calls.filter((c) => /^Submit(Service)?Job/.test(c.operation)),
      ).toHaveLength(all);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });
});
