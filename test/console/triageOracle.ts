import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { gql, type TestGateway } from '../support/gateway.ts';

/** A job as the API answers it, with the fields the triage views show. */
export interface ApiJob {
  id: string;
  nativeId: string;
  state: string;
  terminal: boolean;
  createdAt: string | null;
  completedAt: string | null;
}

const FIELDS = 'id nativeId state terminal createdAt completedAt';

/** The API's answers the triage tests hold the page to, through `gw` (read once a test runs). */
export function apiOracle(gw: () => TestGateway) {
  /** The first `first` jobs of listJobs for a filter, as the API answers them. */
  async function listed(filter: Record<string, unknown> = {}, first = 25): Promise<ApiJob[]> {
    const res = await gql<{ listJobs: { nodes: ApiJob[] } }>(
      gw(),
      `query($filter: JobListFilter) { listJobs(filter: $filter, first: ${first}) {
      nodes { ${FIELDS} } } }`,
      { token: gw().tokens.read, variables: { filter } },
    );
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.listJobs.nodes;
  }
  const stateOf = async (id: string): Promise<ApiJob> =>
    (
      await gql<{ job: ApiJob }>(gw(), `{ job(id: "${id}") { ${FIELDS} } }`, {
        token: gw().tokens.read,
      })
    ).body.data!.job;
  return { listed, stateOf };
}

/** A time as the page writes it in a title. */
export const UTC = /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/;
export const utc = (iso: string) => `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
/** The ISO 8601 duration from one ISO time to another, in whole seconds. */
export const seconds = (from: string, to: string) =>
  `PT${Math.round((Date.parse(to) - Date.parse(from)) / 1000)}S`;

export interface TimeCell {
  text: string;
  datetime: string | null;
  title: string | null;
  running: boolean;
}

/**
 * Each row's Finished and Duration cells as the page shows them, by job ID, read in one call to
 * the page (a call per row is a round trip to the browser each).
 */
export async function allTimeCells(
  page: Page,
): Promise<Map<string, { finished: TimeCell; duration: TimeCell }>> {
  const cells = await page.$$eval('tbody tr[data-job-id]', (trs) =>
    trs.map((tr) => {
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
      return [
        tr.getAttribute('data-job-id') ?? '',
        { finished: cell('Finished'), duration: cell('Duration') },
      ] as const;
    }),
  );
  return new Map(cells);
}

/** One row's Finished and Duration cells. */
export async function timeCells(page: Page, id: string) {
  const cells = (await allTimeCells(page)).get(id);
  if (!cells) throw new Error(`no row for ${id}`);
  return cells;
}

/** Nothing on the page is wider than the window. */
export const fits = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth <= window.innerWidth);
