import { describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import {
  clearCalls,
  freshCopies,
  gql,
  resetFaults,
  type GqlResult,
  type TestGateway,
} from '../support/gateway.ts';
import { useBreakerGateway } from '../support/useTestGateway.ts';

const ex = exampleGlobalIds();
const JOB = `query($id: ID!) { job(id: $id) { id state } }`;
// The demo's Panorama jobs live in us-east-1; any other ID there is not found unless a fault answers first.
const REGION = 'us-east-1';
const panorama = (jobId: string) => `panorama:${REGION}:${jobId}`;
const ask = (gw: TestGateway, id: string) =>
  gql(gw, JOB, { variables: { id }, token: gw.tokens.read });

/** The answer of a job the provider failed with a 5xx, not one jobgraph refused because the circuit was open. */
function expectProviderFailure(res: GqlResult) {
  expect(res.body.errors?.[0]).toMatchObject({
    extensions: { code: 'UPSTREAM_UNAVAILABLE', provider: 'AWS_PANORAMA' },
  });
  expect(res.body.errors?.[0]?.message).toMatch(/unavailable \(HTTP 500\)/);
}

function expectOpenCircuit(res: GqlResult) {
  expect(res.body.errors?.[0]).toMatchObject({
    extensions: { code: 'UPSTREAM_UNAVAILABLE', provider: 'AWS_PANORAMA' },
  });
  expect(res.body.errors?.[0]?.message).toMatch(/in us-east-1; jobgraph stopped calling it there/);
}

function expectAnswered(res: GqlResult, id: string) {
  expect(res.body.errors).toBeUndefined();
  expect(res.body.data?.job).toMatchObject({ id });
}

describe('The circuit of a region counts distinct jobs', () => {
  const gw = useBreakerGateway(3, 600_000);

  it('stays closed however often one caller asks for one job that answers 5xx: another job of the region keeps answering', async () => {
    const broken = 'pkgimport-brokenjob1';
    gw.emulators.panorama.setFaults({ errorRate: 1, jobPrefix: `${REGION}/${broken}` });
    const breakers = gw.sources.AWS_PANORAMA.breakers;
    expect(breakers.openRegions()).toEqual([]);
    // A new victim each round, a copy of a finished job: the job cache (on) would answer a job
    // asked before without asking the provider, so its circuit would not be tested.
    const victims = freshCopies(gw, [ex.panorama, ex.panorama, ex.panorama, ex.panorama]);
    for (const id of victims) {
      // More failures in a row than the threshold, with no success between...
      for (let i = 0; i < 3; i++) expectProviderFailure(await ask(gw, panorama(broken)));
      // ...then more of the same at once, with the victim's request among them.
      const [a, victim, b] = await Promise.all([
        ask(gw, panorama(broken)),
        ask(gw, id),
        ask(gw, panorama(broken)),
      ]);
      expectProviderFailure(a);
      expectProviderFailure(b);
      expectAnswered(victim, id);
      expect(breakers.openRegions()).toEqual([]);
    }
    // Every sequential attack reached the provider (the concurrent pair may share one call).
    const attacks = gw.emulators.panorama.received.filter((job) => job === `${REGION}/${broken}`);
    expect(attacks.length).toBeGreaterThanOrEqual(4 * 4);
    for (const id of victims)
      expect(
        gw.emulators.panorama.received.filter((job) => job === `${REGION}/${id.split(':')[2]}`),
      ).toHaveLength(1);
  });

  it('starts counting again after a success, and opens once distinct jobs fail in a row', async () => {
    gw.emulators.panorama.setFaults({ errorRate: 1, jobPrefix: `${REGION}/pkgimport-down` });
    const breakers = gw.sources.AWS_PANORAMA.breakers;
    // Healthy jobs no earlier test asked for: the job cache (on) would answer a job asked before
    // without asking the provider, neither a success for the circuit nor refused by it.
    const [healthy, refused] = freshCopies(gw, [ex.panorama, ex.panorama]) as [string, string];
    expectProviderFailure(await ask(gw, panorama('pkgimport-down1')));
    expectProviderFailure(await ask(gw, panorama('pkgimport-down2')));
    expectAnswered(await ask(gw, healthy), healthy);
    expectProviderFailure(await ask(gw, panorama('pkgimport-down3')));
    expectProviderFailure(await ask(gw, panorama('pkgimport-down4')));
    expect(breakers.openRegions()).toEqual([]);
    expectProviderFailure(await ask(gw, panorama('pkgimport-down5')));
    expect(breakers.openRegions()).toEqual([REGION]);
    clearCalls(gw);
    expectOpenCircuit(await ask(gw, refused));
    expect(gw.emulators.panorama.calls).toEqual([]);
  });
});

describe('An outage of a region', () => {
  const gw = useBreakerGateway(3, 2000);

  /**
   * Asks for `id` until a request reaches the provider (the half-open trial) and returns that answer.
   * The circuit lets a trial through only once its half-open time has passed, so this polls, with a generous bound.
   */
  async function untilTrial(id: string): Promise<GqlResult> {
    clearCalls(gw);
    const deadline = Date.now() + 60_000;
    while (Date.now() < deadline) {
      const res = await ask(gw, id);
      if (gw.emulators.panorama.calls.length > 0) return res;
      expectOpenCircuit(res);
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    throw new Error('the circuit never let a trial call through');
  }

  it('opens after distinct jobs fail, reopens when the half-open trial fails, and closes when it succeeds', async () => {
    gw.emulators.panorama.setFaults({ errorRate: 1, jobPrefix: `${REGION}/` });
    const breakers = gw.sources.AWS_PANORAMA.breakers;
    // One job failing again and again is not an outage.
    for (let i = 0; i < 3; i++) expectProviderFailure(await ask(gw, panorama('pkgimport-outage0')));
    expectProviderFailure(await ask(gw, panorama('pkgimport-outage1')));
    expect(breakers.openRegions()).toEqual([]);
    // A third distinct job is.
    expectProviderFailure(await ask(gw, panorama('pkgimport-outage2')));
    expect(breakers.openRegions()).toEqual([REGION]);
    clearCalls(gw);
    expectOpenCircuit(await ask(gw, panorama('pkgimport-outage3')));
    expect(gw.emulators.panorama.calls).toEqual([]);

    // Still down: the trial (a job counted before the circuit opened) fails and reopens the circuit.
    expectProviderFailure(await untilTrial(panorama('pkgimport-outage0')));
    expect(gw.emulators.panorama.calls).toHaveLength(1);
    expect(breakers.openRegions()).toEqual([REGION]);
    clearCalls(gw);
    expectOpenCircuit(await ask(gw, ex.panorama));
    expect(gw.emulators.panorama.calls).toEqual([]);

    // Back up: the trial succeeds and closes the circuit.
    resetFaults(gw);
    expectAnswered(await untilTrial(ex.panorama), ex.panorama);
    expect(breakers.openRegions()).toEqual([]);

    // Closed again, a run starts from nothing: one job failing twice does not reopen it.
    gw.emulators.panorama.setFaults({ errorRate: 1, jobPrefix: `${REGION}/` });
    for (let i = 0; i < 2; i++) expectProviderFailure(await ask(gw, panorama('pkgimport-outage1')));
    expect(breakers.openRegions()).toEqual([]);
  });
});
