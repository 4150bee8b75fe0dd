import { expect, it } from 'vitest';
import {
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
} from '@jobgraph/emulators/accounts';
import { DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { exampleGlobalIds, exampleSecondAccountJobs } from '@jobgraph/emulators';
import { startDemoProcess } from '../support/demoProcess.ts';
import { gql } from '../support/gateway.ts';
import { useConsoleRig } from './consoleRig.ts';
import { accountCells, accountWords, expectOnlyOwnOrigin, listOracle } from './consoleOracle.ts';
import { inTab, LABEL, rows, type ShownRow } from './tab.ts';

/**
 * The jobs console in Debian's Chromium, as a person meets it: the demo gateway on its default
 * configuration (cache on, CORS default), the page and its calls on one loopback origin. Every
 * wait is on the page (a selector, a state), never on the clock; the emulators' clock is held
 * by the test and moved to make a job progress. The list, its accounts and filters here; live
 * rows, job pages, tokens and failures in consoleLive.e2e.test.ts (the two files run in parallel).
 */

const ex = exampleGlobalIds();
const { rig, open, epoch, describeInChromium } = useConsoleRig();
const { listed, listedAccounts } = listOracle(() => rig.gw);

describeInChromium('The jobs console (Debian Chromium)', () => {
  it('lists the newest jobs, each with its state as a badge and in words, provider, region and times; the token leaves the address bar', async () => {
    await inTab(open('/console'), async (o) => {
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
      expect(o.page.url()).toBe(`${rig.origin}/console`);
      expect(await o.page.evaluate(() => Object.values({ ...sessionStorage }).join(' '))).toContain(
        rig.gw.tokens.read,
      );
      expectOnlyOwnOrigin(o, rig.origin);
      // The token reached no log line (the fragment never reaches the server; the header is never logged).
      expect(rig.gw.logs.text()).not.toContain(rig.gw.tokens.read);
      expect(rig.gw.logs.text()).not.toContain(rig.gw.tokens.read.split('.')[2]!);
    });
  });

  it("reads on a phone's width: one card per job, nothing wider than the screen", async () => {
    await inTab(open('/console'), async (o) => {
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
    });
  });

  it("shows each job's account, its alias beside its ID (COS Batch's too), on its row and on its page", async () => {
    await inTab(open('/console'), async (o) => {
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
        await o.page.goto(`${rig.origin}/console/jobs/${encodeURIComponent(id)}`);
        await o.page.waitForSelector(`[data-job-detail="${id}"] dl.fields`);
        expect(await o.page.textContent(`[data-job-detail="${id}"] [data-account]`)).toBe(words);
        // Said once, in the summary line; not again among the provider fields.
        expect(
          await o.page.$$eval('dl.fields dt', (dts) => dts.map((d) => d.textContent)),
        ).not.toEqual(expect.arrayContaining([expect.stringMatching(/^account/)]));
      }
      expectOnlyOwnOrigin(o, rig.origin);
    });
  });

  it("lists every account's jobs with their account; the account filter, offered from the sources listed, narrows to one and stays in the URL", async () => {
    await inTab(open('/console'), async (o) => {
      await rows(o.page);
      expect(
        await o.page.$$eval('input[name="account"]', (boxes) =>
          boxes.map((b) => (b as HTMLInputElement).value),
        ),
      ).toEqual(['default', 'staging']);
      await o.page.check('input[name="account"][value="staging"]');
      await o.page.click('form.filters button[type="submit"]');
      await o.page.waitForURL(`${rig.origin}/console?account=staging`);
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
      await o.page.goto(`${rig.origin}/console?account=default`);
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
      await o.page.goto(`${rig.origin}/console?shown=100`);
      await rows(o.page);
      expect(await accountCells(o.page)).toEqual(
        Object.fromEntries(all.map((j) => [j.id, accountWords(j)])),
      );
      expect(all.some((j) => j.account === DEMO_SECOND_AWS_ACCOUNT.accountId)).toBe(true);
      expect(all.some((j) => j.account === DEMO_AWS_ACCOUNT_ID)).toBe(true);
      expectOnlyOwnOrigin(o, rig.origin);
    });
  });

  it("shows which accounts the token reads, and with a token of one account lists that account's jobs alone", async () => {
    await inTab(open('/console'), async (every) => {
      await rows(every.page);
      expect(await every.page.textContent('[data-token-accounts="*"]', { timeout: 30_000 })).toBe(
        'Reads every account',
      );
    });
    await inTab(open('/console?shown=100', rig.gw.tokens.secondAccount), async (team) => {
      const shown = await rows(team.page);
      expect(
        await team.page.textContent('[data-token-accounts="staging"]', { timeout: 30_000 }),
      ).toBe('Reads staging');
      const res = await gql<{ listJobs: { nodes: { id: string }[] } }>(
        rig.gw,
        '{ listJobs(first: 100) { nodes { id } } }',
        { token: rig.gw.tokens.secondAccount },
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
      await team.page.goto(`${rig.origin}/console/jobs/${encodeURIComponent(ex.panorama)}`);
      await team.page.waitForSelector('[data-job-detail], .banner.error', { timeout: 30_000 });
      expect(await team.page.textContent('main')).toContain(
        'The token\'s accounts do not include account "default".',
      );
    });
  });

  it("takes the token of a #token= link followed in a tab that holds another's, and says in words what each may do", async () => {
    await inTab(open('/console'), async (o) => {
      await rows(o.page);
      expect(await o.page.textContent('[data-token-scopes="jobs:read"]', { timeout: 30_000 })).toBe(
        'Reads every account',
      );
      // The operator's link differs from the open page by its fragment alone: no page load.
      await o.page.goto(`${rig.origin}/console#token=${rig.gw.tokens.write}`);
      const header = await o.page.waitForSelector(
        '.token-access[data-token-scopes*="jobs:write"]',
        {
          timeout: 30_000,
        },
      );
      expect(await header.textContent()).toBe(
        'Reads every account \u00b7 can act \u00b7 reads logs \u00b7 makes rules',
      );
      // The fragment is gone from the address, and a reload keeps the new token.
      expect(new URL(o.page.url()).hash).toBe('');
      await o.page.reload();
      await o.page.waitForSelector('.token-access[data-token-scopes*="jobs:write"]', {
        timeout: 30_000,
      });
      // And back to the reader's by its link, the operator's controls gone with its token.
      await o.page.goto(`${rig.origin}/console#token=${rig.gw.tokens.read}`);
      await o.page.waitForSelector('.token-access[data-token-scopes="jobs:read"]', {
        timeout: 30_000,
      });
      expect(o.problems).toEqual([]);
    });
  });

  it('reaches a job with the keyboard alone: Tab to its link, Enter opens its page', async () => {
    await inTab(open('/console'), async (o) => {
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
      expect(o.page.url()).toBe(`${rig.origin}/console/jobs/${encodeURIComponent(id)}`);
    });
  });

  it('keeps each filter in the URL: the form sets it, a reload keeps it, Back returns to the list before', async () => {
    // Provider, region and the time window, each from a shared link (followed in the same tab).
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
    await inTab(open('/console'), async (o) => {
      const unfiltered = await rows(o.page);
      // State, through the form.
      await o.page.check('input[name="state"][value="FAILED"]');
      await o.page.click('form.filters button[type="submit"]');
      await o.page.waitForURL(`${rig.origin}/console?state=FAILED`);
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
      await o.page.waitForURL(`${rig.origin}/console`);
      expect((await rows(o.page)).map((r) => r.id)).toEqual(unfiltered.map((r) => r.id));
      for (const [search, filter, holds] of cases) {
        await o.visit(`/console${search}`);
        const shown = await rows(o.page);
        expect(shown.length, search).toBeGreaterThan(0);
        expect(shown.every(holds), search).toBe(true);
        expect(
          shown.map((r) => r.id),
          search,
        ).toEqual(await listed(filter));
        await o.page.reload();
        expect(
          (await rows(o.page)).map((r) => r.id),
          search,
        ).toEqual(shown.map((r) => r.id));
        expect(o.page.url()).toBe(`${rig.origin}/console${search}`);
      }
    });
  });

  it('opens signed in from the link `jobgraph demo` prints', async () => {
    const demo = await startDemoProcess();
    try {
      const link = /Jobs console[^\n]*\n\s+(http:\/\/localhost:\d+\/console#token=\S+)/.exec(
        demo.output.stdout,
      )?.[1];
      expect(link).toBeDefined();
      expect(link).toContain(`#token=${demo.token}`);
      await inTab(open('', null, link!.replace('localhost', '127.0.0.1')), async (o) => {
        expect((await rows(o.page)).length).toBe(25);
      });
    } finally {
      demo.child.kill('SIGTERM');
      await demo.exited;
    }
  });
});
