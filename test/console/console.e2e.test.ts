import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import type { Browser, Page } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
} from '../../src/emulators/accounts.ts';
import { DEMO_TENCENT_CREDENTIALS } from '../../src/emulators/framework.ts';
import {
  PROGRESS_PHASES,
  PROGRESSING_JOB_IDS,
  exampleGlobalIds,
  exampleSecondAccountJobs,
} from '../../src/emulators/index.ts';
import { launchChromium } from '../support/browser.ts';
import { realPart } from '../support/realParts.ts';
import { startDemoProcess } from '../support/demoProcess.ts';
import { gql, resetFaults, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { LABEL, rows, setVisibility, tabOpener, type Opened, type ShownRow } from './tab.ts';

/**
 * The jobs console in Debian's Chromium, as a person meets it: the demo gateway on its default
 * configuration (cache on, CORS default), the page and its calls on one loopback origin. Every
 * wait is on the page (a selector, a state), never on the clock; the emulators' clock is held
 * by the test and moved to make a job progress.
 */

const ex = exampleGlobalIds();
const epoch = Date.now();

const chromiumPart = realPart('chromium');
let emulatorNow = epoch;
/**
 * How far the clock list snapshots are dated by is ahead of the real one: a test moves it on to
 * expire them (the live rows' pollers compare a snapshot's age with their interval, on the real clock).
 */
let listAhead = 0;
let gw: TestGateway;
let browser: Browser;
let origin: string;

beforeAll(async () => {
  gw = await startTestGateway(
    // Watched jobs are polled every 50–200 ms instead of every 2 s, so a change shows soon.
    { JOBGRAPH_WATCH_POLL_MS: '50', JOBGRAPH_WATCH_MAX_POLL_MS: '200' },
    {
      emulatorClock: { now: () => emulatorNow, epochMs: epoch },
      listClock: () => Date.now() + listAhead,
    },
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

/** The first page of listJobs for a filter, as the API answers it: the oracle for what the page shows. */
async function listed(filter: Record<string, unknown> = {}): Promise<string[]> {
  const res = await gql<{ listJobs: { nodes: { id: string }[] } }>(
    gw,
    'query($filter: JobListFilter) { listJobs(filter: $filter, first: 25) { nodes { id } } }',
    { token: gw.tokens.read, variables: { filter } },
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
    gw,
    'query($filter: JobListFilter, $first: Int) { listJobs(filter: $filter, first: $first) { nodes { id account accountAlias } } }',
    { token: gw.tokens.read, variables: { filter, first } },
  );
  expect(res.body.errors).toBeUndefined();
  return res.body.data!.listJobs.nodes;
}

interface ListedAccount {
  id: string;
  account: string | null;
  accountAlias: string;
}

/** What the Account column should say for a job: its account's alias, then its ID. */
function accountWords(job: ListedAccount): string {
  return [job.accountAlias, job.account].filter(Boolean).join(' · ');
}

/** The Account cell of each row shown, by global ID. */
async function accountCells(page: Page): Promise<Record<string, string>> {
  return Object.fromEntries(
    await page.$$eval('tbody tr[data-job-id]', (trs) =>
      trs.map((tr) => [
        tr.getAttribute('data-job-id') ?? '',
        tr.querySelector('td[data-label="Account"]')?.textContent ?? '',
      ]),
    ),
  );
}

/** Nothing but jobgraph's own origin was asked for, and nothing was refused by the page's policy. */
function expectOnlyOwnOrigin(opened: Opened, own = origin): void {
  expect(opened.requests.length).toBeGreaterThan(0);
  for (const url of opened.requests) expect(new URL(url).origin).toBe(own);
  expect(opened.problems).toEqual([]);
}

describe.skipIf(chromiumPart.skip)('The jobs console (Debian Chromium)', () => {
  it('lists the newest jobs, each with its state as a badge and in words, provider, region and times; the token leaves the address bar', async () => {
    const o = await open('/console');
    try {
      const shown = await rows(o.page);
      expect(shown.map((r) => r.id)).toEqual(await listed());
      expect(shown).toHaveLength(25);
      for (const row of shown) {
        expect(row.badge).toBe(LABEL[row.state]);
        expect(row.text).toContain(row.badge);
      }
      // Newest first.
      const created = shown.map((r) => r.createdAt ?? '');
      expect([...created].sort().reverse()).toEqual(created);
      // Real table headers; relative times with the absolute UTC time on hover.
      expect(
        await o.page.$$eval('thead th[scope=col]', (ths) => ths.map((t) => t.textContent)),
      ).toEqual([
        'Job',
        'State',
        'Provider',
        'Account',
        'Region',
        'Progress',
        'Created',
        'Finished',
        'Duration',
        'Updated',
      ]);
      const time = await o.page.$eval('td[data-label="Created"] time', (t) => [
        t.textContent,
        t.getAttribute('title'),
      ]);
      expect(time[0]).toMatch(/ago|just now/);
      expect(time[1]).toMatch(/^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
      // The token came in the fragment and stays in this tab's sessionStorage, not in the URL.
      expect(o.page.url()).toBe(`${origin}/console`);
      expect(await o.page.evaluate(() => Object.values({ ...sessionStorage }).join(' '))).toContain(
        gw.tokens.read,
      );
      expectOnlyOwnOrigin(o);
      // The token reached no log line (the fragment never reaches the server; the header is never logged).
      expect(gw.logs.text()).not.toContain(gw.tokens.read);
      expect(gw.logs.text()).not.toContain(gw.tokens.read.split('.')[2]!);
    } finally {
      await o.context.close();
    }
  });

  it("reads on a phone's width: one card per job, nothing wider than the screen", async () => {
    const o = await open('/console');
    try {
      await o.page.setViewportSize({ width: 390, height: 844 });
      const shown = await rows(o.page);
      expect(shown).toHaveLength(25);
      const fits = await o.page.evaluate(
        () => document.documentElement.scrollWidth <= window.innerWidth,
      );
      expect(fits).toBe(true);
      // The column names move into each cell, so a card still says what each value is.
      const label = await o.page.$eval(
        'tbody td[data-label="Provider"]',
        (td) => getComputedStyle(td, '::before').content,
      );
      expect(label).toBe('"Provider: "');
    } finally {
      await o.context.close();
    }
  });

  it("shows each job's account, its alias beside its ID (COS Batch's too), on its row and on its page", async () => {
    const o = await open('/console');
    try {
      await rows(o.page);
      const cells = await accountCells(o.page);
      expect(cells).toEqual(
        Object.fromEntries((await listedAccounts()).map((j) => [j.id, accountWords(j)])),
      );
      // The demo's default accounts: AWS 123456789012 and the COS APPID 1250000000; and the
      // second COS account's jobs with its alias, though their IDs name it by UIN.
      expect(Object.values(cells)).toContain(`default · ${DEMO_AWS_ACCOUNT_ID}`);
      expect(Object.values(cells)).toContain(`default · ${DEMO_TENCENT_CREDENTIALS.appId}`);
      expect(Object.values(cells)).toContain(`staging · ${DEMO_SECOND_TENCENT_ACCOUNT.appId}`);
      // A second account's jobs, opened by their IDs.
      const second = exampleSecondAccountJobs();
      const pages: [string, string][] = [
        [
          `panorama@${DEMO_SECOND_AWS_ACCOUNT.alias}:${second.panorama.region}:${second.panorama.jobId}`,
          `staging · ${DEMO_SECOND_AWS_ACCOUNT.accountId}`,
        ],
        [
          `cos:${second.cosbatch.region}:${second.cosbatch.uin}:${second.cosbatch.jobId}`,
          `staging · ${DEMO_SECOND_TENCENT_ACCOUNT.appId}`,
        ],
        [ex.panorama, `default · ${DEMO_AWS_ACCOUNT_ID}`],
      ];
      for (const [id, words] of pages) {
        await o.page.goto(`${origin}/console/jobs/${encodeURIComponent(id)}`);
        await o.page.waitForSelector(`[data-job-detail="${id}"] dl.fields`);
        expect(await o.page.textContent(`[data-job-detail="${id}"] [data-account]`)).toBe(words);
        // Said once, in the summary line; not again among the provider fields.
        expect(
          await o.page.$$eval('dl.fields dt', (dts) => dts.map((d) => d.textContent)),
        ).not.toEqual(expect.arrayContaining([expect.stringMatching(/^account/)]));
      }
      expectOnlyOwnOrigin(o);
    } finally {
      await o.context.close();
    }
  });

  // Needs listJobs over every account (JobListFilter.accounts, JobListSource.account).
  it("lists every account's jobs with their account; the account filter, offered from the sources listed, narrows to one and stays in the URL", async () => {
    const o = await open('/console');
    try {
      await rows(o.page);
      expect(
        await o.page.$$eval('input[name="account"]', (boxes) =>
          boxes.map((b) => (b as HTMLInputElement).value),
        ),
      ).toEqual(['default', 'staging']);
      await o.page.check('input[name="account"][value="staging"]');
      await o.page.click('form.filters button[type="submit"]');
      await o.page.waitForURL(`${origin}/console?account=staging`);
      const staging = await rows(o.page);
      expect(staging.map((r) => r.id)).toEqual(await listed({ accounts: ['staging'] }));
      const stagingCells = Object.values(await accountCells(o.page));
      expect(new Set(stagingCells)).toEqual(
        new Set([
          `staging · ${DEMO_SECOND_AWS_ACCOUNT.accountId}`,
          `staging · ${DEMO_SECOND_TENCENT_ACCOUNT.appId}`,
        ]),
      );
      // A reload keeps the filter, checked.
      await o.page.reload();
      expect((await rows(o.page)).map((r) => r.id)).toEqual(staging.map((r) => r.id));
      expect(await o.page.isChecked('input[name="account"][value="staging"]')).toBe(true);
      // The default account alone, from a shared link: its IDs carry no alias.
      await o.page.goto(`${origin}/console?account=default`);
      const defaults = await rows(o.page);
      expect(defaults.map((r) => r.id)).toEqual(await listed({ accounts: ['default'] }));
      expect(new Set(Object.values(await accountCells(o.page)))).toEqual(
        new Set([
          `default · ${DEMO_AWS_ACCOUNT_ID}`,
          `default · ${DEMO_TENCENT_CREDENTIALS.appId}`,
        ]),
      );
      // Unfiltered, the list holds both accounts' jobs, each with its own account.
      const all = await listedAccounts({}, 100);
      await o.page.goto(`${origin}/console?shown=100`);
      await rows(o.page);
      expect(await accountCells(o.page)).toEqual(
        Object.fromEntries(all.map((j) => [j.id, accountWords(j)])),
      );
      expect(all.some((j) => j.account === DEMO_SECOND_AWS_ACCOUNT.accountId)).toBe(true);
      expect(all.some((j) => j.account === DEMO_AWS_ACCOUNT_ID)).toBe(true);
      expectOnlyOwnOrigin(o);
    } finally {
      await o.context.close();
    }
  });

  it("shows which accounts the token reads, and with a token of one account lists that account's jobs alone", async () => {
    const every = await open('/console');
    try {
      await rows(every.page);
      expect(await every.page.textContent('[data-token-accounts="*"]', { timeout: 30_000 })).toBe(
        'Reads every account',
      );
    } finally {
      await every.context.close();
    }
    const team = await open('/console?shown=100', gw.tokens.secondAccount);
    try {
      const shown = await rows(team.page);
      expect(
        await team.page.textContent('[data-token-accounts="staging"]', { timeout: 30_000 }),
      ).toBe('Reads staging');
      const res = await gql<{ listJobs: { nodes: { id: string }[] } }>(
        gw,
        '{ listJobs(first: 100) { nodes { id } } }',
        { token: gw.tokens.secondAccount },
      );
      expect(shown.map((r) => r.id)).toEqual(res.body.data?.listJobs.nodes.map((n) => n.id));
      expect(shown.length).toBeGreaterThan(0);
      expect(new Set(Object.values(await accountCells(team.page)))).toEqual(
        new Set([
          `staging · ${DEMO_SECOND_AWS_ACCOUNT.accountId}`,
          `staging · ${DEMO_SECOND_TENCENT_ACCOUNT.appId}`,
        ]),
      );
      // A default-account job's page is refused, as the API refuses it.
      await team.page.goto(`${origin}/console/jobs/${encodeURIComponent(ex.panorama)}`);
      await team.page.waitForSelector('[data-job-detail], .banner.error', { timeout: 30_000 });
      expect(await team.page.textContent('main')).toContain(
        "The token's accounts do not include the account of this job.",
      );
    } finally {
      await team.context.close();
    }
  });

  it('reaches a job with the keyboard alone: Tab to its link, Enter opens its page', async () => {
    const o = await open('/console');
    try {
      await rows(o.page);
      let inRow = false;
      for (let i = 0; i < 60 && !inRow; i++) {
        await o.page.keyboard.press('Tab');
        inRow = await o.page.evaluate(
          () => document.activeElement?.closest('tr[data-job-id]') !== null,
        );
      }
      expect(inRow).toBe(true);
      const id = await o.page.evaluate(
        () => document.activeElement?.closest('tr')?.getAttribute('data-job-id') ?? '',
      );
      await o.page.keyboard.press('Enter');
      await o.page.waitForSelector(`[data-job-detail="${id}"]`);
      expect(o.page.url()).toBe(`${origin}/console/jobs/${encodeURIComponent(id)}`);
    } finally {
      await o.context.close();
    }
  });

  it('moves a progressing job through its states on screen without a reload, and never grows the list', async () => {
    const phases = PROGRESS_PHASES.cosbatch;
    const id = PROGRESSING_JOB_IDS.cosbatch;
    emulatorNow = epoch + phases[0]!.fromMs + 10;
    const o = await open('/console');
    try {
      await o.page.waitForSelector(`tr[data-job-id="${id}"]`);
      await o.page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
      const before = await rows(o.page);
      const stateOf = async () =>
        (await gql(gw, `{ job(id: "${id}") { state } }`, { token: gw.tokens.read })).body.data!.job
          .state as string;
      expect(before.find((r) => r.id === id)?.state).toBe(await stateOf());
      // Each later phase in turn: the row follows the provider.
      let seen = 0;
      for (const phase of phases.slice(1)) {
        emulatorNow = epoch + phase.fromMs + 10;
        const expected = await stateOf();
        await o.page.waitForSelector(`tr[data-job-id="${id}"][data-state="${expected}"]`);
        seen++;
      }
      expect(seen).toBeGreaterThanOrEqual(2);
      // The same page (no reload), the same rows in the same order.
      expect(await o.page.evaluate(() => (window as unknown as { marker?: number }).marker)).toBe(
        1,
      );
      expect((await rows(o.page)).map((r) => r.id)).toEqual(before.map((r) => r.id));
    } finally {
      await o.context.close();
    }
  });

  it('closes its one live stream while the page is hidden and opens it again when shown', async () => {
    const hub = gw.server.subscriptions.hub;
    const o = await open('/console');
    try {
      await rows(o.page);
      await vi.waitFor(() => expect(hub.open()).toBe(1), { timeout: 60_000 });
      await setVisibility(o.page, 'hidden');
      await vi.waitFor(() => expect(hub.open()).toBe(0), { timeout: 60_000 });
      await setVisibility(o.page, 'visible');
      await vi.waitFor(() => expect(hub.open()).toBe(1), { timeout: 60_000 });
    } finally {
      await o.context.close();
    }
    await vi.waitFor(() => expect(hub.open()).toBe(0), { timeout: 60_000 });
  });

  it('keeps each filter in the URL: the form sets it, a reload keeps it, Back returns to the list before', async () => {
    const o = await open('/console');
    try {
      const unfiltered = await rows(o.page);
      // State, through the form.
      await o.page.check('input[name="state"][value="FAILED"]');
      await o.page.click('form.filters button[type="submit"]');
      await o.page.waitForURL(`${origin}/console?state=FAILED`);
      const failed = await rows(o.page);
      expect(failed.length).toBeGreaterThan(0);
      expect(failed.every((r) => r.state === 'FAILED')).toBe(true);
      expect(failed.map((r) => r.id)).toEqual(await listed({ states: ['FAILED'] }));
      // A reload shows the same list with the same filter checked (the token is still in the tab).
      await o.page.reload();
      expect((await rows(o.page)).map((r) => r.id)).toEqual(failed.map((r) => r.id));
      expect(await o.page.isChecked('input[name="state"][value="FAILED"]')).toBe(true);
      // Back: the unfiltered list again.
      await o.page.goBack();
      await o.page.waitForURL(`${origin}/console`);
      expect((await rows(o.page)).map((r) => r.id)).toEqual(unfiltered.map((r) => r.id));
    } finally {
      await o.context.close();
    }
    // Provider, region and the time window, each from a shared link.
    const day = (ms: number) => new Date(ms).toISOString().slice(0, 10);
    const cases: [string, Record<string, unknown>, (r: ShownRow) => boolean][] = [
      [
        '?provider=TENCENT_COS_BATCH,AWS_IMPORT_EXPORT',
        { providers: ['TENCENT_COS_BATCH', 'AWS_IMPORT_EXPORT'] },
        // A second account's job carries its alias after the prefix (`importexport@staging:…`).
        (r) => /^(cos|importexport)[@:]/.test(r.id),
      ],
      // Import/Export is global: listed whatever the regions (docs/listing.md).
      [
        '?region=ap-guangzhou',
        { regions: ['ap-guangzhou'] },
        (r) => r.id.startsWith('cos:ap-guangzhou:') || /^importexport[@:]/.test(r.id),
      ],
      [
        `?createdAfter=${day(epoch - 40 * 86_400_000)}&createdBefore=${day(epoch - 30 * 86_400_000)}`,
        {
          createdAfter: `${day(epoch - 40 * 86_400_000)}T00:00:00.000Z`,
          createdBefore: `${day(epoch - 30 * 86_400_000)}T00:00:00.000Z`,
        },
        (r) =>
          r.createdAt! >= `${day(epoch - 40 * 86_400_000)}T00:00:00.000Z` &&
          r.createdAt! < `${day(epoch - 30 * 86_400_000)}T00:00:00.000Z`,
      ],
    ];
    for (const [search, filter, holds] of cases) {
      const shared = await open(`/console${search}`);
      try {
        const shown = await rows(shared.page);
        expect(shown.length, search).toBeGreaterThan(0);
        expect(shown.every(holds), search).toBe(true);
        expect(
          shown.map((r) => r.id),
          search,
        ).toEqual(await listed(filter));
        await shared.page.reload();
        expect(
          (await rows(shared.page)).map((r) => r.id),
          search,
        ).toEqual(shown.map((r) => r.id));
        expect(shared.page.url()).toBe(`${origin}/console${search}`);
      } finally {
        await shared.context.close();
      }
    }
  });

  it('opens a job from a deep link: its fields, its ID to copy and a ready query; a reader sees that secrets exist, not their values', async () => {
    const id = ex.importexport;
    const o = await open(`/console/jobs/${encodeURIComponent(id)}`);
    try {
      await o.context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin });
      const detail = await o.page.waitForSelector(`[data-job-detail="${id}"]`);
      const text = (await detail.textContent()) ?? '';
      expect(await o.page.inputValue('#global-id')).toBe(id);
      await o.page.click('button:has-text("Copy ID")');
      await o.page.waitForSelector('button:has-text("Copied")');
      expect(await o.page.evaluate(() => navigator.clipboard.readText())).toBe(id);
      // The secret fields are there, marked hidden; their values are nowhere on the page.
      expect(
        await o.page.$$eval('[data-secret-hidden]', (els) =>
          els.map((e) => e.getAttribute('data-secret-hidden')),
        ),
      ).toEqual(expect.arrayContaining(['signature', 'signatureFileContents']));
      const secret = await gql(
        gw,
        `{ job(id: "${id}") { ... on ImportExportJob { signature } } }`,
        {
          token: gw.tokens.secrets,
        },
      );
      const signature = secret.body.data!.job.signature as string;
      expect(signature.length).toBeGreaterThan(8);
      expect(await o.page.content()).not.toContain(signature);
      // The ready query runs as shown.
      const query = (await o.page.textContent('pre.query')) ?? '';
      expect(query).toContain(`job(id: "${id}")`);
      const ran = await gql(gw, query, { token: gw.tokens.read });
      expect(ran.body.data!.job.id).toBe(id);
      expect(ran.body.errors?.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
      expect(text).toContain('AWS Import/Export');
      expectOnlyOwnOrigin(o);
    } finally {
      await o.context.close();
    }
    // Every provider's page answers within jobgraph's query limits, with no error.
    for (const each of Object.values(ex)) {
      const page = await open(`/console/jobs/${encodeURIComponent(each)}`);
      try {
        await page.page.waitForSelector(`[data-job-detail="${each}"] dl.fields`);
        expect(await page.page.$$('[data-job-detail] .banner.error')).toEqual([]);
      } finally {
        await page.context.close();
      }
    }
  });

  it('says so on a job page for a job the provider does not have, and for an ID that is not a global ID', async () => {
    const missing = 'cos:ap-guangzhou:100000000001:00000000-0000-4000-8000-000000000000';
    const o = await open(`/console/jobs/${encodeURIComponent(missing)}`);
    try {
      const banner = await o.page.waitForSelector(`[data-job-detail="${missing}"] .banner.error`);
      expect(await banner.textContent()).toMatch(/^not found: /);
      expect(await o.page.inputValue('#global-id')).toBe(missing);
    } finally {
      await o.context.close();
    }
    const bad = await open(`/console/jobs/${encodeURIComponent('nope:1')}`);
    try {
      const banner = await bad.page.waitForSelector('.banner.error');
      expect(await banner.textContent()).toContain('is not a jobgraph global ID');
      expect(bad.graphqlCalls()).toBe(0);
    } finally {
      await bad.context.close();
    }
  });

  it('asks for a token when it has none, and calls nothing until given one', async () => {
    const o = await open('/console', null);
    try {
      await o.page.waitForSelector('form.token-form input#token');
      expect(o.graphqlCalls()).toBe(0);
      await o.page.fill('#token', gw.tokens.read);
      await o.page.click('form.token-form button[type="submit"]');
      expect((await rows(o.page)).length).toBe(25);
      expect(o.graphqlCalls()).toBeGreaterThan(0);
    } finally {
      await o.context.close();
    }
  });

  it.each([
    ['expired', -3600, 'expired'],
    ['signed with another key', 3600, 'invalid'],
  ] as const)(
    'says a token that is %s was refused, in words, with how to get a new one; forgets it and asks again',
    async (_what, expiresIn, kind) => {
      const key =
        kind === 'expired' ? gw.config.auth.jwtSecret! : 'another-key-another-key-another-key-0000';
      const token = await new SignJWT({ scope: 'jobs:read' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject('console-test')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
        .sign(new TextEncoder().encode(key));
      const o = await open('/console', token);
      try {
        const alert = await o.page.waitForSelector(
          `form.token-form [data-token-refused="${kind}"]`,
        );
        const text = (await alert.textContent()) ?? '';
        expect(text).toMatch(
          kind === 'expired'
            ? /^Your token has expired\. jobgraph refused it \(\u201cThe bearer token is not valid: it has expired\.\u201d\)/
            : /^This token is not valid for this jobgraph\. jobgraph refused it \(\u201cThe bearer token is not valid: its signature does not verify\.\u201d\)/,
        );
        // How to get a new one: the demo's link, the CLI, an identity provider.
        expect(text).toContain('npm start');
        expect(text).toContain('npx jobgraph token --scopes "jobs:read"');
        expect(await o.page.evaluate(() => Object.values({ ...sessionStorage }))).not.toContain(
          token,
        );
        expect(await o.page.$$('tr[data-job-id]')).toEqual([]);
        // The field is right there: a good token shows the list.
        await o.page.fill('#token', gw.tokens.read);
        await o.page.click('form.token-form button[type="submit"]');
        expect((await rows(o.page)).length).toBe(25);
      } finally {
        await o.context.close();
      }
    },
  );

  it('names a failing source in a banner and still lists the others', async () => {
    // The list snapshots of the tests above expire (30 s): COS Batch is read again, and throttles.
    listAhead += 30_001;
    gw.emulators.cosbatch.setFaults({ throttleRate: 1 });
    const o = await open('/console');
    try {
      const banner = await o.page.waitForSelector('[data-source-failed="TENCENT_COS_BATCH"]');
      expect(await banner.textContent()).toContain('COS Batch ap-guangzhou: throttled');
      const shown = await rows(o.page);
      expect(shown).toHaveLength(25);
      expect(shown.some((r) => r.id.startsWith('cos:'))).toBe(false);
    } finally {
      await o.context.close();
    }
  });

  it("shows one job's upstream error on that job's row, the other rows whole", async () => {
    // Unfinished jobs (so not served from the cache), not the progressing ones: one COS Batch job,
    // and one Import/Export job, whose state itself needs the failed describe.
    const res = await gql<{
      listJobs: { nodes: { id: string; nativeId: string; terminal: boolean }[] };
    }>(
      gw,
      '{ listJobs(filter: { providers: [TENCENT_COS_BATCH, AWS_IMPORT_EXPORT] }) { nodes { id nativeId terminal } } }',
      { token: gw.tokens.read },
    );
    const pick = (prefix: string) =>
      res.body.data!.listJobs.nodes.find(
        (n) =>
          n.id.startsWith(prefix) &&
          !n.terminal &&
          !Object.values(PROGRESSING_JOB_IDS).includes(n.id),
      )!;
    const cos = pick('cos:');
    const ie = pick('importexport:');
    const denied = { status: 403, code: 'AccessDenied', message: 'denied', requestId: 'req-1' };
    gw.emulators.cosbatch.setFaults({
      errorAnswer: denied,
      jobPrefix: `ap-guangzhou/${cos.nativeId}`,
    });
    gw.emulators.importexport.setFaults({ errorAnswer: denied, jobPrefix: ie.nativeId });
    const o = await open('/console?provider=TENCENT_COS_BATCH,AWS_IMPORT_EXPORT');
    try {
      const shown = await rows(o.page);
      expect(shown).toHaveLength(25);
      for (const broken of [cos, ie]) {
        const error = await o.page.textContent(`tr[data-job-id="${broken.id}"] .row-error`);
        expect(error).toMatch(/^access denied: /);
      }
      expect(shown.find((r) => r.id === ie.id)?.state).toBe('UNKNOWN');
      const errors = await o.page.$$eval('tr[data-job-id] .row-error', (els) =>
        els.map((e) => e.closest('tr')?.getAttribute('data-job-id')),
      );
      expect(errors.sort()).toEqual([cos.id, ie.id].sort());
    } finally {
      await o.context.close();
    }
  });

  it('works behind a reverse proxy that serves jobgraph under a path prefix, live updates included', async () => {
    // The proxy of the README's example: /jobgraph/* → jobgraph's /*, responses streamed as they come.
    const upstream = new URL(gw.server.url);
    const proxy = http.createServer((req, res) => {
      const path = (req.url ?? '/').replace(/^\/jobgraph(?=\/|$)/, '');
      const forward = http.request(
        {
          host: upstream.hostname,
          port: upstream.port,
          path,
          method: req.method,
          headers: req.headers,
        },
        (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        },
      );
      forward.on('error', () => res.destroy());
      req.pipe(forward);
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const proxyOrigin = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`;
    const phases = PROGRESS_PHASES.cosbatch;
    const id = PROGRESSING_JOB_IDS.cosbatch;
    emulatorNow = epoch + phases[0]!.fromMs + 10;
    const o = await open('/jobgraph/console', gw.tokens.read, proxyOrigin);
    try {
      await o.page.waitForSelector(`tr[data-job-id="${id}"]`);
      expect((await rows(o.page)).length).toBe(25);
      emulatorNow = epoch + phases.at(-1)!.fromMs + 10;
      const last = await gql(gw, `{ job(id: "${id}") { state } }`, { token: gw.tokens.read });
      await o.page.waitForSelector(
        `tr[data-job-id="${id}"][data-state="${last.body.data!.job.state as string}"]`,
      );
      const link = await o.page.getAttribute(`tr[data-job-id="${id}"] a`, 'href');
      expect(link).toBe(`/jobgraph/console/jobs/${encodeURIComponent(id)}`);
      expectOnlyOwnOrigin(o, proxyOrigin);
      expect(o.requests.some((u) => u.startsWith(`${proxyOrigin}/jobgraph/graphql`))).toBe(true);
    } finally {
      await o.context.close();
      proxy.closeAllConnections();
      await new Promise((resolve) => proxy.close(resolve));
    }
  });

  it('opens signed in from the link `jobgraph demo` prints', async () => {
    const demo = await startDemoProcess();
    try {
      const link = /Jobs console[^\n]*\n\s+(http:\/\/localhost:\d+\/console#token=\S+)/.exec(
        demo.output.stdout,
      )?.[1];
      expect(link).toBeDefined();
      expect(link).toContain(`#token=${demo.token}`);
      const o = await open('', null, link!.replace('localhost', '127.0.0.1'));
      try {
        expect((await rows(o.page)).length).toBe(25);
      } finally {
        await o.context.close();
      }
    } finally {
      demo.child.kill('SIGTERM');
      await demo.exited;
    }
  });
});
