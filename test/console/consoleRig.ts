import type { Browser } from 'playwright-core';
import { afterAll, afterEach, beforeAll, describe } from 'vitest';
import { PROGRESS_PHASES, IN_PLACE_PROGRESSING_JOB_IDS } from '@jobgraph/emulators';
import { SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import { accountToken } from '../support/accountTokens.ts';
import { launchChromium } from '../support/browser.ts';
import { realPart } from '../support/realParts.ts';
import { resetFaults, startTestGateway, type TestGateway } from '../support/gateway.ts';
import { useReceiver } from '../support/webhookReceiver.ts';
import { tabOpener } from './tab.ts';

/** What a console test file runs against, valid from its first test on. */
interface ConsoleRig {
  gw: TestGateway;
  browser: Browser;
  /** The gateway's origin (`http://127.0.0.1:<port>`), where the page is served. */
  origin: string;
}

/**
 * One demo gateway and one Chromium for a console test file (the console's files are split by
 * subject so they run in parallel, each on its own ephemeral ports): started before the first
 * test, closed after the last; each test opens its own browser context (`open`), so tests share
 * no tab, storage or cookie. A watched job is polled 50 ms after a change instead of 2 s, so a
 * change shows soon; while nothing changes the wait grows to 1 s at most (not the 30 s default):
 * an open list watches its unfinished rows (22 of the first 25), and a 200 ms ceiling kept the
 * gateway polling them about 250 times a second, for the whole file, beside the browser. The
 * emulators' clock goes back to `clock.epoch` and the upstream faults a test set are cleared after it.
 */
export function useConsoleRig(
  options: { listClock?: () => number; env?: Record<string, string> } = {},
) {
  const { env, ...gatewayOptions } = options;
  const rig = {} as ConsoleRig;
  const epoch = Date.now();
  /**
   * The emulators' clock, held by the test (`clock.at`) and moved to make a job progress:
   * `clock.into(phase)` moves it just into a progressing job's phase.
   */
  const clock = {
    epoch,
    at: epoch,
    into(phase: { fromMs: number }) {
      clock.at = epoch + phase.fromMs + 10;
    },
    /** COS Batch's progressing job, its ID and phases, the clock moved just into its first phase. */
    intoCosProgress() {
      const phases = PROGRESS_PHASES.cosbatch;
      clock.into(phases[0]!);
      return { id: IN_PLACE_PROGRESSING_JOB_IDS.cosbatch, phases };
    },
  };
  beforeAll(async () => {
    // The gateway and the browser start side by side (neither needs the other until a test
    // opens a tab); each is kept as soon as it is up, so afterAll closes whichever started.
    const started = await Promise.allSettled([
      startTestGateway(
        { JOBGRAPH_WATCH_POLL_MS: '50', JOBGRAPH_WATCH_MAX_POLL_MS: '1000', ...env },
        { emulatorClock: { now: () => clock.at, epochMs: epoch }, ...gatewayOptions },
      ).then((gw) => {
        rig.gw = gw;
        rig.origin = new URL(gw.server.url).origin;
      }),
      launchChromium().then((browser) => {
        rig.browser = browser;
      }),
    ]);
    for (const s of started) if (s.status === 'rejected') throw s.reason;
  });
  afterAll(async () => {
    await rig.browser?.close();
    await rig.gw?.close();
  });
  afterEach(() => {
    clock.at = epoch;
    if (rig.gw) resetFaults(rig.gw);
  });
  const open = tabOpener(() => ({
    browser: rig.browser,
    origin: rig.origin,
    token: rig.gw.tokens.read,
  }));
  /** `describe` for the file's tests: skipped, saying which package brings it, without Chromium. */
  const describeInChromium = describe.skipIf(realPart('chromium').skip);
  return { rig, open, clock, epoch, describeInChromium };
}

/**
 * `useConsoleRig` for the Notifications page: rules may deliver to 127.0.0.1, where `receiver`
 * listens (started and closed with the rig); `notifyToken()` mints a token of `subject` that reads
 * jobs and writes rules.
 */
export function useNotifyingConsoleRig(subject: string) {
  const used = useConsoleRig({ env: { JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*' } });
  const receiver = useReceiver();
  const notifyToken = () =>
    accountToken(used.rig.gw, undefined, subject, [SCOPE_READ, SCOPE_NOTIFY]);
  return { ...used, receiver, notifyToken };
}
