import type { Page } from 'playwright-core';
import { expect, it } from 'vitest';
import { gql } from '../support/gateway.ts';
import { useConsoleRig } from './consoleRig.ts';

/**
 * Names first, and no blank page (issue #89 items 3 and 4), through the real demo server in
 * Debian's Chromium: the list, a job page, its timeline and the history view lead with the name
 * the provider gives a job (`Job.name`), its own ID beside it; the search box finds a job by its
 * name; a history URL with a date that is not one says so in words and the page still works. The
 * oracle is the API itself, over HTTP.
 */

const { rig, open, clock, describeInChromium } = useConsoleRig();

interface Named {
  id: string;
  nativeId: string;
  name: string | null;
  provider: string;
}

/** The demo's first page of jobs as `listJobs` answers them, with their names. */
async function listed(): Promise<Named[]> {
  const res = await gql<{ listJobs: { nodes: Named[] } }>(
    rig.gw,
    '{ listJobs(first: 25) { nodes { id nativeId name provider } } }',
    { token: rig.gw.tokens.read },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.listJobs.nodes;
}

/** What a table's rows lead with: each row's job, the text of its link and the ID beside it. */
function rowsShown(page: Page, table: string) {
  return page.$$eval(`${table} tbody tr[data-job-id]`, (trs) =>
    trs.map((tr) => ({
      id: tr.getAttribute('data-job-id')!,
      link: tr.querySelector('th a')!.textContent,
      nativeId: tr.querySelector('th [data-native-id]')?.textContent ?? null,
    })),
  );
}

/** How a row of `job` must lead: its name and its own ID beside it, or its ID alone. */
const expectedRow = (job: Named) => ({
  id: job.id,
  link: job.name ?? job.nativeId,
  nativeId: job.name === null ? null : job.nativeId,
});

/** Every job the demo lists, read once by ID, so the history store holds them. */
async function readAll(): Promise<number> {
  const ids = (await listed()).map((j) => j.id);
  const read = await gql(rig.gw, 'query($ids: [ID!]!) { jobs(ids: $ids) { id } }', {
    token: rig.gw.tokens.read,
    variables: { ids },
  });
  expect(read.body.errors).toBeUndefined();
  return ids.length;
}

/**
 * Every text of the charts that falls outside its SVG's viewBox (in the viewBox's units, where
 * bars and text scale alike), with the width of the box: none when every label fits.
 */
function textsOutside(page: Page) {
  return page.$$eval('[data-chart] svg', (svgs) =>
    svgs.flatMap((svg) => {
      const box = (svg as SVGSVGElement).viewBox.baseVal;
      return [...svg.querySelectorAll('text')]
        .map((t) => ({ text: t.textContent, b: t.getBBox() }))
        .filter(({ b }) => b.x < box.x - 0.5 || b.x + b.width > box.x + box.width + 0.5)
        .map(({ text, b }) => `${text} [${Math.round(b.x)}, ${Math.round(b.x + b.width)}]`);
    }),
  );
}

/** A job of `jobs` whose name no other has, of a provider that names jobs. */
function uniquelyNamed(jobs: Named[], provider: string): Named & { name: string } {
  const job = jobs.find(
    (j) =>
      j.provider === provider &&
      j.name !== null &&
      jobs.filter((k) => k.name?.toLowerCase() === j.name!.toLowerCase()).length === 1,
  );
  expect(job).toBeDefined();
  return job as Named & { name: string };
}

describeInChromium('The jobs console leads with names (Debian Chromium)', () => {
  it("leads each list row with the job's name, its own ID beside it; the ID alone where the provider names none", async () => {
    const jobs = await listed();
    // The demo lists named jobs (AWS Batch, COS Batch) and unnamed ones (Panorama, Import/Export).
    expect(jobs.some((j) => j.name !== null)).toBe(true);
    expect(jobs.some((j) => j.name === null)).toBe(true);
    const o = await open('/console');
    try {
      await o.page.waitForSelector('table.jobs tbody tr[data-job-id]');
      await expect.poll(() => rowsShown(o.page, 'table.jobs')).toEqual(jobs.map(expectedRow));
      // As a reader sees (and copies) them: a named job's name on a line of its own, never run
      // into its ID ("align-progressingb90ae323-…").
      const named = jobs.filter((j) => j.name !== null);
      const cells = await o.page.$$eval('table.jobs tbody tr[data-job-id] th', (ths) =>
        ths.map((th) => (th as HTMLElement).innerText),
      );
      for (const job of named) {
        const cell = cells.find((text) => text.includes(job.nativeId))!;
        expect(cell.split('\n')[0]).toBe(job.name);
      }
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it("heads a job's page and its timeline with the job's name, the ID beside it", async () => {
    const job = uniquelyNamed(await listed(), 'AWS_BATCH');
    const o = await open(`/console/jobs/${encodeURIComponent(job.id)}`);
    try {
      await o.page.waitForSelector('#job-title [data-job-name]');
      expect(await o.page.textContent('#job-title [data-job-name]')).toBe(job.name);
      expect(await o.page.textContent('#job-title [data-native-id]')).toBe(job.nativeId);
      expect(await o.page.textContent('[data-timeline-name]')).toBe(` of ${job.name}`);
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it('finds a listed job by its name, ignoring case, and opens its page', async () => {
    const job = uniquelyNamed(await listed(), 'TENCENT_COS_BATCH');
    const o = await open('/console');
    try {
      await o.page.waitForSelector('table.jobs tbody tr[data-job-id]');
      await o.page.fill('#find', job.name.toUpperCase());
      await Promise.all([
        o.page.waitForURL((url) => url.pathname.endsWith(`/jobs/${encodeURIComponent(job.id)}`)),
        o.page.press('#find', 'Enter'),
      ]);
      await o.page.waitForSelector(`[data-job-detail="${job.id}"]`);
      expect(await o.page.textContent('#job-title [data-job-name]')).toBe(job.name);
    } finally {
      await o.context.close();
    }
  });

  it('leads the history rows with names, and its text search finds a job by its name', async () => {
    const job = uniquelyNamed(await listed(), 'AWS_BATCH');
    // Read once by ID, so the history store holds it; its name is in the store's searchable text.
    const read = await gql(rig.gw, 'query($id: ID!) { job(id: $id) { id } }', {
      token: rig.gw.tokens.read,
      variables: { id: job.id },
    });
    expect(read.body.errors).toBeUndefined();
    const found = async () => {
      const res = await gql<{ jobHistory: { nodes: Named[] } }>(
        rig.gw,
        'query($text: String) { jobHistory(filter: { text: $text }, first: 100) { nodes { id nativeId name provider } } }',
        { token: rig.gw.tokens.read, variables: { text: job.name } },
      );
      return res.body.data?.jobHistory.nodes ?? [];
    };
    await expect.poll(async () => (await found()).map((j) => j.id)).toContain(job.id);
    const api = await found();
    const o = await open(`/console/history?text=${encodeURIComponent(job.name)}`);
    try {
      await o.page.waitForSelector(`table.history tbody tr[data-job-id="${job.id}"]`);
      expect(await rowsShown(o.page, 'table.history')).toEqual(api.slice(0, 25).map(expectedRow));
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });

  it.each(['yesterday', '2026-13-45'])(
    'says in words that ?finishedAfter=%s is not a date, and the history page still works',
    async (value) => {
      const o = await open(`/console/history?finishedAfter=${value}&text=nothing-like-this`);
      try {
        const problem = await o.page.waitForSelector('[data-filter-problem="finishedAfter"]');
        expect(await problem.textContent()).toContain(
          `The finishedAfter filter \u201c${value}\u201d is not a date`,
        );
        // The page stands: its heading and form, and the link without the bad date lists again.
        expect(await o.page.textContent('h1')).toBe('Job history');
        await o.page.click('[data-filter-problem="finishedAfter"] a');
        expect(new URL(o.page.url()).search).toBe('?text=nothing-like-this');
        await o.page.waitForSelector(
          'table.history[data-history-search="?text=nothing-like-this"]',
        );
        await o.page.waitForSelector('[data-charts]:not([data-charts="loading"])');
        expect(o.problems).toEqual([]);
      } finally {
        await o.context.close();
      }
    },
  );

  it("keeps every chart label inside its chart at any width: the percentiles' and the queues'", async () => {
    await readAll();
    const day = (days: number) =>
      new Date(clock.epoch + days * 86_400_000).toISOString().slice(0, 10);
    const o = await open(
      `/console/history?finishedAfter=${day(-6)}&finishedBefore=${day(1)}&group=queue`,
    );
    try {
      await o.page.waitForSelector('[data-chart="durations"] svg [data-tick="p99"]');
      const ticks = await o.page.$$eval(
        '[data-chart="durations"] svg [data-tick]',
        (t) => t.length,
      );
      expect(ticks).toBeGreaterThan(0);
      for (const width of [1280, 720, 360]) {
        await o.page.setViewportSize({ width, height: 800 });
        expect(await textsOutside(o.page)).toEqual([]);
      }
      expect(o.problems).toEqual([]);
    } finally {
      await o.context.close();
    }
  });
});
