import { expect, it } from 'vitest';
import { SCOPE_LOGS, SCOPE_READ } from '../../src/auth/identity.ts';
import { DEMO_AWS_ACCOUNT_ID } from '@jobgraph/emulators/accounts';
import {
  BATCH_DEMO_REGION,
  BATCH_JOB_IDS,
  batchDemoJobs,
  batchGlobalId,
} from '@jobgraph/emulators/batch/data';
import { LINE_EVERY_MS, batchFailureLine, batchLogPlace } from '@jobgraph/emulators/batch/jobLogs';
import { accountToken } from '../support/accountTokens.ts';
import { useConsoleRig } from './consoleRig.ts';
import { inTab, tabOpener } from './tab.ts';

/**
 * A job's own log on its console page (issue #87 item 5), in Debian's Chromium through the real
 * server: a failed job's page opens on its last attempt's final lines beside why it failed, each
 * line's time in the page's time zone, with a link to the whole stream; a running job's page tails
 * live as the emulators' clock makes the job write; a token without jobs:logs:read sees a line
 * saying why instead, and the page asks for no line. Waits are on the page, never on the clock.
 */
const { rig, open, clock, describeInChromium } = useConsoleRig();
const FAILED = batchGlobalId(BATCH_JOB_IDS.failed);
const RUNNING = batchGlobalId(BATCH_JOB_IDS.running);
const ZONE = 'Asia/Kolkata';
const logsToken = () =>
  accountToken(rig.gw, undefined, 'console-log-reader', [SCOPE_READ, SCOPE_LOGS]);
/** `open`, in a browser whose time zone is ZONE (UTC + 5:30, so a UTC time would show otherwise). */
const openInZone = tabOpener(() => ({
  browser: {
    newContext: (options: object) => rig.browser.newContext({ ...options, timezoneId: ZONE }),
  } as unknown as typeof rig.browser,
  origin: rig.origin,
  token: rig.gw.tokens.read,
}));
const page = (id: string) => `/console/jobs/${encodeURIComponent(id)}`;

