import { describe, expect, it } from 'vitest';
import { SCOPE_LOGS, SCOPE_READ } from '../../src/auth/identity.ts';
import { DEMO_SECOND_AWS_ACCOUNT } from '@jobgraph/emulators/accounts';
import { BATCH_JOB_IDS, batchGlobalId } from '@jobgraph/emulators/batch/data';
import { BATCH_SECOND_ACCOUNT_JOB_IDS } from '@jobgraph/emulators/batch/secondAccount';
import { LINE_EVERY_MS } from '@jobgraph/emulators/batch/jobLogs';
import { accountToken } from '../support/accountTokens.ts';
import { useClockedGateway } from '../support/useClockedGateway.ts';
import { subscribe, type Subscription } from '../support/subscriptions.ts';

/**
 * `Subscription.jobLogs` through a real gateway on the test's clocks: the pollers' (a
 * ManualScheduler) and the emulators' (the Batch jobs write a line every LINE_EVERY_MS of it).
 * GetLogEvents calls are counted at the emulated CloudWatch Logs against the pollers' clock.
 */
const EPOCH = Math.floor(Date.now() / 1000) * 1000;
let emulatorNow = EPOCH;
const { gw, clock, hub } = useClockedGateway(() => emulatorNow, EPOCH);

const RUNNING = batchGlobalId(BATCH_JOB_IDS.running);
const QUERY = `subscription($id: ID!) { jobLogs(id: $id) { at message } }`;
const logCalls = () =>
  gw.emulators.logs.calls.filter((c) => c.operation.startsWith('GetLogEvents')).length;
const token = (scopes: string[], subject: string) => accountToken(gw, undefined, subject, scopes);
/** Three SSE subscribers of the running job's log tail, callers `<name>-0` to `<name>-2`. */
async function threeTails(name: string): Promise<Subscription[]> {
  const subs: Subscription[] = [];
  for (let i = 0; i < 3; i++)
    subs.push(
      subscribe(gw.server.url, 'sse', QUERY, {
        token: await token([SCOPE_READ, SCOPE_LOGS], `${name}-${i}`),
        variables: { id: RUNNING },
      }),
    );
  return subs;
}

/** Resolves once `cond` holds (checked every 5 ms of real time: what is awaited is an answer, not a duration). */
async function until(cond: () => boolean): Promise<void> {
  while (!cond()) await new Promise((resolve) => setTimeout(resolve, 5));
}

/** Resolves once the emulated CloudWatch Logs has received `count` requests in all. */
const logsReceived = (count: number) => gw.emulators.logs.waitForReceived(count);

/**
 * `promise`, the pollers' clock moved to each timer due within `withinMs` while it waits (the
 * pollers plan their next read only once the last one is answered): never past a token's expiry.
 */
async function whileFiring<T>(promise: Promise<T>, withinMs: number): Promise<T> {
  let settled = false;
  const done = promise.finally(() => (settled = true));
  while (!settled) {
    await Promise.race([done, new Promise((resolve) => setTimeout(resolve, 5))]);
    const next = clock.pending()[0];
    if (!settled && next !== undefined && next <= withinMs) clock.fireNext();
  }
  return done;
}

describe('Subscription.jobLogs', () => {
  it("keeps one subscriber's tail open when the other subscribers of its stream leave", async () => {
    const arrived = gw.emulators.logs.received.length;
    const subs = await threeTails('leaving');
    await logsReceived(arrived + 1);
    await until(() => clock.pending().includes(1_000));
    emulatorNow += LINE_EVERY_MS;
    const first = await whileFiring(Promise.all(subs.map((s) => s.next())), 1_000);
    for (const e of first) expect(e?.data?.jobLogs).toBeDefined();
    // Two leave; the server has forgotten them once one subscription is open.
    await subs[0]!.close();
    await subs[1]!.close();
    await until(() => hub().open() <= 1);
    // The one that stayed still gets the job's next lines, not the end of its stream.
    for (let step = 0; step < 2; step++) {
      emulatorNow += LINE_EVERY_MS;
      const next = await whileFiring(subs[2]!.next(), 1_000);
      expect(next).not.toBeNull();
      expect((next?.data?.jobLogs as { message: string }).message).not.toMatch(/^Done: /);
    }
    await subs[2]!.close();
    await until(() => hub().open() === 0);
  });

  it('sends each new line of a running job once to each of 3 subscribers, with at most one log call a second, and ends when the job ends', async () => {
    const before = logCalls();
    const arrived = gw.emulators.logs.received.length;
    const subs = await threeTails('tail');
    // The stream's one poller reads where the stream ends now, once, whoever subscribed first.
    await logsReceived(arrived + 1);
    // …and plans its next read a second later, once that one is answered.
    await until(() => logCalls() > before && clock.pending().includes(1_000));
    const started = clock.now();
    const seen: string[][] = [[], [], []];
    for (let step = 1; step <= 3; step++) {
      // One line written by the job, then a second of the pollers' clock.
      emulatorNow += LINE_EVERY_MS;
      const events = await whileFiring(Promise.all(subs.map((s) => s.next())), 1_000);
      events.forEach((e, i) => {
        expect(e?.errors).toBeUndefined();
        seen[i]!.push((e?.data?.jobLogs as { message: string }).message);
      });
    }
    expect(seen[0]).toHaveLength(3);
    expect(seen[1]).toEqual(seen[0]);
    expect(seen[2]).toEqual(seen[0]);
    expect(new Set(seen[0]).size).toBe(3);
    // One call to start, then at most one a second of the pollers' clock, for 3 subscribers.
    const seconds = (clock.now() - started) / 1_000;
    expect(seconds).toBeGreaterThanOrEqual(3);
    expect(logCalls() - before).toBeLessThanOrEqual(1 + seconds);
    // The job ends: its last line, then every subscription completes.
    emulatorNow += 1_000;
    gw.emulators.batch.jobs?.changeState(BATCH_JOB_IDS.running, 'SUCCEEDED');
    const last = await whileFiring(Promise.all(subs.map((s) => s.rest())), 30_000);
    for (const rest of last)
      expect(rest.map((e) => (e.data?.jobLogs as { message: string }).message).at(-1)).toMatch(
        /^Done: /,
      );
  });

  it('refuses a jobs:read token before any log call', async () => {
    const before = logCalls();
    const sub = subscribe(gw.server.url, 'sse', QUERY, {
      token: await token([SCOPE_READ], 'reader-only'),
      variables: { id: RUNNING },
    });
    const first = await sub.next().catch((err: unknown) => err);
    const codes = JSON.stringify(first);
    expect(codes).toContain('FORBIDDEN');
    await sub.close();
    expect(logCalls() - before).toBe(0);
  });

  it('gives a token of one account nothing of another account’s job’s log, before any log call', async () => {
    const before = logCalls();
    const staging = `batch@${DEMO_SECOND_AWS_ACCOUNT.alias}:us-east-1:${BATCH_SECOND_ACCOUNT_JOB_IDS.running}`;
    const sub = subscribe(gw.server.url, 'sse', QUERY, {
      token: await accountToken(gw, ['default'], 'default-only', [SCOPE_READ, SCOPE_LOGS]),
      variables: { id: staging },
    });
    const first = await sub.next().catch((err: unknown) => err);
    expect(JSON.stringify(first)).toContain('FORBIDDEN');
    expect(JSON.stringify(first)).not.toContain('step ');
    await sub.close();
    expect(logCalls() - before).toBe(0);
  });
});
