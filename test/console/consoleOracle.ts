import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { gql, type TestGateway } from '../support/gateway.ts';
import type { Opened } from './tab.ts';

export interface ListedAccount {
  id: string;
  account: string | null;
  accountAlias: string;
}

/** The API's answers the console tests hold the page to, through `gw` (read once a test runs). */
export function listOracle(gw: () => TestGateway) {
  /** The first page of listJobs for a filter, as the API answers it: the oracle for what the page shows. */
  async function listed(filter: Record<string, unknown> = {}): Promise<string[]> {
    const res = await gql<{ listJobs: { nodes: { id: string }[] } }>(
      gw(),
      'query($filter: JobListFilter) { listJobs(filter: $filter, first: 25) { nodes { id } } }',
      { token: gw().tokens.read, variables: { filter } },
    );
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.listJobs.nodes.map((n) => n.id);
  }

  /** Each listed job's account, as the API answers it, for a filter and a number of rows. */
  async function listedAccounts(
    filter: Record<string, unknown> = {},
    first = 25,
  ): Promise<ListedAccount[]> {
    const res = await gql<{ listJobs: { nodes: ListedAccount[] } }>(
      gw(),
      'query($filter: JobListFilter, $first: Int) { listJobs(filter: $filter, first: $first) { nodes { id account accountAlias } } }',
      { token: gw().tokens.read, variables: { filter, first } },
    );
    expect(res.body.errors).toBeUndefined();
    return res.body.data!.listJobs.nodes;
  }
  return { listed, listedAccounts };
}

/** What the Account column should say for a job: its account's alias, then its ID. */
export function accountWords(job: ListedAccount): string {
  return [job.accountAlias, job.account].filter(Boolean).join(' · ');
}

/** The Account cell of each row shown, by global ID. */
export async function accountCells(page: Page): Promise<Record<string, string>> {
  return Object.fromEntries(
    await page.$$eval('tbody tr[data-job-id]', (trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-job-id') ?? '',
        tr.querySelector('td[data-label="Account"]')?.textContent ?? '',
      ]),
    ),
  );
}

/** Nothing but `own` origin was asked for, and nothing was refused by the page's policy. */
export function expectOnlyOwnOrigin(opened: Opened, own: string): void {
  expect(opened.requests.length).toBeGreaterThan(0);
  for (const url of opened.requests) expect(new URL(url).origin).toBe(own);
  expect(opened.problems).toEqual([]);
}
