import type { Page } from 'playwright-core';
import { describe, expect, it } from 'vitest';
import { PROGRESS_PHASES, IN_PLACE_PROGRESSING_JOB_IDS } from '@jobgraph/emulators';
import { accountToken } from '../support/accountTokens.ts';
import { gql, type GqlResult } from '../support/gateway.ts';
import { realPart } from '../support/realParts.ts';
import { useConsoleRig } from './consoleRig.ts';
import { apiOracle } from './triageOracle.ts';

/**
 * The console remembers (issue #72 item 4), through the real demo server in Debian's Chromium: a
 * job page's timeline of its transitions as the job moves on the emulators' clock, and the history
 * view (`/console/history`): its filters in the URL, its rows and its charts' figures held to
 * what `jobHistory` answers, and a token of another account shown none of the default account's
 * jobs. The oracle is the API itself, over HTTP.
 */

const chromiumPart = realPart('chromium');
const { rig, open, clock } = useConsoleRig();
const { stateOf } = apiOracle(() => rig.gw);

interface Transition {
  at: string;
  from: string | null;
  to: string;
  providerStatus: string | null;
  source: string;
}

interface StoredJob {
  id: string;
  provider: string;
  accountAlias: string;
  state: string;
  createdAt: string | null;
  completedAt: string | null;
}

