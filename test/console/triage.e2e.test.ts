import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
} from '../../src/emulators/accounts.ts';
import { DEMO_TENCENT_CREDENTIALS } from '../../src/emulators/framework.ts';
import {
  PROGRESS_PHASES,
  PROGRESSING_JOB_IDS,
  SHARED_NATIVE_JOB_IDS,
  exampleGlobalIds,
} from '../../src/emulators/index.ts';
import { launchChromium } from '../support/browser.ts';
import { realPart } from '../support/realParts.ts';
import { gql, resetFaults, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { LABEL, rows, setVisibility, tabOpener, watch } from './tab.ts';

/**
 * The console for triage (issue #39 item 6), in Debian's Chromium through the real server: when
 * jobs finished and how long they took, finding a job by its ID, a live job page, the rows shown
 * kept in the URL, bad filters in words, signing in in a new tab, counts per state and the
 * Unknown box. Waits are on the page or the server's own state, never on the clock; the
 * emulators' clock is held by the test and moved to make a job progress.
 */

const ex = exampleGlobalIds();
const epoch = Date.now();

const chromiumPart = realPart('chromium');
let emulatorNow = epoch;
let gw: TestGateway;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  gw = await startTestGateway(
    // Watched jobs are polled every 50–200 ms instead of every 2 s, so a change shows soon.
    { JOBGRAPH_WATCH_POLL_MS: '50', JOBGRAPH_WATCH_MAX_POLL_MS: '200' },
    { emulatorClock: { now: () => emulatorNow, epochMs: epoch } },
  );
  origin = new URL(gw.server.url).origin;
  browser = await launchChromium();
});
afterAll(async () => {
  await browser?.close();
  await gw?.close();
});
afterEach(() => {
  resetFaults(gw);
  emulatorNow = epoch;
});

const open = tabOpener(() => ({ browser, origin, token: gw.tokens.read }));

interface ApiJob {
  id: string;
  nativeId: string;
  state: string;
  terminal: boolean;
  createdAt: string | null;
  completedAt: string | null;
}

/** The first `first` jobs of listJobs for a filter, as the API answers them: the oracle. */
async function listed(filter: Record<string, unknown> = {}, first = 25): Promise<ApiJob[]> {
  const res = await gql<{ listJobs: { nodes: ApiJob[] } }>(
    gw,
    `query($filter: JobListFilter) { listJobs(filter: $filter, first: ${first}) {
      nodes { id nativeId state terminal createdAt completedAt } } }`,
    { token: gw.tokens.read, variables: { filter } },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.listJobs.nodes;
}

const stateOf = async (id: string): Promise<ApiJob> =>
  (
    await gql<{ job: ApiJob }>(
      gw,
      `{ job(id: "${id}") { id nativeId state terminal createdAt completedAt } }`,
      { token: gw.tokens.read },
    )
  ).body.data!.job;

const UTC = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/;
const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
const seconds = (from: string, to: string) =>
  `PT${Math.round((Date.parse(to) - Date.parse(from)) / 1000)}S`;

/** A row's Finished and Duration cells as the page shows them. */
async function timeCells(page: Page, id: string) {
  return page.$eval(`tr[data-job-id="${id}"]`, (tr) => {
    const cell = (label: string) => {
      const td = tr.querySelector(`td[data-label="${label}"]`)!;
      const time = td.querySelector('time');
      return {
        text: td.textContent ?? '',
        datetime: time?.getAttribute('datetime') ?? null,
        title: (time ?? td.querySelector('[title]'))?.getAttribute('title') ?? null,
        running: time?.hasAttribute('data-running') ?? false,
      };
    };
    return { finished: cell('Finished'), duration: cell('Duration') };
  });
}

const fits = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);

