import { beforeEach, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { inFlightCount } from '../../src/datasources/guard/loader.ts';
import { DEMO_DATA, DEMO_KIND_GLOBAL_IDS } from '@jobgraph/emulators';
import { JOB_TYPE_NAMES, typeNameOf } from '../../src/model/jobKeys.ts';
import { parseGlobalId } from '../../src/model/globalId.ts';
import {
  callsOf,
  clearCalls,
  describeCalls,
  gql,
  resetFaults,
  EMULATOR_NAMES,
  type TestGateway,
} from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';

const JOBS = `query($ids: [ID!]!) { jobs(ids: $ids) { id state providerStatus } }`;
/** The demo jobs of every kind: each provider's first kind's, then the further kinds'. */
const demoIds = [
  ...Object.values(DEMO_DATA).flatMap((d) => d.DEMO_GLOBAL_IDS),
  ...DEMO_KIND_GLOBAL_IDS,
];
/** The demo jobs, then jobs the emulators do not know (NOT_FOUND, asked once each), to make 100. */
const hundredIds = [
  ...demoIds,
  ...Array.from({ length: 100 - demoIds.length }, (_, i) => `panorama:us-east-1:absent-${i}`),
];

/** Requests that got a job from another request's call in flight, by the gateway's own counter. */
async function coalesced(gw: TestGateway): Promise<number> {
  const metric = gw.observability?.metrics?.registry.getSingleMetric(
    'jobgraph_upstream_coalesced_total',
  );
  const values = (await metric?.get())?.values ?? [];
  return values.reduce((n, v) => n + v.value, 0);
}

function holdAll(gw: TestGateway): void {
  for (const name of EMULATOR_NAMES) gw.emulators[name].setFaults({ hold: true });
}

function inFlight(gw: TestGateway): number {
  return Object.values(gw.sources).reduce((n, g) => n + inFlightCount(g), 0);
}

describe('In-flight coalescing across requests (cache off: every job is asked upstream)', () => {
  // The emulators hold the first request's calls until every other request has joined them; on a
  // loaded machine that took longer than the default 5 s attempt timeout, whose retries then
  // counted as calls (70 Panorama calls, not 40). The calls counted here are coalescing's.
  const gw = useTestGateway({ JOBGRAPH_UPSTREAM_TIMEOUT_MS: '60000' });
  beforeEach(() => {
    resetFaults(gw);
    clearCalls(gw);
  });

  it('answers N concurrent identical 100-job queries from different callers with the describe calls one of them costs (one a job, AWS Batch one for its jobs)', async () => {
    const ids = hundredIds;
    expect(new Set(ids).size).toBe(100);
    // A job of every kind of the registry among them (KINDS: a kind left out fails here).
    expect(new Set(demoIds.map((id) => typeNameOf(parseGlobalId(id))))).toEqual(
      new Set(JOB_TYPE_NAMES),
    );
    const secret = gw.config.auth.jwtSecret as string;
    const tokens = await Promise.all(
      Array.from({ length: 5 }, (_, i) =>
        mintToken({ secret, scopes: ['jobs:read'], subject: `dashboard-${i}` }),
      ),
    );
    const before = await coalesced(gw);
    holdAll(gw);
    const pending = tokens.map((token) => gql(gw, JOBS, { variables: { ids }, token }));
    // Every request after the first waits for the first one's calls: nothing settles while the emulators hold.
    await vi.waitFor(
      async () => expect((await coalesced(gw)) - before).toBe((tokens.length - 1) * ids.length),
      { timeout: 60_000, interval: 20 },
    );
    resetFaults(gw);
    const results = await Promise.all(pending);
    for (const r of results) {
      expect(r.status).toBe(200);
      expect(r.body).toEqual(results[0]!.body);
    }
    expect(callsOf(gw)).toEqual(describeCalls(ids));
    expect(inFlight(gw)).toBe(0);
  });

  it('shares one call between a reader and a secrets caller, each seeing only its own fields; the record is gone once the call settles', async () => {
    const id = DEMO_DATA.importexport.EXAMPLE_GLOBAL_ID;
    const q = `query($id: ID!) { job(id: $id) { id state ... on ImportExportJob { signature } } }`;
    const importexport = gw.emulators.importexport;
    const before = await coalesced(gw);
    importexport.setFaults({ hold: true });
    const asSecrets = gql(gw, q, { variables: { id }, token: gw.tokens.secrets });
    await importexport.waitForReceived(1);
    const asReader = gql(gw, q, { variables: { id }, token: gw.tokens.read });
    await vi.waitFor(async () => expect((await coalesced(gw)) - before).toBe(1), {
      timeout: 30_000,
      interval: 10,
    });
    resetFaults(gw);
    const [secrets, reader] = await Promise.all([asSecrets, asReader]);
    expect(importexport.calls).toHaveLength(1);
    expect(secrets.body.errors).toBeUndefined();
    const signature = secrets.body.data?.job.signature as string;
    expect(signature).toEqual(expect.any(String));
    expect(reader.body.data?.job).toMatchObject({ id, signature: null });
    expect(reader.body.errors?.map((e) => e.extensions?.code)).toEqual(['FORBIDDEN']);
    expect(reader.text).not.toContain(signature);
    // Settled: out of the in-flight map, so the next request makes its own call.
    expect(inFlightCount(gw.sources.AWS_IMPORT_EXPORT)).toBe(0);
    const again = await gql(gw, q, { variables: { id }, token: gw.tokens.secrets });
    expect(again.body.data?.job.signature).toBe(signature);
    expect(importexport.calls).toHaveLength(2);
  });

  it('does not share a call that settled: a failing job asked again is asked again', async () => {
    const id = DEMO_DATA.importexport.ERROR_CASE_GLOBAL_IDS.notFound;
    const first = await gql(gw, `{ job(id: "${id}") { id } }`, { token: gw.tokens.read });
    const second = await gql(gw, `{ job(id: "${id}") { id } }`, { token: gw.tokens.read });
    expect(first.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(second.body.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    expect(gw.emulators.importexport.calls).toHaveLength(2);
  });
});
