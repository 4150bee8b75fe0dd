import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { SignJWT } from 'jose';
import { expect, it, vi } from 'vitest';
import { isProgressingJobId, exampleGlobalIds } from '@jobgraph/emulators';
import { gql } from '../support/gateway.ts';
import { useConsoleRig } from './consoleRig.ts';
import { expectOnlyOwnOrigin } from './consoleOracle.ts';
import { inTab, rows, setVisibility } from './tab.ts';

/**
 * The jobs console in Debian's Chromium, as a person meets it (see console.e2e.test.ts): live
 * rows, a job's page, tokens refused, failing sources and a reverse proxy. Every wait is on the
 * page (a selector, a state), never on the clock; the emulators' clock is held by the test and
 * moved to make a job progress.
 */

const ex = exampleGlobalIds();
/**
 * How far the clock list snapshots are dated by is ahead of the real one: a test moves it on to
 * expire them (the live rows' pollers compare a snapshot's age with their interval, on the real clock).
 */
let listAhead = 0;
const { rig, open, clock, describeInChromium } = useConsoleRig({
  listClock: () => Date.now() + listAhead,
});

describeInChromium('The jobs console, live (Debian Chromium)', () => {
  it('moves a progressing job through its states on screen without a reload, and never grows the list', async () => {
    const { id, phases } = clock.intoCosProgress();
    await inTab(open('/console'), async (o) => {
      await o.page.waitForSelector(`tr[data-job-id="${id}"]`);
      await o.page.evaluate(() => ((window as unknown as { marker: number }).marker = 1));
      const before = await rows(o.page);
      const stateOf = async () =>
        (await gql(rig.gw, `{ job(id: "${id}") { state } }`, { token: rig.gw.tokens.read })).body
          .data!.job.state as string;
      expect(before.find((r) => r.id === id)?.state).toBe(await stateOf());
      // Each later phase in turn: the row follows the provider.
      let seen = 0;
      for (const phase of phases.slice(1)) {
        clock.into(phase);
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
    });
  });

  it('closes its one live stream while the page is hidden and opens it again when shown', async () => {
    const hub = rig.gw.server.subscriptions.hub;
    await inTab(open('/console'), async (o) => {
      await rows(o.page);
      await vi.waitFor(() => expect(hub.open()).toBe(1), { timeout: 60_000 });
      await setVisibility(o.page, 'hidden');
      await vi.waitFor(() => expect(hub.open()).toBe(0), { timeout: 60_000 });
      await setVisibility(o.page, 'visible');
      await vi.waitFor(() => expect(hub.open()).toBe(1), { timeout: 60_000 });
    });
    await vi.waitFor(() => expect(hub.open()).toBe(0), { timeout: 60_000 });
  });

  it('opens a job from a deep link: its fields, its ID to copy and a ready query; a reader sees that secrets exist, not their values', async () => {
    const id = ex.importexport;
    await inTab(open(`/console/jobs/${encodeURIComponent(id)}`), async (o) => {
      await o.context.grantPermissions(['clipboard-read', 'clipboard-write'], {
        origin: rig.origin,
      });
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
        rig.gw,
        `{ job(id: "${id}") { ... on ImportExportJob { signature } } }`,
        {
          token: rig.gw.tokens.secrets,
        },
      );
      const signature = secret.body.data!.job.signature as string;
      expect(signature.length).toBeGreaterThan(8);
      expect(await o.page.content()).not.toContain(signature);
      // The ready query runs as shown.
      const query = (await o.page.textContent('pre.query')) ?? '';
      expect(query).toContain(`job(id: "${id}")`);
      const ran = await gql(rig.gw, query, { token: rig.gw.tokens.read });
      expect(ran.body.data!.job.id).toBe(id);
      expect(ran.body.errors?.every((e) => e.extensions?.code === 'FORBIDDEN')).toBe(true);
      expect(text).toContain('AWS Import/Export');
      expectOnlyOwnOrigin(o, rig.origin);
      // Every provider's page answers within jobgraph's query limits, with no error.
      for (const each of Object.values(ex)) {
        await o.visit(`/console/jobs/${encodeURIComponent(each)}`);
        await o.page.waitForSelector(`[data-job-detail="${each}"] dl.fields`);
        expect(await o.page.$$('[data-job-detail] .banner.error')).toEqual([]);
      }
    });
  });

  it('says so on a job page for a job the provider does not have, and for an ID that is not a global ID', async () => {
    const missing = 'cos:ap-guangzhou:100000000001:00000000-0000-4000-8000-000000000000';
    await inTab(open(`/console/jobs/${encodeURIComponent(missing)}`), async (o) => {
      const banner = await o.page.waitForSelector(`[data-job-detail="${missing}"] .banner.error`);
      expect(await banner.textContent()).toMatch(/^not found: /);
      expect(await o.page.inputValue('#global-id')).toBe(missing);
    });
    await inTab(open(`/console/jobs/${encodeURIComponent('nope:1')}`), async (bad) => {
      const banner = await bad.page.waitForSelector('.banner.error');
      expect(await banner.textContent()).toContain('is not a jobgraph global ID');
      expect(bad.graphqlCalls()).toBe(0);
    });
  });

  it('asks for a token when it has none, and calls nothing until given one', async () => {
    await inTab(open('/console', null), async (o) => {
      await o.page.waitForSelector('form.token-form input#token');
      expect(o.graphqlCalls()).toBe(0);
      await o.page.fill('#token', rig.gw.tokens.read);
      await o.page.click('form.token-form button[type="submit"]');
      expect((await rows(o.page)).length).toBe(25);
      expect(o.graphqlCalls()).toBeGreaterThan(0);
    });
  });

  it.each([
    ['expired', -3600, 'expired'],
    ['signed with another key', 3600, 'invalid'],
  ] as const)(
    'says a token that is %s was refused, in words, with how to get a new one; forgets it and asks again',
    async (_what, expiresIn, kind) => {
      const key =
        kind === 'expired'
          ? rig.gw.config.auth.jwtSecret!
          : 'another-key-another-key-another-key-0000';
      const token = await new SignJWT({ scope: 'jobs:read' })
        .setProtectedHeader({ alg: 'HS256', typ: 'JWT' })
        .setSubject('console-test')
        .setIssuedAt(Math.floor(Date.now() / 1000) - 7200)
        .setExpirationTime(Math.floor(Date.now() / 1000) + expiresIn)
        .sign(new TextEncoder().encode(key));
      await inTab(open('/console', token), async (o) => {
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
        expect(text).toContain('npm run jobgraph -- token --scopes "jobs:read"');
        expect(await o.page.evaluate(() => Object.values({ ...sessionStorage }))).not.toContain(
          token,
        );
        expect(await o.page.$$('tr[data-job-id]')).toEqual([]);
        // The field is right there: a good token shows the list.
        await o.page.fill('#token', rig.gw.tokens.read);
        await o.page.click('form.token-form button[type="submit"]');
        expect((await rows(o.page)).length).toBe(25);
      });
    },
  );

  it('names a failing source in a banner and still lists the others', async () => {
    // The list snapshots of the tests above expire (30 s): COS Batch is read again, and throttles.
    listAhead += 30_001;
    rig.gw.emulators.cosbatch.setFaults({ throttleRate: 1 });
    await inTab(open('/console'), async (o) => {
      const banner = await o.page.waitForSelector('[data-source-failed="TENCENT_COS_BATCH"]');
      expect(await banner.textContent()).toContain('COS Batch ap-guangzhou: throttled');
      const shown = await rows(o.page);
      expect(shown).toHaveLength(25);
      expect(shown.some((r) => r.id.startsWith('cos:'))).toBe(false);
    });
  });

  it("shows one job's upstream error on that job's row, the other rows whole", async () => {
    // Unfinished jobs (so not served from the cache), not the progressing ones: one COS Batch job,
    // and one Import/Export job, whose state itself needs the failed describe.
    const res = await gql<{
      listJobs: { nodes: { id: string; nativeId: string; terminal: boolean }[] };
    }>(
      rig.gw,
      '{ listJobs(filter: { providers: [TENCENT_COS_BATCH, AWS_IMPORT_EXPORT] }) { nodes { id nativeId terminal } } }',
      { token: rig.gw.tokens.read },
    );
    const pick = (prefix: string) =>
      res.body.data!.listJobs.nodes.find(
        (n) => n.id.startsWith(prefix) && !n.terminal && !isProgressingJobId(n.id),
      )!;
    const cos = pick('cos:');
    const ie = pick('importexport:');
    const denied = { status: 403, code: 'AccessDenied', message: 'denied', requestId: 'req-1' };
    rig.gw.emulators.cosbatch.setFaults({
      errorAnswer: denied,
      jobPrefix: `ap-guangzhou/${cos.nativeId}`,
    });
    rig.gw.emulators.importexport.setFaults({ errorAnswer: denied, jobPrefix: ie.nativeId });
    await inTab(open('/console?provider=TENCENT_COS_BATCH,AWS_IMPORT_EXPORT'), async (o) => {
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
    });
  });

  it('works behind a reverse proxy that serves jobgraph under a path prefix, live updates included', async () => {
    // The proxy of the README's example: /jobgraph/* → jobgraph's /*, responses streamed as they come.
    const upstream = new URL(rig.gw.server.url);
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
    const { id, phases } = clock.intoCosProgress();
    const o = await open('/jobgraph/console', rig.gw.tokens.read, proxyOrigin);
    try {
      await o.page.waitForSelector(`tr[data-job-id="${id}"]`);
      expect((await rows(o.page)).length).toBe(25);
      clock.into(phases.at(-1)!);
      const last = await gql(rig.gw, `{ job(id: "${id}") { state } }`, {
        token: rig.gw.tokens.read,
      });
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
});
