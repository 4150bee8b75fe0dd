import { expect, it, vi } from 'vitest';
import { DEMO_SECOND_AWS_ACCOUNT, DEMO_SECOND_TENCENT_ACCOUNT } from '@jobgraph/emulators/accounts';
import { DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import {
  IN_PLACE_PROGRESSING_JOB_IDS,
  PROGRESS_PHASES,
  SHARED_NATIVE_JOB_IDS,
  exampleGlobalIds,
} from '@jobgraph/emulators';
import { gql } from '../support/gateway.ts';
import { SERVICE_JOB_IDS } from '@jobgraph/emulators/batch/serviceJobData';
import { useConsoleRig } from './consoleRig.ts';
import { inTab, LABEL, rows, setVisibility, watch } from './tab.ts';
import { apiOracle, fits, seconds, UTC, utc } from './triageOracle.ts';

/**
 * The console for triage (issue #39 item 6), finding a job and its page, in Debian's Chromium
 * through the real server: finding a job by its ID, a live job page and its progress, signing in
 * in a new tab, a native ID that several jobs have. Waits are on the page or the server's own
 * state, never on the clock; the emulators' clock is held by the test and moved to make a job
 * progress. The list's own views are in triage.e2e.test.ts (the two files run in parallel).
 */

const ex = exampleGlobalIds();
const { rig, open, clock, epoch, describeInChromium } = useConsoleRig();
const { listed, stateOf } = apiOracle(() => rig.gw);

describeInChromium('The jobs console for triage: a job (Debian Chromium)', () => {
  it('finds a job by its global ID, by a listed native ID or from a pasted console link, and opens its page', async () => {
    await inTab(open('/console'), async (o) => {
      const first = await listed();
      await rows(o.page);
      const find = async (text: string) => {
        await o.page.fill('#find', text);
        await o.page.press('#find', 'Enter');
      };
      const opened = async (id: string) => {
        await o.page.waitForURL(`${rig.origin}/console/jobs/${encodeURIComponent(id)}`);
        await o.page.waitForSelector(`[data-job-detail="${id}"] dl.fields`);
        await o.page.goto(`${rig.origin}/console`);
        await rows(o.page);
      };
      // A global ID, of a job the list does not show (CodePipeline has no list).
      await find(ex.codepipeline);
      await opened(ex.codepipeline);
      // A native ID of a listed job, as the provider names it.
      const listedJob = first.find((j) => j.id.startsWith('panorama:'))!;
      await find(listedJob.nativeId);
      await opened(listedJob.id);
      // The address of a job's page, pasted whole.
      const other = first.find((j) => j.id.startsWith('cos:'))!;
      await find(`  ${rig.origin}/console/jobs/${encodeURIComponent(other.id)}  `);
      await opened(other.id);
      expect(o.problems).toEqual([]);
    });
  });

  it('looks for a native ID it does not list at every global ID it would have where the list looks (one request), opens the one it finds, and otherwise says which global ID to paste, per provider whose IDs look like it, with what it asked', async () => {
    await inTab(open('/console'), async (o) => {
      const shown = await rows(o.page);
      // A Panorama job further down the list (the first 25 do not show it), of one account only:
      // found at the ID the list's default Panorama source gives it, and opened.
      const further = (await listed({}, 100))
        .slice(25)
        .find(
          (j) =>
            j.id.startsWith('panorama:') && j.nativeId !== SHARED_NATIVE_JOB_IDS.panorama.jobId,
        )!;
      expect(shown.map((r) => r.id)).not.toContain(further.id);
      await o.page.fill('#find', further.nativeId);
      await o.page.click('form.find button[type="submit"]');
      await o.page.waitForSelector(`[data-job-detail="${further.id}"] dl.fields`);
      await o.page.goto(`${rig.origin}/console`);
      await rows(o.page);

      // An ID no job has: the forms, and the IDs asked with what the server answered for each.
      const native = 'NOSUCH1';
      const calls = o.graphqlCalls();
      await o.page.fill('#find', native);
      await o.page.click('form.find button[type="submit"]');
      const answer = await o.page.waitForSelector('[data-find-answer="not-listed"]');
      expect(await answer.textContent()).toContain(
        `No job among the 25 listed here has the name or ID \u201c${native}\u201d, and jobgraph has none at the global IDs it would have where this list looks`,
      );
      const candidates = await o.page.$$eval('[data-find-candidate]', (lis) =>
        lis.map((li) => ({
          provider: li.getAttribute('data-find-candidate'),
          form: li.querySelector('code')?.textContent,
          asked: [...li.querySelectorAll('a')].map(
            (a) => `${a.textContent}${a.nextElementSibling?.textContent ?? ''}`,
          ),
        })),
      );
      // The providers whose job-ID pattern the ID matches (not HealthOmics: digits only; not
      // CodePipeline: a UUID), in the places this list shows (its regions and accounts).
      expect(candidates).toEqual([
        {
          provider: 'AWS_PANORAMA',
          form: 'panorama[@{account}]:{region}:{jobId}',
          // The list shows Panorama in both AWS accounts: the second one's ID carries its alias.
          asked: [
            `panorama:us-east-1:${native} (not found)`,
            `panorama@staging:us-east-1:${native} (not found)`,
          ],
        },
        {
          provider: 'TENCENT_COS_BATCH',
          form: 'cos:{region}:{uin}:{jobId}',
          // Both COS accounts the list shows (the demo's default and staging's UIN).
          asked: [
            `cos:ap-guangzhou:100000000001:${native} (not found)`,
            `cos:ap-guangzhou:100000000002:${native} (not found)`,
          ],
        },
        {
          provider: 'AWS_IMPORT_EXPORT',
          form: 'importexport[@{account}]:{jobId}',
          asked: [
            `importexport:${native} (not found)`,
            `importexport@staging:${native} (not found)`,
          ],
        },
      ]);
      // One request asked for all six.
      expect(o.graphqlCalls()).toBe(calls + 1);
      // It fits a phone's width too.
      await o.page.setViewportSize({ width: 390, height: 844 });
      expect(await fits(o.page)).toBe(true);
      await o.page.setViewportSize({ width: 1280, height: 800 });

      // A global ID with a part missing: its form, and no page opened.
      await o.page.goto(`${rig.origin}/console`);
      await rows(o.page);
      await o.page.fill('#find', 'cos:ap-guangzhou:5e1f0a9d');
      await o.page.press('#find', 'Enter');
      const bad = await o.page.waitForSelector('[data-find-answer="bad-form"]');
      expect(await bad.textContent()).toBe(
        '\u201ccos:ap-guangzhou:5e1f0a9d\u201d is not a whole Tencent COS Batch global ID: its form is cos:{region}:{uin}:{jobId}.',
      );
      expect(o.page.url()).toBe(`${rig.origin}/console`);
      expect(o.problems).toEqual([]);
    });
  });

  it('keeps a job page live: it moves through the states in place, closes its stream while hidden, and ends it when the job is over', async () => {
    const hub = rig.gw.server.subscriptions.hub;
    const { id, phases } = clock.intoCosProgress();
    await inTab(open(`/console/jobs/${encodeURIComponent(id)}`), async (o) => {
      const initial = await stateOf(id);
      await o.page.waitForSelector(`[data-job-detail="${id}"][data-state="${initial.state}"]`);
      await o.page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
      await vi.waitFor(() => expect(hub.open()).toBe(1), { timeout: 60_000 });
      await o.page.waitForSelector('[data-job-detail] [data-live]');
      // Hidden: no stream; shown again: the stream is back.
      await setVisibility(o.page, 'hidden');
      await vi.waitFor(() => expect(hub.open()).toBe(0), { timeout: 60_000 });
      await setVisibility(o.page, 'visible');
      await vi.waitFor(() => expect(hub.open()).toBe(1), { timeout: 60_000 });
      // Each later phase in turn: the page follows the provider, its fields with it.
      let seen = 0;
      for (const phase of phases.slice(1)) {
        clock.into(phase);
        const expected = await stateOf(id);
        await o.page.waitForSelector(`[data-job-detail="${id}"][data-state="${expected.state}"]`);
        seen++;
      }
      expect(seen).toBeGreaterThanOrEqual(2);
      const done = await stateOf(id);
      expect(done.terminal).toBe(true);
      // Over: when it finished and how long it took, every field as the provider has it now; the stream ended.
      await o.page.waitForSelector(
        `[data-job-detail] .summary time[datetime="${seconds(done.createdAt!, done.completedAt!)}"]`,
      );
      const fields = await o.page.$eval('[data-job-detail] dl.fields', (dl) => dl.textContent);
      expect(fields).toContain(`status${phases.at(-1)!.providerStatus}`);
      await vi.waitFor(() => expect(hub.open()).toBe(0), { timeout: 60_000 });
      expect(await o.page.$$('[data-job-detail] [data-live]')).toEqual([]);
      expect(await o.page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(
        1,
      );
      expect(o.problems).toEqual([]);
    });
    await vi.waitFor(() => expect(hub.open()).toBe(0), { timeout: 60_000 });
  });

  it.each(
    // CodePipeline's jobs report no status: their one event ends the stream (src/subscriptions).
    (['panorama', 'omics', 'cosbatch', 'importexport'] as const).map((name) => [name]),
  )(
    'watches an unfinished %s job on its page: its subscription of every field is within the limits and delivers',
    async (name) => {
      clock.into(PROGRESS_PHASES[name][0]!);
      // This cycle's job (HealthOmics' is a new job each cycle).
      const id = rig.gw.emulators.progressingJobIds()[name];
      await inTab(open(`/console/jobs/${encodeURIComponent(id)}`), async (o) => {
        expect((await stateOf(id)).terminal).toBe(false);
        await o.page.waitForSelector(`[data-job-detail="${id}"] [data-live]`);
        expect(await o.page.$$('[data-live-error], [data-job-detail] .banner.error')).toEqual([]);
        expect(o.problems).toEqual([]);
      });
    },
  );

  // AWS Batch service jobs (issue 102): their page, names first, with no console error.
  it('opens an AWS Batch service job’s page, its name row first', async () => {
    const id = `batchservice:us-east-1:${SERVICE_JOB_IDS.failed}`;
    await inTab(open(`/console/jobs/${encodeURIComponent(id)}`), async (o) => {
      await o.page.waitForSelector(`[data-job-detail="${id}"] dl.fields`);
      const labels = await o.page.$$eval(`[data-job-detail="${id}"] dl.fields dt`, (dts) =>
        dts.map((d) => d.textContent),
      );
      // Its name first, its own ID beside it (the heading), then its fields.
      await o.page.waitForSelector('#job-title [data-job-name]');
      expect(await o.page.textContent('#job-title [data-job-name]')).toBe(
        'vision-pretrain-sweep-7',
      );
      expect(await o.page.textContent('#job-title [data-native-id]')).toBe(SERVICE_JOB_IDS.failed);
      expect(labels).toEqual(expect.arrayContaining(['quotaShareName', 'serviceJobType']));
      expect(o.problems).toEqual([]);
    });
  });

  it('does not lose the sign-in silently in a new tab: it says why it asks, with the token field right there; the token stays in its tab', async () => {
    await inTab(open('/console'), async (o) => {
      await rows(o.page);
      const id = ex.panorama;
      // A job opened in a new tab of the same browser: sessionStorage is per tab.
      const tab = await o.context.newPage();
      const opened = { requests: [] as string[], problems: [] as string[] };
      watch(tab, opened);
      await tab.goto(`${rig.origin}/console/jobs/${encodeURIComponent(id)}`);
      const help = await tab.waitForSelector('[data-sign-in-help]');
      const text = (await help.textContent()) ?? '';
      expect(text).toContain(`To see job ${id}, this tab needs a token.`);
      expect(text).toContain('a page opened in a new tab or from a shared link asks for it again');
      expect(await tab.textContent('form.token-form')).toContain('#token=');
      expect(await tab.textContent('form.token-form')).toContain('npm start');
      // The field is there, focused.
      expect(await tab.evaluate(() => document.activeElement?.id)).toBe('token');
      expect(opened.requests.filter((u) => u.endsWith('/graphql'))).toEqual([]);
      await tab.fill('#token', rig.gw.tokens.read);
      await tab.click('form.token-form button[type="submit"]');
      await tab.waitForSelector(`[data-job-detail="${id}"] dl.fields`);
      expect(tab.url()).toBe(`${rig.origin}/console/jobs/${encodeURIComponent(id)}`);
      // Each tab holds its token in its own sessionStorage; nothing in localStorage or cookies.
      for (const page of [o.page, tab]) {
        expect(await page.evaluate(() => Object.values({ ...sessionStorage }))).toContain(
          rig.gw.tokens.read,
        );
        expect(await page.evaluate(() => localStorage.length)).toBe(0);
      }
      expect(await o.context.cookies()).toEqual([]);
      expect(opened.problems).toEqual([]);
    });
    // The list, from a shared link without a token.
    await inTab(open('/console?state=FAILED', null), async (bare) => {
      const help = await bare.page.waitForSelector('[data-sign-in-help]');
      expect(await help.textContent()).toContain('This tab has no token.');
      expect(bare.graphqlCalls()).toBe(0);
    });
  });

  it.each([
    ['panorama', SHARED_NATIVE_JOB_IDS.panorama.jobId],
    ['cosbatch', SHARED_NATIVE_JOB_IDS.cosbatch.jobId],
  ] as const)(
    'lists every job a %s native ID names in the accounts the list looks at, each with its account alias and state, instead of opening one',
    async (name, nativeId) => {
      const p = SHARED_NATIVE_JOB_IDS.panorama;
      const c = SHARED_NATIVE_JOB_IDS.cosbatch;
      const ids =
        name === 'panorama'
          ? [
              `panorama:${p.region}:${nativeId}`,
              `panorama@${DEMO_SECOND_AWS_ACCOUNT.alias}:${p.region}:${nativeId}`,
            ]
          : [
              `cos:${c.region}:${DEMO_TENCENT_CREDENTIALS.uin}:${nativeId}`,
              `cos:${c.region}:${DEMO_SECOND_TENCENT_ACCOUNT.uin}:${nativeId}`,
            ];
      const res = await gql<{
        jobs: { id: string; account: string; accountAlias: string; state: string }[];
      }>(rig.gw, 'query($ids: [ID!]!) { jobs(ids: $ids) { id account accountAlias state } }', {
        token: rig.gw.tokens.read,
        variables: { ids },
      });
      expect(res.body.errors).toBeUndefined();
      const api = res.body.data!.jobs;
      // The demo's data: one job in each account, in two states.
      expect(api.map((j) => j.accountAlias)).toEqual(['default', 'staging']);
      expect(api[0]!.state).not.toBe(api[1]!.state);
      await inTab(open('/console'), async (o) => {
        await rows(o.page);
        await o.page.fill('#find', nativeId);
        await o.page.press('#find', 'Enter');
        const answer = await o.page.waitForSelector('[data-find-answer="several"]');
        expect(await answer.textContent()).toContain(
          `2 jobs have the name or ID \u201c${nativeId}\u201d, in 2 accounts.`,
        );
        const shown = await o.page.$$eval('[data-find-match]', (lis) =>
          lis.map((li) => ({
            id: li.getAttribute('data-find-match'),
            alias: li.getAttribute('data-account-alias'),
            account: li.querySelector('[data-account]')?.textContent,
            state: li.querySelector('.badge')?.textContent,
          })),
        );
        expect(new Set(shown.map((j) => JSON.stringify(j)))).toEqual(
          new Set(
            api.map((j) =>
              JSON.stringify({
                id: j.id,
                alias: j.accountAlias,
                account: `${j.accountAlias} · ${j.account}`,
                state: LABEL[j.state],
              }),
            ),
          ),
        );
        expect(o.page.url()).toBe(`${rig.origin}/console`);
        // Each opens its own job.
        await o.page.click(`[data-find-match="${ids[0]}"] a`);
        await o.page.waitForSelector(`[data-job-detail="${ids[0]}"] dl.fields`);
        expect(await o.page.textContent('[data-job-detail] [data-account]')).toBe(
          `default · ${api[0]!.account}`,
        );
        expect(o.problems).toEqual([]);
      });
    },
  );

  it("shows a job's progress at the top of its page and follows it live", async () => {
    const phases = PROGRESS_PHASES.cosbatch;
    const id = IN_PLACE_PROGRESSING_JOB_IDS.cosbatch;
    const active = phases.find((p) => p.providerStatus === 'Active')!;
    const progressOf = async () => {
      const res = await gql<{
        job: {
          progressSummary: {
            totalNumberOfTasks: number;
            numberOfTasksSucceeded: number;
            numberOfTasksFailed: number;
          };
        };
      }>(
        rig.gw,
        `{ job(id: "${id}") { ... on CosBatchJob { progressSummary { totalNumberOfTasks numberOfTasksSucceeded numberOfTasksFailed } } } }`,
        { token: rig.gw.tokens.read },
      );
      const p = res.body.data!.job.progressSummary;
      return `${p.numberOfTasksSucceeded + p.numberOfTasksFailed}/${p.totalNumberOfTasks}`;
    };
    clock.at = epoch + active.fromMs + 1_000;
    const first = await progressOf();
    await inTab(open(`/console/jobs/${encodeURIComponent(id)}`), async (o) => {
      await o.page.waitForSelector(`[data-job-detail="${id}"] [data-job-progress="${first}"]`);
      const box = (await o.page.locator('[data-job-progress]').boundingBox())!;
      expect(box.y + box.height).toBeLessThan(800);
      expect(await o.page.textContent('[data-job-progress]')).toMatch(/^Progress\d+ \/ \d+ tasks/);
      // The provider moves on: the page follows without a reload.
      clock.at = epoch + Math.round((active.fromMs + active.toMs) / 2);
      const later = await progressOf();
      expect(later).not.toBe(first);
      await o.page.waitForSelector(`[data-job-progress="${later}"]`);
      clock.into(phases.at(-1)!);
      const done = await progressOf();
      await o.page.waitForSelector(`[data-job-progress="${done}"]`);
      expect(done.split('/')[0]).toBe(done.split('/')[1]);
      expect(o.problems).toEqual([]);
    });
  });

  it('shows the Unix times a provider sends (COS Batch copy constraints) as it shows every other time', async () => {
    const res = await gql<{
      job: { operation: { putObjectCopy: Record<string, number> } };
    }>(
      rig.gw,
      `{ job(id: "${ex.cosbatch}") { ... on CosBatchJob { operation { putObjectCopy { modifiedSinceConstraint unModifiedSinceConstraint } } } } }`,
      { token: rig.gw.tokens.read },
    );
    const sent = res.body.data!.job.operation.putObjectCopy;
    expect(Object.keys(sent)).toHaveLength(2);
    await inTab(open(`/console/jobs/${encodeURIComponent(ex.cosbatch)}`), async (o) => {
      await o.page.waitForSelector(`[data-job-detail="${ex.cosbatch}"] dl.fields`);
      for (const [field, seconds] of Object.entries(sent)) {
        const iso = new Date(seconds * 1000).toISOString();
        const shown = await o.page.$eval(
          `xpath=//dt[text()="${field}"]/following-sibling::dd[1]`,
          (dd) => ({
            text: dd.textContent,
            datetime: dd.querySelector('time')?.getAttribute('datetime'),
          }),
        );
        expect(shown).toEqual({ text: utc(iso), datetime: iso });
        expect(shown.text).toMatch(UTC);
      }
      expect(o.problems).toEqual([]);
    });
  });
});