describeInChromium('A job’s log on its console page (Debian Chromium)', () => {
  it('opens a failed job’s page on its final lines, the last the error that failed it, beside why it failed, in the page’s time zone, with a link to the whole stream', async () => {
    await inTab(openInZone(page(FAILED), await logsToken()), async (o) => {
      await o.page.waitForSelector('[data-job-log="lines"] [data-log-line]');
      await o.page.waitForSelector('[data-failure-reasons]');
      const lines = await o.page.$$eval('[data-log-line]', (els) =>
        els.map((el) => ({
          text: el.querySelector('.log-message')?.textContent ?? '',
          at: el.querySelector('time')?.getAttribute('datetime') ?? '',
          shown: el.querySelector('time')?.textContent ?? '',
        })),
      );
      expect(lines).toHaveLength(100);
      const last = lines.at(-1)!;
      expect(last.text).toBe(batchFailureLine(1));
      const inZone = new Intl.DateTimeFormat('en-GB', {
        timeZone: ZONE,
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
        hour12: false,
      }).format(new Date(last.at));
      expect(last.shown.startsWith(inZone)).toBe(true);
      const href = await o.page.getAttribute('a.job-log-stream', 'href');
      expect(href).toMatch(
        /^https:\/\/us-east-1\.console\.aws\.amazon\.com\/cloudwatch\/home\?region=us-east-1#logsV2:log-groups\/log-group\/\$252Faws\$252Fbatch\$252Fjob\/log-events\//,
      );
      // The list opens scrolled to its end: the final lines are what shows.
      const scrolled = await o.page.$eval(
        '.job-log-lines',
        (el) => Math.abs(el.scrollHeight - el.clientHeight - el.scrollTop) < 2,
      );
      expect(scrolled).toBe(true);
      expect(o.problems).toEqual([]);
    });
  });

  it('tails a running job live: a line the job writes shows on the page', async () => {
    await inTab(open(page(RUNNING), await logsToken()), async (o) => {
      await o.page.waitForSelector(
        '[data-job-log="lines"][data-job-log-live], [data-job-log="lines"] [data-log-line]',
      );
      const count = () => o.page.$$eval('[data-log-line]', (els) => els.length);
      const before = await count();
      const lastBefore = await o.page.$eval(
        '[data-log-line]:last-child .log-message',
        (el) => el.textContent,
      );
      // The job writes its next line on the emulators' clock.
      clock.at += LINE_EVERY_MS;
      await o.page.waitForFunction(
        (n) => document.querySelectorAll('[data-log-line]').length > n,
        before,
      );
      const lastAfter = await o.page.$eval(
        '[data-log-line]:last-child .log-message',
        (el) => el.textContent,
      );
      expect(lastAfter).not.toBe(lastBefore);
      expect(lastAfter).toMatch(/^step \d+: processed/);
      expect(o.problems).toEqual([]);
    });
  });

  it('shows a failed job’s final lines to the demo banner’s “Token that acts” (it holds jobs:logs:read), and hides them from its reader token', async () => {
    await inTab(open(page(FAILED), rig.gw.tokens.write), async (o) => {
      await o.page.waitForSelector('[data-job-log="lines"] [data-log-line]');
      const messages = await o.page.$$eval('[data-log-line] .log-message', (els) =>
        els.map((el) => el.textContent ?? ''),
      );
      expect(messages.at(-1)).toBe(batchFailureLine(1));
      expect(o.problems).toEqual([]);
    });
    await inTab(open(page(FAILED), rig.gw.tokens.read), async (o) => {
      await o.page.waitForSelector('[data-job-detail] [data-job-log="hidden"] [data-job-log-why]');
      expect(await o.page.$('[data-log-line]')).toBeNull();
    });
  });

  it('shows a line’s ANSI and OSC escapes as text and its own line breaks as ⏎, one line a line (issue 100 item 7)', async () => {
    const job = batchDemoJobs(clock.epoch).listed.find((j) => j.jobId === BATCH_JOB_IDS.succeeded)!;
    const place = {
      accountId: DEMO_AWS_ACCOUNT_ID,
      region: BATCH_DEMO_REGION,
      ...batchLogPlace(job)!,
    };
    rig.gw.emulators.logStreams.put(place, [
      { timestamp: clock.at - 2, message: '\u001b[31mred\u001b[0m \u001b]0;owned\u0007title' },
      { timestamp: clock.at - 1, message: 'one\ntwo\r\nthree' },
    ]);
    await inTab(
      open(page(batchGlobalId(BATCH_JOB_IDS.succeeded)), await logsToken()),
      async (o) => {
        await o.page.waitForSelector('[data-job-log="lines"] [data-log-line]');
        const messages = await o.page.$$eval('[data-log-line] .log-message', (els) =>
          els.map((el) => el.textContent ?? ''),
        );
        expect(messages).toEqual(['\\x1b[31mred\\x1b[0m \\x1b]0;owned\\x07title', 'one⏎two⏎three']);
        expect(o.problems).toEqual([]);
      },
    );
  });

  it('hides the log from a token without jobs:logs:read, saying why, and makes no log call', async () => {
    const logCalls = () =>
      rig.gw.emulators.logs.calls.filter((c) => c.operation.startsWith('GetLogEvents')).length;
    const before = logCalls();
    // A running job: its tail is never kept, so a read of it would be a call.
    await inTab(open(page(RUNNING)), async (o) => {
      await o.page.waitForSelector('[data-job-detail] [data-job-log="hidden"] [data-job-log-why]');
      const why = await o.page.textContent('[data-job-log-why]');
      expect(why).toContain('jobs:logs:read');
      expect(await o.page.$('[data-log-line]')).toBeNull();
      expect(o.problems).toEqual([]);
    });
    expect(logCalls() - before).toBe(0);
  });
});
