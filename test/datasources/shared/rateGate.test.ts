import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { loadConfig } from '../../../src/config/index.ts';
import {
  fetchJobShared,
  guardSource,
  type GuardedSource,
} from '../../../src/datasources/guard/loader.ts';
import { guardedCall } from '../../../src/datasources/listing/guardedCall.ts';
import { PANORAMA_LIST } from '../../../src/datasources/panorama/list.ts';
import { providerOf } from '../../../src/datasources/registry.ts';
import type { TransportOptions } from '../../../src/datasources/shared/options.ts';
import type { RateGate } from '../../../src/datasources/shared/rateGate.ts';
import { createSource } from '../../../src/datasources/shared/source.ts';
import {
  exampleGlobalIds,
  startEmulators,
  withDemoUpstreams,
  type EmulatorSet,
} from '@jobgraph/emulators';
import { UpstreamError } from '../../../src/errors.ts';
import { parseGlobalId } from '../../../src/model/globalId.ts';
import type { JobProvider } from '../../../src/model/job.ts';

// The one pipeline asks the rate budget (JOBGRAPH_UPSTREAM_RATE_LIMITS) before every attempt of
// every call — describes, retries, list calls — in the caller's name, against the real emulators.
// The gate here records what it is asked and answers as the test says.

const ex = exampleGlobalIds();
const BUDGET_MS = 4_000;

type Asked = { provider: JobProvider; region: string; caller: string; maxWaitMs: number };

describe('The pipeline and the rate budget', () => {
  let emulators: EmulatorSet;
  const asked: Asked[] = [];
  let refuse: UpstreamError | null = null;
  const gate: RateGate = {
    acquire(provider, region, caller, maxWaitMs) {
      asked.push({ provider, region, caller, maxWaitMs });
      return refuse ? Promise.reject(refuse) : Promise.resolve();
    },
  };
  const guarded = new Map<JobProvider, GuardedSource>();
  const sourceOf = (provider: JobProvider): GuardedSource => guarded.get(provider)!;

  beforeAll(async () => {
    emulators = await startEmulators();
    const config = withDemoUpstreams(loadConfig({ mode: 'demo' }, {}), emulators);
    const transport: TransportOptions = {
      timeoutMs: 5_000,
      maxAttempts: 3,
      maxSockets: 8,
      budgetMs: BUDGET_MS,
      rate: gate,
    };
    for (const name of ['AWS_OMICS', 'AWS_IMPORT_EXPORT', 'AWS_PANORAMA'] as const) {
      const provider = providerOf(name);
      const source = createSource(provider as never, provider.setup.options(config, transport));
      guarded.set(
        name,
        guardSource(source, {
          concurrency: 4,
          callerConcurrency: 4,
          budgetMs: BUDGET_MS,
          breakerFailures: 1,
          breakerHalfOpenMs: 60_000,
        }),
      );
    }
  });
  afterAll(async () => {
    for (const g of guarded.values()) g.source.close?.();
    await emulators?.close();
  });
  beforeEach(() => {
    asked.length = 0;
    refuse = null;
    for (const e of Object.values(emulators)) if ('resetFaults' in e) e.resetFaults();
  });

  it("asks for a turn before each attempt of a describe, retries included, in the caller's name and region", async () => {
    emulators.omics.setFaults({ script: ['5xx', '5xx'] });
    const before = emulators.omics.calls.length;
    const record = await fetchJobShared(
      sourceOf('AWS_OMICS'),
      parseGlobalId(ex.omics) as never,
      'alice',
    );
    expect(record.id).toBe(ex.omics);
    expect(emulators.omics.calls.length - before).toBe(3);
    expect(asked.map(({ provider, region, caller }) => [provider, region, caller])).toEqual([
      ['AWS_OMICS', 'us-east-1', 'alice'],
      ['AWS_OMICS', 'us-east-1', 'alice'],
      ['AWS_OMICS', 'us-east-1', 'alice'],
    ]);
    // Each wait leaves a reserve of the job's budget for the call itself, and shrinks as the budget is spent.
    expect(asked[0]!.maxWaitMs).toBeLessThanOrEqual(BUDGET_MS * 0.75);
    expect(asked[0]!.maxWaitMs).toBeGreaterThan(BUDGET_MS * 0.6);
    expect(asked[2]!.maxWaitMs).toBeLessThanOrEqual(asked[0]!.maxWaitMs);
  });

  it('counts Import/Export, a global service, in one budget', async () => {
    await fetchJobShared(
      sourceOf('AWS_IMPORT_EXPORT'),
      parseGlobalId(ex.importexport) as never,
      'bob',
    );
    expect(asked.map(({ provider, region, caller }) => [provider, region, caller])).toEqual([
      ['AWS_IMPORT_EXPORT', 'global', 'bob'],
    ]);
  });

  it('asks for a turn before each list call, in the caller of the page', async () => {
    const page = await guardedCall(
      sourceOf('AWS_PANORAMA'),
      PANORAMA_LIST,
      { region: 'us-east-1', maxResults: 25 },
      { breakerRegion: 'us-east-1', subject: 'panorama:us-east-1' },
      { caller: 'carol', signal: undefined, calls: 0 },
    );
    expect(page.items.length).toBeGreaterThan(0);
    expect(asked.map(({ provider, region, caller }) => [provider, region, caller])).toEqual([
      ['AWS_PANORAMA', 'us-east-1', 'carol'],
    ]);
  });

  it("answers a refused turn as the job's UPSTREAM_THROTTLED: no upstream call, no retry, no circuit opened", async () => {
    refuse = new UpstreamError({
      provider: 'AWS_OMICS',
      code: 'UPSTREAM_THROTTLED',
      message: 'spent',
      retryable: false,
      retryAfterMs: 400,
    });
    const before = emulators.omics.calls.length;
    const key = parseGlobalId(ex.omics) as never;
    for (let i = 0; i < 3; i++) {
      const err = await fetchJobShared(sourceOf('AWS_OMICS'), key, 'alice').then(
        () => null,
        (e: unknown) => e,
      );
      expect(err).toBe(refuse);
    }
    expect(emulators.omics.calls.length).toBe(before);
    expect(asked).toHaveLength(3);
    // With breakerFailures 1, one counted failure would have opened it.
    expect(sourceOf('AWS_OMICS').breakers.openRegions()).toEqual([]);
  });

  it('gives a call only what is left of its budget (the time it queued in the guard counts)', async () => {
    const source = sourceOf('AWS_OMICS').source;
    await source.fetchJob(parseGlobalId(ex.omics), { caller: 'dave', timeLeftMs: 1_000 });
    expect(asked).toHaveLength(1);
    expect(asked[0]!.maxWaitMs).toBeLessThanOrEqual(750);
    expect(asked[0]!.maxWaitMs).toBeGreaterThan(600);
  });
});
