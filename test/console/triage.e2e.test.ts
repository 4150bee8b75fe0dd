import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { gql } from '../support/gateway.ts';
import { useConsoleRig } from './consoleRig.ts';
import { inTab, LABEL, rows } from './tab.ts';
import { allTimeCells, apiOracle, seconds, timeCells, UTC, utc } from './triageOracle.ts';

/**
 * The console's list for triage (issue #39 item 6), in Debian's Chromium through the real server:
 * when jobs finished and how long they took, the rows shown kept in the URL, bad filters in words,
 * counts per state, the Unknown box and why a failed job failed. Waits are on the page or the
 * server's own state, never on the clock; the emulators' clock is held by the test and moved to
 * make a job progress. Finding a job and its page are in triageJobPage.e2e.test.ts (the two files
 * run in parallel).
 */

const { rig, open, clock, describeInChromium } = useConsoleRig();
const { listed, stateOf } = apiOracle(() => rig.gw);

describeInChromium('The jobs console for triage (Debian Chromium)', () => {
  it('shows when each job finished and how long it took (created → completed), an unfinished job its time so far, and updates both live', async () => {
    const { id: progressing, phases } = clock.intoCosProgress();
    await inTab(open('/console?shown=100'), async (o) => {
      const shown = await rows(o.page);
      const api = new Map((await listed({}, 100)).map((j) => [j.id, j]));
      expect(shown.map((r) => r.id)).toEqual([...api.keys()]);
      const kinds = new Set<string>();
      const cells = await allTimeCells(o.page);
      for (const { id } of shown) {
        const job = api.get(id)!;
        const { finished, duration } = cells.get(id)!;
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
      clock.into(phases.at(-1)!);
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
    });
  });

  it('keeps the number of rows shown in the URL: "Show more" sets it, a reload and a shared link show as many, new filters start again', async () => {
    await inTab(open('/console'), async (o) => {
      expect(await rows(o.page)).toHaveLength(25);
      await o.page.click('button.more');
      await o.page.waitForURL(`${rig.origin}/console?shown=50`);
      const fifty = await rows(o.page);
      expect(fifty.map((r) => r.id)).toEqual((await listed({}, 50)).map((j) => j.id));
      await o.page.reload();
      expect((await rows(o.page)).map((r) => r.id)).toEqual(fifty.map((r) => r.id));
      // A new filter set is a new list: one page again.
      await o.page.check('input[name="state"][value="QUEUED"]');
      await o.page.click('form.filters button[type="submit"]');
      await o.page.waitForURL(`${rig.origin}/console?state=QUEUED`);
      expect((await rows(o.page)).length).toBeLessThanOrEqual(25);
      // A shared link, followed in the same tab.
      await o.visit('/console?provider=AWS_PANORAMA,TENCENT_COS_BATCH&shown=75');
      const shown = await rows(o.page);
      expect(shown).toHaveLength(75);
      expect(shown.map((r) => r.id)).toEqual(
        (await listed({ providers: ['AWS_PANORAMA', 'TENCENT_COS_BATCH'] }, 75)).map((j) => j.id),
      );
      expect(o.page.url()).toBe(
        `${rig.origin}/console?provider=AWS_PANORAMA,TENCENT_COS_BATCH&shown=75`,
      );
      // A job page's way back returns to as many rows.
      await o.page.click(`tr[data-job-id="${shown[60]!.id}"] a`);
      await o.page.waitForSelector(`[data-job-detail="${shown[60]!.id}"]`);
      await o.page.click('text=← All jobs');
      expect((await rows(o.page)).map((r) => r.id)).toEqual(shown.map((r) => r.id));
    });
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
      await inTab(open(`/console${search}`), async (o) => {
        const problem = await o.page.waitForSelector(`[data-filter-problem="${filter}"]`);
        expect(await problem.textContent()).toContain(sentence);
        expect(o.graphqlCalls()).toBe(0);
        expect(await o.page.$$('tr[data-job-id]')).toEqual([]);
        // The way out: the list without it.
        await o.page.click(`[data-filter-problem="${filter}"] a`);
        await o.page.waitForURL(`${rig.origin}/console`);
        expect(await rows(o.page)).toHaveLength(25);
        expect(await o.page.$$('[data-filter-problem]')).toEqual([]);
      });
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
    await inTab(open(`/console${cases[0]![0]}`), async (o) => {
      for (const [search, sentence] of cases) {
        if (search !== cases[0]![0]) await o.visit(`/console${search}`);
        const problem = await o.page.waitForSelector('[data-filter-problem="region"]');
        const text = (await problem.textContent()) ?? '';
        expect(text, search).toContain(sentence);
        expect(text, search).not.toMatch(/Argument|Variable|\$filter/);
        expect(await o.page.$$('.banner.error:not([data-filter-problems])')).toEqual([]);
      }
    });
  });

  it('counts the jobs shown per state, each count a link that lists that state alone', async () => {
    await inTab(open('/console'), async (o) => {
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
      await o.page.waitForURL(`${rig.origin}/console?state=${state}`);
      const only = await rows(o.page);
      expect(only.length).toBeGreaterThanOrEqual(Math.min(count, 25));
      expect(only.every((r) => r.state === state)).toBe(true);
      // The count of the state listed alone is no longer a link.
      expect(await o.page.$$('a[data-state-count]')).toEqual([]);
      expect(await o.page.isChecked(`input[name="state"][value="${state}"]`)).toBe(true);
      // Back: the list before.
      await o.page.goBack();
      await o.page.waitForURL(`${rig.origin}/console`);
      expect((await rows(o.page)).map((r) => r.id)).toEqual(shown.map((r) => r.id));
    });
  });

  it('offers the Unknown state only where a job can match it: when a job shown is UNKNOWN or the URL asks for it', async () => {
    const boxes = (page: Page) =>
      page.$$eval('input[name="state"]', (els) => els.map((e) => (e as HTMLInputElement).value));
    // Panorama's jobs are never UNKNOWN in the demo: no box.
    await inTab(open('/console?provider=AWS_PANORAMA'), async (o) => {
      const panorama = await rows(o.page);
      expect(panorama.some((r) => r.state === 'UNKNOWN')).toBe(false);
      expect(await boxes(o.page)).toEqual(Object.keys(LABEL).filter((s) => s !== 'UNKNOWN'));
      // Asked for in the URL (a link followed in the same tab): offered, and checked.
      await o.visit('/console?state=UNKNOWN');
      const asked = await rows(o.page);
      expect(asked.every((r) => r.state === 'UNKNOWN')).toBe(true);
      expect(await boxes(o.page)).toContain('UNKNOWN');
      expect(await o.page.isChecked('input[name="state"][value="UNKNOWN"]')).toBe(true);
      // The unfiltered list: offered exactly when one of its jobs is UNKNOWN (a status jobgraph does not know).
      await o.visit('/console');
      const all = await rows(o.page);
      const unknown = all.some((r) => r.state === 'UNKNOWN');
      expect((await boxes(o.page)).includes('UNKNOWN')).toBe(unknown);
    });
  });

  it('shows why a failed job failed: in full on its row, and at the top of its page with every reason its provider gives', async () => {
    const res = await gql<{
      listJobs: { nodes: { id: string; statusMessage: string | null }[] };
    }>(
      rig.gw,
      '{ listJobs(filter: { states: [FAILED] }, first: 25) { nodes { id statusMessage } } }',
      {
        token: rig.gw.tokens.read,
      },
    );
    const failed = res.body.data!.listJobs.nodes;
    expect(failed.length).toBeGreaterThan(2);
    await inTab(open('/console?state=FAILED'), async (o) => {
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
      // A HealthOmics reference import whose sources failed: its message, then each failed source with its file.
      const omics = failed.find((j) => j.id.startsWith('omics:'))!;
      const detail = await gql<{
        job: {
          statusMessage: string;
          sources: { sourceFile: string; status: string; statusMessage: string | null }[];
        };
      }>(
        rig.gw,
        `{ job(id: "${omics.id}") { statusMessage ... on OmicsReferenceImportJob { sources { sourceFile status statusMessage } } } }`,
        { token: rig.gw.tokens.read },
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
    });
  });
});
