// Takes the console screenshots of the README and docs/console.md (docs/images/console-*.png) in
// Debian's Chromium against the demo: `npm run build && node console/screenshots.mjs`.
import { URL, fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import { chromium } from 'playwright-core';

const root = fileURLToPath(new URL('../', import.meta.url));
const { startDemo } = await import(`${root}dist/app.js`);
const { IN_PLACE_PROGRESSING_JOB_IDS } = await import('@jobgraph/emulators');
const demo = await startDemo({ port: 0 });
const browser = await chromium.launch({
  executablePath: '/usr/bin/chromium',
  args: [
    '--no-sandbox',
    '--disable-gpu',
    '--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1',
  ],
});
try {
  const origin = new URL(demo.server.url).origin;
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await page.goto(`${origin}/console#token=${demo.tokens.read}`);
  await page.waitForSelector('tr[data-job-id]');
  await page.screenshot({ path: `${root}docs/images/console-list.png` });
  // A native ID of a job in each account: both listed, each with its account.
  await page.fill('#find', 'pkgimport-5f3a9c1e7b2d4086');
  await page.press('#find', 'Enter');
  await page.waitForSelector('[data-find-answer="several"]');
  await page
    .locator('.find-box')
    .screenshot({ path: `${root}docs/images/console-find-accounts.png` });
  // A native ID no job has where the list looks: the global IDs asked, and the forms to paste.
  await page.fill('#find', 'NOSUCH1');
  await page.press('#find', 'Enter');
  await page.waitForSelector('[data-find-answer="not-listed"]');
  await page.locator('.find-box').screenshot({ path: `${root}docs/images/console-find.png` });
  await page.goto(`${origin}/console?state=FAILED&provider=TENCENT_COS_BATCH`);
  await page.click('tr[data-job-id] a');
  await page.waitForSelector('[data-job-detail] dl.fields');
  await page.screenshot({ path: `${root}docs/images/console-job.png` });
  // A token the server refuses: why, and how to get a new one.
  const refused = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await refused.goto(`${origin}/console#token=${demo.tokens.read.slice(0, -4)}AAAA`);
  await refused.waitForSelector('[data-token-refused]');
  await refused
    .locator('form.token-form')
    .screenshot({ path: `${root}docs/images/console-token.png` });
  await refused.close();
  // Acting (docs/actions.md), as a jobs:write token: a job page's terminate form, filled in but
  // not sent, and the list's bulk cancel after its dry run. Nothing is sent for real.
  const { mintToken } = await import(`${root}dist/auth/mintToken.js`);
  const { BATCH_JOB_IDS } = await import('@jobgraph/emulators/batch/data');
  const { DEMO_DATA } = await import('@jobgraph/emulators');
  const { auth } = demo.config;
  const writer = await mintToken({
    secret: auth.jwtSecret,
    scopes: ['jobs:read', 'jobs:write'],
    subject: 'demo-oncall',
    issuer: auth.issuer,
    audience: auth.audience,
  });
  const example = DEMO_DATA.batch.EXAMPLE_GLOBAL_ID;
  const batchId = (name) => example.slice(0, example.lastIndexOf(':') + 1) + BATCH_JOB_IDS[name];
  const acting = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  await acting.goto(
    `${origin}/console/jobs/${encodeURIComponent(batchId('running'))}#token=${writer}`,
  );
  await acting.click('[data-job-actions] [data-action="TERMINATE"]');
  await acting.fill('#action-reason', 'Runaway: burning the GPU budget');
  await acting.fill('[data-confirm]', 'align-NA12892');
  await acting.screenshot({ path: `${root}docs/images/console-actions.png` });
  await acting.goto(`${origin}/console?provider=AWS_BATCH#token=${writer}`);
  for (const name of ['pending', 'submitted', 'runnable', 'starting', 'multiNode'])
    await acting.check(`[data-select="${batchId(name)}"]`);
  await acting.fill('#bulk-reason', 'Queue drained for maintenance');
  await acting.click('[data-bulk-preview-button]');
  await acting.check('[data-terminate-running]');
  await acting.fill('[data-bulk-confirm]', '5');
  await acting.screenshot({ path: `${root}docs/images/console-bulk-cancel.png` });
  await acting.close();
  // The history view: every listed job read once by ID (as opening each would), so the store
  // holds the demo's finished jobs; then the charts of the last 7 days and the table.
  const graphql = (query, variables) =>
    globalThis
      .fetch(`${origin}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${demo.tokens.read}`,
        },
        body: JSON.stringify({ query, variables }),
      })
      .then((r) => r.json());
  const listed = await graphql('{ listJobs(first: 100) { nodes { id } } }', {});
  const ids = listed.data.listJobs.nodes.map((n) => n.id);
  for (let i = 0; i < ids.length; i += 50)
    await graphql('query($ids: [ID!]!) { jobs(ids: $ids) { id } }', { ids: ids.slice(i, i + 50) });
  // The store writes within a second (group commit): until it holds every job read.
  for (;;) {
    const stored = await graphql('{ jobHistory(first: 100) { nodes { id } } }', {});
    if (stored.data.jobHistory.nodes.length >= Math.min(ids.length, 100)) break;
    await sleep(100);
  }
  await page.goto(`${origin}/console/history`);
  await page.waitForSelector('[data-chart="durations"] table');
  await page
    .locator('section.charts')
    .screenshot({ path: `${root}docs/images/console-history.png` });
  // A job's timeline: the demo's progressing COS Batch job, once it has moved (a minute's cycle).
  await page.goto(
    `${origin}/console/jobs/${encodeURIComponent(IN_PLACE_PROGRESSING_JOB_IDS.cosbatch)}`,
  );
  await page.waitForSelector('[data-timeline] li:nth-child(3)', { timeout: 90_000 });
  await page.locator('article[data-job-detail] h1').scrollIntoViewIfNeeded();
  await page.screenshot({ path: `${root}docs/images/console-timeline.png` });
  await page.setViewportSize({ width: 390, height: 844 });
  await page.goto(`${origin}/console`);
  await page.waitForSelector('tr[data-job-id]');
  await page.screenshot({ path: `${root}docs/images/console-phone.png` });
} finally {
  await browser.close();
  await demo.close();
}