describe.skipIf(chromiumPart.skip)('The jobs console for triage (Debian Chromium)', () => {
  it('shows when each job finished and how long it took (created → completed), an unfinished job its time so far, and updates both live', async () => {
    const phases = PROGRESS_PHASES.cosbatch;
    const progressing = PROGRESSING_JOB_IDS.cosbatch;
    emulatorNow = epoch + phases[0]!.fromMs + 10;
    const o = await open('/console?shown=100');
    try {
      const shown = await rows(o.page);
      const api = new Map((await listed({}, 100)).map((j) => [j.id, j]));
      expect(shown.map((r) => r.id)).toEqual([...api.keys()]);
      const kinds = new Set<string>();
      for (const { id } of shown) {
        const job = api.get(id)!;
        const { finished, duration } = await timeCells(o.page, id);
        if (job.completedAt && job.createdAt) {
          kinds.add('finished');
          expect(finished.datetime, id).toBe(job.completedAt);
          expect(finished.title, id).toMatch(UTC);
          expect(finished.text, id).toMatch(/ago|just now/);
          expect(duration.datetime, id).toBe(seconds(job.createdAt, job.completedAt));
          expect(duration.title, id).toBe(
            `${utc(job.createdAt)} (created) → ${utc(job.completedAt)} (completed)`,
          );
          expect(duration.running, id).toBe(false);
          expect(duration.text, id).toMatch(/^\d+ (s|min|h|days?)\b/);
        } else if (!job.terminal && job.createdAt) {
          kinds.add('running');
          expect(finished.text, id).toBe('—');
          expect(finished.title, id).toBe('Not finished');
          expect(duration.running, id).toBe(true);
          expect(duration.text, id).toMatch(/ so far$/);
          expect(duration.title, id).toBe(`Since ${utc(job.createdAt)} (created); not finished`);
        } else if (job.terminal) {
          // Import/Export reports no completion time: neither is made up.
          kinds.add('finished, no time');
          expect(finished.text, id).toBe('—');
          expect(finished.title, id).toBe('The provider does not report when this job finished');
          expect(duration.text, id).toBe('—');
          expect(duration.datetime, id).toBeNull();
        }
      }
      expect([...kinds].sort()).toEqual(['finished', 'finished, no time', 'running']);

      // The progressing job finishes: its row now says when, and how long it took.
      expect((await timeCells(o.page, progressing)).duration.running).toBe(true);
      emulatorNow = epoch + phases.at(-1)!.fromMs + 10;
      const done = await stateOf(progressing);
      expect(done.completedAt).not.toBeNull();
      await o.page.waitForSelector(
        `tr[data-job-id="${progressing}"][data-state="${done.state}"] td[data-label="Finished"] time`,
      );
      const after = await timeCells(o.page, progressing);
      expect(after.finished.datetime).toBe(done.completedAt);
      expect(after.duration.datetime).toBe(seconds(done.createdAt!, done.completedAt!));
      expect(after.duration.running).toBe(false);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('finds a job by its global ID, by a listed native ID or from a pasted console link, and opens its page', async () => {
    const o = await open('/console');
    try {
      const first = await listed();
      await rows(o.page);
      const find = async (text: string) => {
        await o.page.fill('#find', text);
        await o.page.press('#find', 'Enter');
      };
      const opened = async (id: string) => {
        await o.page.waitForURL(`${origin}/console/jobs/${encodeURIComponent(id)}`);
        await o.page.waitForSelector(`[data-job-detail="${id}"] dl.fields`);
        await o.page.goto(`${origin}/console`);
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
      await find(`  ${origin}/console/jobs/${encodeURIComponent(other.id)}  `);
      await opened(other.id);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('looks for a native ID it does not list at every global ID it would have where the list looks (one request), opens the one it finds, and otherwise says which global ID to paste, per provider whose IDs look like it, with what it asked', async () => {
    const o = await open('/console');
    try {
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
      await o.page.goto(`${origin}/console`);
      await rows(o.page);

      // An ID no job has: the forms, and the IDs asked with what the server answered for each.
      const native = 'NOSUCH1';
      const calls = o.graphqlCalls();
      await o.page.fill('#find', native);
      await o.page.click('form.find button[type="submit"]');
      const answer = await o.page.waitForSelector('[data-find-answer="not-listed"]');
      expect(await answer.textContent()).toContain(
        `No job among the 25 listed here has the ID \u201c${native}\u201d, and jobgraph has none at the global IDs it would have where this list looks`,
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
      await o.page.goto(`${origin}/console`);
      await rows(o.page);
      await o.page.fill('#find', 'cos:ap-guangzhou:5e1f0a9d');
      await o.page.press('#find', 'Enter');
      const bad = await o.page.waitForSelector('[data-find-answer="bad-form"]');
      expect(await bad.textContent()).toBe(
        '\u201ccos:ap-guangzhou:5e1f0a9d\u201d is not a whole COS Batch global ID: its form is cos:{region}:{uin}:{jobId}.',
      );
      expect(o.page.url()).toBe(`${origin}/console`);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('keeps a job page live: it moves through the states in place, closes its stream while hidden, and ends it when the job is over', async () => {
    const hub = gw.server.subscriptions.hub;
    const phases = PROGRESS_PHASES.cosbatch;
    const id = PROGRESSING_JOB_IDS.cosbatch;
    emulatorNow = epoch + phases[0]!.fromMs + 10;
    const o = await open(`/console/jobs/${encodeURIComponent(id)}`);
    try {
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
        emulatorNow = epoch + phase.fromMs + 10;
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
    } finally {
      await o.context.close();
    }
    await vi.waitFor(() => expect(hub.open()).toBe(0), { timeout: 60_000 });
  });

  it.each(
    // CodePipeline's jobs report no status: their one event ends the stream (src/subscriptions).
    (['panorama', 'omics', 'cosbatch', 'importexport'] as const).map((name) => [
      name,
      PROGRESSING_JOB_IDS[name],
    ]),
  )(
    'watches an unfinished %s job on its page: its subscription of every field is within the limits and delivers',
    async (name, id) => {
      emulatorNow = epoch + PROGRESS_PHASES[name][0]!.fromMs + 10;
      const o = await open(`/console/jobs/${encodeURIComponent(id)}`);
      try {
        expect((await stateOf(id)).terminal).toBe(false);
        await o.page.waitForSelector(`[data-job-detail="${id}"] [data-live]`);
        expect(await o.page.$$('[data-live-error], [data-job-detail] .banner.error')).toEqual([]);
        expect(o.problems).toEqual([]);
      } finally {
        await o.context.close();
      }
    },
  );

  it('keeps the number of rows shown in the URL: "Show more" sets it, a reload and a shared link show as many, new filters start again', async () => {
    const o = await open('/console');
    try {
      expect(await rows(o.page)).toHaveLength(25);
      await o.page.click('button.more');
      await o.page.waitForURL(`${origin}/console?shown=50`);
      const fifty = await rows(o.page);
      expect(fifty.map((r) => r.id)).toEqual((await listed({}, 50)).map((j) => j.id));
      await o.page.reload();
      expect((await rows(o.page)).map((r) => r.id)).toEqual(fifty.map((r) => r.id));
      // A new filter set is a new list: one page again.
      await o.page.check('input[name="state"][value="QUEUED"]');
      await o.page.click('form.filters button[type="submit"]');
      await o.page.waitForURL(`${origin}/console?state=QUEUED`);
      expect((await rows(o.page)).length).toBeLessThanOrEqual(25);
    } finally {
      await o.context.close();
    }
    const shared = await open('/console?provider=AWS_PANORAMA,TENCENT_COS_BATCH&shown=75');
    try {
      const shown = await rows(shared.page);
      expect(shown).toHaveLength(75);
      expect(shown.map((r) => r.id)).toEqual(
        (await listed({ providers: ['AWS_PANORAMA', 'TENCENT_COS_BATCH'] }, 75)).map((j) => j.id),
      );
      expect(shared.page.url()).toBe(
        `${origin}/console?provider=AWS_PANORAMA,TENCENT_COS_BATCH&shown=75`,
      );
      // A job page's way back returns to as many rows.
      await shared.page.click(`tr[data-job-id="${shown[60]!.id}"] a`);
      await shared.page.waitForSelector(`[data-job-detail="${shown[60]!.id}"]`);
      await shared.page.click('text=← All jobs');
      expect((await rows(shared.page)).map((r) => r.id)).toEqual(shown.map((r) => r.id));
    } finally {
      await shared.context.close();
    }
  });

  it.each([
    ['?state=NOPE', 'state', 'The state filter \u201cNOPE\u201d is not a state; it takes QUEUED'],
    [
      '?provider=AWS_NOPE',
      'provider',
      'The provider filter \u201cAWS_NOPE\u201d is not a provider; it takes AWS_PANORAMA',
    ],
    [
      '?region=bad%20region',
      'region',
      'The region filter \u201cbad region\u201d is not a region; it takes an AWS region such as us-east-1 or a Tencent Cloud region such as ap-guangzhou',
    ],
    [
      '?createdAfter=yesterday',
      'createdAfter',
      'The createdAfter filter \u201cyesterday\u201d is not a date; it takes a UTC day such as 2026-11-01',
    ],
    [
      '?createdBefore=2026-02-31',
      'createdBefore',
      'The createdBefore filter \u201c2026-02-31\u201d is not a date',
    ],
  ])(
    'says what is wrong with the filter %s in the URL, in words, before asking the server',
    async (search, filter, sentence) => {
      const o = await open(`/console${search}`);
      try {
        const problem = await o.page.waitForSelector(`[data-filter-problem="${filter}"]`);
        expect(await problem.textContent()).toContain(sentence);
        expect(o.graphqlCalls()).toBe(0);
        expect(await o.page.$$('tr[data-job-id]')).toEqual([]);
        // The way out: the list without it.
        await o.page.click(`[data-filter-problem="${filter}"] a`);
        await o.page.waitForURL(`${origin}/console`);
        expect(await rows(o.page)).toHaveLength(25);
        expect(await o.page.$$('[data-filter-problem]')).toEqual([]);
      } finally {
        await o.context.close();
      }
    },
  );

  it("says in words what the server refused in a filter (a region no provider serves, too many regions), not GraphQL's message", async () => {
    const regions = Array.from({ length: 11 }, (_, i) => `us-west-${i + 1}`).join(',');
    const cases: [string, string][] = [
      [
        '?region=eu-nowhere-9',
        'The region filter \u201ceu-nowhere-9\u201d is not a region any provider asked serves: ',
      ],
      [`?region=${regions}`, 'The region filter names 11 values; one list takes at most 10.'],
    ];
    for (const [search, sentence] of cases) {
      const o = await open(`/console${search}`);
      try {
        const problem = await o.page.waitForSelector('[data-filter-problem="region"]');
        const text = (await problem.textContent()) ?? '';
        expect(text, search).toContain(sentence);
        expect(text, search).not.toMatch(/Argument|Variable|\$filter/);
        expect(await o.page.$$('.banner.error:not([data-filter-problems])')).toEqual([]);
      } finally {
        await o.context.close();
      }
    }
  });

  it('does not lose the sign-in silently in a new tab: it says why it asks, with the token field right there; the token stays in its tab', async () => {
    const o = await open('/console');
    try {
      await rows(o.page);
      const id = ex.panorama;
      // A job opened in a new tab of the same browser: sessionStorage is per tab.
      const tab = await o.context.newPage();
      const opened = { requests: [] as string[], problems: [] as string[] };
      watch(tab, opened);
      await tab.goto(`${origin}/console/jobs/${encodeURIComponent(id)}`);
      const help = await tab.waitForSelector('[data-sign-in-help]');
      const text = (await help.textContent()) ?? '';
      expect(text).toContain(`To see job ${id}, this tab needs a token.`);
      expect(text).toContain('a page opened in a new tab or from a shared link asks for it again');
      expect(await tab.textContent('form.token-form')).toContain('#token=');
      expect(await tab.textContent('form.token-form')).toContain('npm start');
      // The field is there, focused.
      expect(await tab.evaluate(() => document.activeElement?.id)).toBe('token');
      expect(opened.requests.filter((u) => u.endsWith('/graphql'))).toEqual([]);
      await tab.fill('#token', gw.tokens.read);
      await tab.click('form.token-form button[type="submit"]');
      await tab.waitForSelector(`[data-job-detail="${id}"] dl.fields`);
      expect(tab.url()).toBe(`${origin}/console/jobs/${encodeURIComponent(id)}`);
      // Each tab holds its token in its own sessionStorage; nothing in localStorage or cookies.
      for (const page of [o.page, tab]) {
        expect(await page.evaluate(() => Object.values({ ...sessionStorage }))).toContain(
          gw.tokens.read,
        );
        expect(await page.evaluate(() => localStorage.length)).toBe(0);
      }
      expect(await o.context.cookies()).toEqual([]);
      expect(opened.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
    // The list, from a shared link without a token.
    const bare = await open('/console?state=FAILED', null);
    try {
      const help = await bare.page.waitForSelector('[data-sign-in-help]');
      expect(await help.textContent()).toContain('This tab has no token.');
      expect(bare.graphqlCalls()).toBe(0);
    } finally {
      await bare.context.close();
    }
  });

  it('counts the jobs shown per state, each count a link that lists that state alone', async () => {
    const o = await open('/console');
    try {
      const shown = await rows(o.page);
      const expected = new Map<string, number>();
      for (const r of shown) expected.set(r.state, (expected.get(r.state) ?? 0) + 1);
      const counts = await o.page.$$eval('[data-state-count]', (els) =>
        els.map((e) => [e.getAttribute('data-state-count'), e.textContent]),
      );
      expect(new Map(counts.map(([s, t]) => [s, t]))).toEqual(
        new Map([...expected].map(([s, n]) => [s, `${n} ${LABEL[s]}`])),
      );
      expect(await o.page.textContent('[data-state-counts]')).toMatch(
        /^In the 25 jobs shown: \d+ /,
      );
      // Failures first.
      const order = counts.map(([s]) => s);
      if (order.includes('FAILED')) expect(order[0]).toBe('FAILED');
      const [state, count] = [...expected].sort((a, b) => b[1] - a[1])[0]!;
      await o.page.click(`a[data-state-count="${state}"]`);
      await o.page.waitForURL(`${origin}/console?state=${state}`);
      const only = await rows(o.page);
      expect(only.length).toBeGreaterThanOrEqual(Math.min(count, 25));
      expect(only.every((r) => r.state === state)).toBe(true);
      // The count of the state listed alone is no longer a link.
      expect(await o.page.$$('a[data-state-count]')).toEqual([]);
      expect(await o.page.isChecked(`input[name="state"][value="${state}"]`)).toBe(true);
      // Back: the list before.
      await o.page.goBack();
      await o.page.waitForURL(`${origin}/console`);
      expect((await rows(o.page)).map((r) => r.id)).toEqual(shown.map((r) => r.id));
    } finally {
      await o.context.close();
    }
  });

  it('offers the Unknown state only where a job can match it: when a job shown is UNKNOWN or the URL asks for it', async () => {
    const boxes = (page: Page) =>
      page.$$eval('input[name="state"]', (els) => els.map((e) => (e as HTMLInputElement).value));
    // Panorama's jobs are never UNKNOWN in the demo: no box.
    const panorama = await open('/console?provider=AWS_PANORAMA');
    try {
      const shown = await rows(panorama.page);
      expect(shown.some((r) => r.state === 'UNKNOWN')).toBe(false);
      expect(await boxes(panorama.page)).toEqual(Object.keys(LABEL).filter((s) => s !== 'UNKNOWN'));
    } finally {
      await panorama.context.close();
    }
    // Asked for in the URL: offered, and checked.
    const asked = await open('/console?state=UNKNOWN');
    try {
      const shown = await rows(asked.page);
      expect(shown.every((r) => r.state === 'UNKNOWN')).toBe(true);
      expect(await boxes(asked.page)).toContain('UNKNOWN');
      expect(await asked.page.isChecked('input[name="state"][value="UNKNOWN"]')).toBe(true);
    } finally {
      await asked.context.close();
    }
    // The unfiltered list: offered exactly when one of its jobs is UNKNOWN (a status jobgraph does not know).
    const all = await open('/console');
    try {
      const shown = await rows(all.page);
      const unknown = shown.some((r) => r.state === 'UNKNOWN');
      expect((await boxes(all.page)).includes('UNKNOWN')).toBe(unknown);
    } finally {
      await all.context.close();
    }
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
      }>(gw, 'query($ids: [ID!]!) { jobs(ids: $ids) { id account accountAlias state } }', {
        token: gw.tokens.read,
        variables: { ids },
      });
      expect(res.body.errors).toBeUndefined();
      const api = res.body.data!.jobs;
      // The demo's data: one job in each account, in two states.
      expect(api.map((j) => j.accountAlias)).toEqual(['default', 'staging']);
      expect(api[0]!.state).not.toBe(api[1]!.state);
      const o = await open('/console');
      try {
        await rows(o.page);
        await o.page.fill('#find', nativeId);
        await o.page.press('#find', 'Enter');
        const answer = await o.page.waitForSelector('[data-find-answer="several"]');
        expect(await answer.textContent()).toContain(
          `2 jobs have the ID \u201c${nativeId}\u201d, in 2 accounts.`,
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
        expect(o.page.url()).toBe(`${origin}/console`);
        // Each opens its own job.
        await o.page.click(`[data-find-match="${ids[0]}"] a`);
        await o.page.waitForSelector(`[data-job-detail="${ids[0]}"] dl.fields`);
        expect(await o.page.textContent('[data-job-detail] [data-account]')).toBe(
          `default · ${api[0]!.account}`,
        );
        expect(o.problems).toEqual([]);
      } finally {
        await o.context.close();
      }
    },
  );

  it('shows why a failed job failed: in full on its row, and at the top of its page with every reason its provider gives', async () => {
    const res = await gql<{ listJobs: { nodes: { id: string; statusMessage: string | null }[] } }>(
      gw,
      '{ listJobs(filter: { states: [FAILED] }, first: 25) { nodes { id statusMessage } } }',
      { token: gw.tokens.read },
    );
    const failed = res.body.data!.listJobs.nodes;
    expect(failed.length).toBeGreaterThan(2);
    const o = await open('/console?state=FAILED');
    try {
      await rows(o.page);
      const reasons = await o.page.$$eval('tbody tr[data-job-id]', (trs) =>
        trs.map((tr) => {
          const el = tr.querySelector<HTMLElement>('td[data-label="State"] [data-failure-reason]');
          return {
            id: tr.getAttribute('data-job-id'),
            reason: el?.textContent ?? null,
            // Shown whole: nothing cut off.
            whole: el
              ? el.scrollWidth <= el.clientWidth && getComputedStyle(el).whiteSpace !== 'nowrap'
              : null,
          };
        }),
      );
      expect(reasons).toEqual(
        failed.map((j) => ({
          id: j.id,
          reason: j.statusMessage,
          whole: j.statusMessage ? true : null,
        })),
      );
      // A HealthOmics job whose sources failed: its message, then each failed source with its file.
      const omics = failed.find((j) => j.id.startsWith('omics'))!;
      const detail = await gql<{
        job: {
          statusMessage: string;
          sources: { sourceFile: string; status: string; statusMessage: string | null }[];
        };
      }>(
        gw,
        `{ job(id: "${omics.id}") { statusMessage ... on OmicsReferenceImportJob { sources { sourceFile status statusMessage } } } }`,
        { token: gw.tokens.read },
      );
      const job = detail.body.data!.job;
      const expected = [
        job.statusMessage,
        ...job.sources
          .filter((x) => x.status === 'FAILED' && x.statusMessage)
          .map((x) => `${x.sourceFile}: ${x.statusMessage}`),
      ];
      expect(expected.length).toBeGreaterThan(1);
      await o.page.click(`tr[data-job-id="${omics.id}"] th a`);
      await o.page.waitForSelector(`[data-job-detail="${omics.id}"] dl.fields`);
      expect(
        await o.page.$$eval('[data-failure-reasons] [data-failure-reason]', (lis) =>
          lis.map((li) => li.textContent),
        ),
      ).toEqual([...new Set(expected)]);
      // At the top: within the first screen, above the provider fields.
      const box = (await o.page.locator('[data-failure-reasons]').boundingBox())!;
      expect(box.y + box.height).toBeLessThan(800);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it("shows a job's progress at the top of its page and follows it live", async () => {
    const phases = PROGRESS_PHASES.cosbatch;
    const id = PROGRESSING_JOB_IDS.cosbatch;
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
        gw,
        `{ job(id: "${id}") { ... on CosBatchJob { progressSummary { totalNumberOfTasks numberOfTasksSucceeded numberOfTasksFailed } } } }`,
        { token: gw.tokens.read },
      );
      const p = res.body.data!.job.progressSummary;
      return `${p.numberOfTasksSucceeded + p.numberOfTasksFailed}/${p.totalNumberOfTasks}`;
    };
    emulatorNow = epoch + active.fromMs + 1_000;
    const first = await progressOf();
    const o = await open(`/console/jobs/${encodeURIComponent(id)}`);
    try {
      await o.page.waitForSelector(`[data-job-detail="${id}"] [data-job-progress="${first}"]`);
      const box = (await o.page.locator('[data-job-progress]').boundingBox())!;
      expect(box.y + box.height).toBeLessThan(800);
      expect(await o.page.textContent('[data-job-progress]')).toMatch(/^Progress\d+ \/ \d+ tasks/);
      // The provider moves on: the page follows without a reload.
      emulatorNow = epoch + Math.round((active.fromMs + active.toMs) / 2);
      const later = await progressOf();
      expect(later).not.toBe(first);
      await o.page.waitForSelector(`[data-job-progress="${later}"]`);
      emulatorNow = epoch + phases.at(-1)!.fromMs + 10;
      const done = await progressOf();
      await o.page.waitForSelector(`[data-job-progress="${done}"]`);
      expect(done.split('/')[0]).toBe(done.split('/')[1]);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('shows the Unix times a provider sends (COS Batch copy constraints) as it shows every other time', async () => {
    const res = await gql<{
      job: { operation: { putObjectCopy: Record<string, number> } };
    }>(
      gw,
      `{ job(id: "${ex.cosbatch}") { ... on CosBatchJob { operation { putObjectCopy { modifiedSinceConstraint unModifiedSinceConstraint } } } } }`,
      { token: gw.tokens.read },
    );
    const sent = res.body.data!.job.operation.putObjectCopy;
    expect(Object.keys(sent)).toHaveLength(2);
    const o = await open(`/console/jobs/${encodeURIComponent(ex.cosbatch)}`);
    try {
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
    } finally {
      await o.context.close();
    }
  });
});