interface HistoryPage {
  nodes: StoredJob[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

/** Every job `jobHistory` answers `token` for `filter`, page after page. */
async function historyOf(token: string, filter: Record<string, unknown> = {}) {
  const jobs: StoredJob[] = [];
  let after: string | null = null;
  for (;;) {
    const res: GqlResult<{ jobHistory: HistoryPage }> = await gql<{ jobHistory: HistoryPage }>(
      rig.gw,
      `query($filter: JobHistoryFilter, $after: String) { jobHistory(filter: $filter, first: 100, after: $after) {
        nodes { id provider accountAlias state createdAt completedAt } pageInfo { hasNextPage endCursor } } }`,
      { token, variables: { filter, after } },
    );
    expect(res.body.errors).toBeUndefined();
    const page: HistoryPage = res.body.data!.jobHistory;
    jobs.push(...page.nodes);
    if (!page.pageInfo.hasNextPage) return jobs;
    after = page.pageInfo.endCursor;
  }
}

/**
 * Every job the demo lists, read once by ID (as on-call opening them would), so the history store
 * holds them; resolves once `jobHistory` answers each (the store writes within a second).
 */
async function remembered(): Promise<string[]> {
  const listed = await gql<{ listJobs: { nodes: { id: string }[] } }>(
    rig.gw,
    '{ listJobs(first: 100) { nodes { id } } }',
    { token: rig.gw.tokens.read },
  );
  const ids = listed.body.data!.listJobs.nodes.map((n) => n.id);
  for (let i = 0; i < ids.length; i += 50) {
    const read = await gql(rig.gw, 'query($ids: [ID!]!) { jobs(ids: $ids) { id } }', {
      token: rig.gw.tokens.read,
      variables: { ids: ids.slice(i, i + 50) },
    });
    expect(read.body.data?.jobs).toHaveLength(ids.slice(i, i + 50).length);
  }
  await expect
    .poll(async () => {
      const stored = new Set((await historyOf(rig.gw.tokens.read)).map((j) => j.id));
      return ids.filter((id) => !stored.has(id));
    })
    .toEqual([]);
  return ids;
}

/** The history table's job IDs once it shows the rows of `search` (the normalised URL query). */
async function historyRows(page: Page, search: string): Promise<string[]> {
  await page.waitForSelector(`table.history[data-history-search="${search}"]`);
  return page.$$eval('table.history tbody tr[data-job-id]', (trs) =>
    trs.map((tr) => tr.getAttribute('data-job-id') ?? ''),
  );
}

/** The charts' figures as the page's tables give them, once drawn. */
async function chartFigures(page: Page) {
  await page.waitForSelector('[data-charts]:not([data-charts="loading"])');
  return page.evaluate(() => {
    const perBucket: Record<string, Record<string, number>> = {};
    for (const tr of document.querySelectorAll('[data-figures="finished"] tbody tr')) {
      const counts: Record<string, number> = {};
      for (const td of tr.querySelectorAll('td[data-state]'))
        if (Number(td.textContent)) counts[td.getAttribute('data-state')!] = Number(td.textContent);
      perBucket[tr.getAttribute('data-bucket')!] = counts;
    }
    const drawn: Record<string, Record<string, number>> = {};
    for (const g of document.querySelectorAll('[data-chart="finished"] svg g[data-bucket]')) {
      const bars = [...g.querySelectorAll('rect[data-state]')];
      if (bars.length)
        drawn[g.getAttribute('data-bucket')!] = Object.fromEntries(
          bars.map((r) => [r.getAttribute('data-state')!, Number(r.getAttribute('data-count'))]),
        );
    }
    const durations: Record<string, Record<string, number>> = {};
    for (const tr of document.querySelectorAll('[data-figures="durations"] tbody tr'))
      durations[tr.getAttribute('data-provider')!] = {
        jobs: Number(tr.querySelector('[data-jobs]')!.textContent),
        ...Object.fromEntries(
          [...tr.querySelectorAll('td[data-p]')].map((td) => [
            td.getAttribute('data-p')!,
            Number(td.getAttribute('data-seconds')),
          ]),
        ),
      };
    const charted = Number(document.querySelector('[data-charted]')!.getAttribute('data-charted'));
    return { perBucket, drawn, durations, charted };
  });
}

/** The nearest-rank percentile (the smallest value with at least p% of the values at or below it). */
const nearestRank = (sorted: number[], p: number) =>
  sorted[Math.max(1, Math.ceil((p / 100) * sorted.length)) - 1]!;

/** What the charts must show for `jobs`: finished per UTC hour by state, durations per provider. */
function expectedFigures(jobs: StoredJob[]) {
  const perBucket: Record<string, Record<string, number>> = {};
  const spans: Record<string, number[]> = {};
  for (const j of jobs) {
    const hour = `${j.completedAt!.slice(0, 13)}:00:00.000Z`;
    perBucket[hour] ??= {};
    perBucket[hour][j.state] = (perBucket[hour][j.state] ?? 0) + 1;
    if (j.createdAt)
      (spans[j.provider] ??= []).push(
        Math.round((Date.parse(j.completedAt!) - Date.parse(j.createdAt)) / 1000),
      );
  }
  const durations = Object.fromEntries(
    Object.entries(spans).map(([provider, values]) => {
      const sorted = values.sort((a, b) => a - b);
      return [
        provider,
        {
          jobs: sorted.length,
          p50: nearestRank(sorted, 50),
          p90: nearestRank(sorted, 90),
          p99: nearestRank(sorted, 99),
        },
      ];
    }),
  );
  return { perBucket, durations };
}

/** A UTC day `days` from the emulators' epoch. */
const dayFrom = (days: number) =>
  new Date(clock.epoch + days * 86_400_000).toISOString().slice(0, 10);

describe.skipIf(chromiumPart.skip)('The jobs console remembers (Debian Chromium)', () => {
  it("shows a job's timeline: each change as jobHistory's store has it, the new one after the job moves", async () => {
    const phases = PROGRESS_PHASES.cosbatch;
    const id = IN_PLACE_PROGRESSING_JOB_IDS.cosbatch;
    clock.at = clock.epoch + phases[0]!.fromMs + 10;
    const o = await open(`/console/jobs/${encodeURIComponent(id)}`);
    try {
      const first = await stateOf(id);
      await o.page.waitForSelector(`[data-timeline] li[data-transition="${first.state}"]`);
      // The job moves on the emulators' clock; the live page follows it, its timeline too.
      let moved: string | null = null;
      for (const phase of phases.slice(1)) {
        clock.at = clock.epoch + phase.fromMs + 10;
        const now = await stateOf(id);
        await o.page.waitForSelector(`[data-job-detail="${id}"][data-state="${now.state}"]`);
        if (now.state !== first.state) {
          moved = now.state;
          break;
        }
      }
      expect(moved).not.toBeNull();
      await o.page.waitForSelector(
        `[data-timeline] li[data-transition="${moved}"][data-from="${first.state}"]`,
      );
      // What the timeline lists is what the graph answers for the job, in its order.
      const api = await gql<{ job: { transitions: Transition[] } }>(
        rig.gw,
        'query($id: ID!) { job(id: $id) { transitions { at from to providerStatus source } } }',
        { token: rig.gw.tokens.read, variables: { id } },
      );
      const transitions = api.body.data!.job.transitions;
      await expect
        .poll(() =>
          o.page.$$eval('[data-timeline] li[data-transition]', (lis) =>
            lis.map((li) => ({
              at: li.querySelector('time')!.getAttribute('datetime'),
              from: li.getAttribute('data-from'),
              to: li.getAttribute('data-transition'),
              providerStatus: li.querySelector('.provider-status code')?.textContent ?? null,
              source: li.getAttribute('data-source'),
            })),
          ),
        )
        .toEqual(transitions);
      expect(transitions.map((t) => t.to)).toEqual(expect.arrayContaining([first.state, moved]));
      // Read by a screen reader as words: an ordered list whose items say from, to and where from.
      const text = await o.page.textContent(`[data-timeline] li[data-transition="${moved}"]`);
      expect(text).toMatch(/→ to .*· read from the provider$/);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it("keeps the history view's filters in the URL: a reload and a shared link show the same rows, the API's rows", async () => {
    await remembered();
    // In the form's order (states by lifecycle, providers by registry), as the page writes a URL.
    const search = `?state=QUEUED,SUCCEEDED,FAILED&provider=AWS_PANORAMA,AWS_BATCH&createdAfter=${dayFrom(-10)}&text=arn&group=queue`;
    const o = await open(`/console/history${search}`);
    try {
      const shown = await historyRows(o.page, search);
      const api = await historyOf(rig.gw.tokens.read, {
        states: ['QUEUED', 'SUCCEEDED', 'FAILED'],
        providers: ['AWS_PANORAMA', 'AWS_BATCH'],
        createdAfter: `${dayFrom(-10)}T00:00:00.000Z`,
        // At least three characters (jobHistory's bound): an AWS Batch job's queue is an ARN.
        text: 'arn',
      });
      expect(api.length).toBeGreaterThan(0);
      expect(shown).toEqual(api.slice(0, 25).map((j) => j.id));
      const checked = () =>
        o.page.$$eval('form.history-filters input[type="checkbox"]:checked', (inputs) =>
          inputs.map((i) => `${(i as HTMLInputElement).name}=${(i as HTMLInputElement).value}`),
        );
      const form = await checked();
      expect(form.sort()).toEqual(
        [
          'state=SUCCEEDED',
          'state=FAILED',
          'state=QUEUED',
          'provider=AWS_BATCH',
          'provider=AWS_PANORAMA',
        ].sort(),
      );
      await o.page.reload();
      expect(await historyRows(o.page, search)).toEqual(shown);
      expect((await checked()).sort()).toEqual(form.sort());
      expect(await o.page.inputValue('form.history-filters input[name="text"]')).toBe('arn');
      expect(await o.page.inputValue('form.history-filters select[name="group"]')).toBe('queue');
      // A shared link (a new tab: its own storage, the token given again) shows the same.
      const shared = await open(`/console/history${search}`);
      try {
        expect(await historyRows(shared.page, search)).toEqual(shown);
      } finally {
        await shared.context.close();
      }
      // A filter applied from the form is the URL's; Back returns to the rows before.
      await o.page.uncheck('form.history-filters input[name="state"][value="QUEUED"]');
      await o.page.click('form.history-filters button[type="submit"]');
      const narrower = search.replace('QUEUED,', '');
      expect(new URL(o.page.url()).search).toBe(narrower);
      expect(await historyRows(o.page, narrower)).toEqual(
        api
          .filter((j) => j.state !== 'QUEUED')
          .slice(0, 25)
          .map((j) => j.id),
      );
      await o.page.goBack();
      expect(await historyRows(o.page, search)).toEqual(shown);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('pages the history by cursor: "Show 25 more" adds the API\'s next page', async () => {
    const all = await historyOf(rig.gw.tokens.read, {});
    expect(all.length).toBeGreaterThan(25);
    const o = await open('/console/history');
    try {
      expect(await historyRows(o.page, '')).toEqual(all.slice(0, 25).map((j) => j.id));
      await o.page.click('button.more');
      await o.page.waitForSelector(
        `table.history tbody tr:nth-child(${Math.min(50, all.length)})[data-job-id]`,
      );
      expect(await historyRows(o.page, '')).toEqual(all.slice(0, 50).map((j) => j.id));
    } finally {
      await o.context.close();
    }
  });

  it("draws the window's figures as jobHistory answers them: finished per hour by state, duration percentiles per provider", async () => {
    await remembered();
    const finishedAfter = dayFrom(-6);
    const finishedBefore = dayFrom(1);
    const api = await historyOf(rig.gw.tokens.read, {
      finishedAfter: `${finishedAfter}T00:00:00.000Z`,
      finishedBefore: `${finishedBefore}T00:00:00.000Z`,
    });
    expect(api.length).toBeGreaterThan(1);
    const o = await open(
      `/console/history?finishedAfter=${finishedAfter}&finishedBefore=${finishedBefore}`,
    );
    try {
      const figures = await chartFigures(o.page);
      const expected = expectedFigures(api);
      expect(figures.charted).toBe(api.length);
      expect(figures.perBucket).toEqual(expected.perBucket);
      // The bars drawn are the figures in the table.
      expect(figures.drawn).toEqual(figures.perBucket);
      expect(figures.durations).toEqual(expected.durations);
      // Each chart has a text alternative with its figures.
      const label = await o.page.getAttribute('[data-chart="finished"] svg', 'aria-label');
      expect(label).toContain(`${api.length} jobs finished`);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it("shows a token of another account none of the default account's jobs, in its rows or its charts", async () => {
    await remembered();
    const staging = await accountToken(rig.gw, ['staging']);
    const everything = await historyOf(rig.gw.tokens.read, {});
    const accountOf = new Map(everything.map((j) => [j.id, j.accountAlias]));
    expect([...accountOf.values()]).toContain('default');
    const theirs = await historyOf(staging, {});
    expect(theirs.length).toBeGreaterThan(0);
    const o = await open('/console/history', staging);
    try {
      const shown = await historyRows(o.page, '');
      expect(shown).toEqual(theirs.slice(0, 25).map((j) => j.id));
      expect(shown.map((id) => accountOf.get(id))).toEqual(shown.map(() => 'staging'));
      const figures = await chartFigures(o.page);
      const span = await o.page.getAttribute('[data-charts]', 'data-charts');
      const [from, to] = span!.split('/');
      const inWindow = await historyOf(staging, { finishedAfter: from, finishedBefore: to });
      expect(figures.charted).toBe(inWindow.length);
      expect(inWindow.every((j) => j.accountAlias === 'staging')).toBe(true);
      // No row of the default account's AWS Batch jobs (their IDs carry no alias).
      expect(await o.page.$$('table.history tbody tr[data-job-id^="batch:"]')).toEqual([]);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });
});
