import { describe, expect, it } from 'vitest';
import { statusFilter } from '../../../src/datasources/listing/filter.ts';
import { MAX_LIST_REGIONS, planList } from '../../../src/datasources/listing/plan.ts';
import { COSBATCH_STATE_MAP } from '../../../src/datasources/cosbatch/record.ts';
import { OMICS_STATE_MAP } from '../../../src/datasources/omics/record.ts';
import { BadUserInputError } from '../../../src/errors.ts';
import type { JobListFilter } from '../../../src/datasources/listing/index.ts';
import { thrownBy } from '../../support/thrownBy.ts';
import { SIX_PROVIDERS } from './providerNames.ts';

const defaults = { awsRegion: 'us-east-1', cosRegion: 'ap-guangzhou' };

function refusal(filter: JobListFilter): { message: string; argument: unknown } {
  const e = thrownBy(BadUserInputError, () => planList(filter, defaults));
  return { message: e.message, argument: e.extensions.argument };
}

describe('A listJobs filter', () => {
  it('defaults to every provider in the configured regions', () => {
    const plan = planList({}, defaults);
    expect(plan).toMatchObject({
      providers: SIX_PROVIDERS,
      states: null,
      awsRegions: ['us-east-1'],
      cosRegions: ['ap-guangzhou'],
      createdAfterMs: null,
      createdBeforeMs: null,
      omicsReferenceStoreIds: null,
    });
  });

  it('uses each region for the providers that serve it, and has one digest for one meaning', () => {
    const plan = planList({ regions: ['eu-west-1', 'ap-guangzhou', 'us-east-1'] }, defaults);
    expect(plan.awsRegions).toEqual(['eu-west-1', 'us-east-1']);
    expect(plan.cosRegions).toEqual(['ap-guangzhou']);
    // Order, duplicates, empty lists and spelled-out defaults do not change what is listed, nor the digest.
    expect(planList({ regions: ['us-east-1', 'ap-guangzhou', 'us-east-1'] }, defaults).digest).toBe(
      planList({ states: [] }, defaults).digest,
    );
    expect(planList({ states: ['FAILED', 'QUEUED'] }, defaults).digest).toBe(
      planList({ states: ['QUEUED', 'FAILED', 'QUEUED'] }, defaults).digest,
    );
    expect(planList({ states: ['FAILED'] }, defaults).digest).not.toBe(plan.digest);
    expect(planList({ providers: ['AWS_OMICS'] }, defaults)).toMatchObject({
      awsRegions: ['us-east-1'],
      cosRegions: [],
    });
    expect(planList({ providers: ['AWS_IMPORT_EXPORT'] }, defaults)).toMatchObject({
      awsRegions: [],
      cosRegions: [],
    });
  });

  it(`names at most ${MAX_LIST_REGIONS} regions, each one an asked provider serves`, () => {
    expect(refusal({ regions: Array.from({ length: 11 }, (_, i) => `us-east-${i + 1}`) })).toEqual({
      message: expect.stringContaining('at most 10') as string,
      argument: 'filter.regions',
    });
    expect(refusal({ regions: ['mars-north-1'] }).argument).toBe('filter.regions');
    expect(refusal({ regions: ['us-east-1'], providers: ['TENCENT_COS_BATCH'] }).message).toMatch(
      /"us-east-1", which no asked provider serves/,
    );
    expect(refusal({ regions: ['ap-guangzhou'], providers: ['AWS_IMPORT_EXPORT'] }).argument).toBe(
      'filter.regions',
    );
  });

  it('takes ISO-8601 times and reference store IDs of the documented form', () => {
    expect(
      planList(
        { createdAfter: '2026-05-01T00:00:00Z', createdBefore: '2026-06-01T00:00:00.500Z' },
        defaults,
      ),
    ).toMatchObject({
      createdAfterMs: Date.parse('2026-05-01T00:00:00Z'),
      createdBeforeMs: Date.parse('2026-06-01T00:00:00.500Z'),
    });
    expect(refusal({ createdAfter: 'yesterday' }).argument).toBe('filter.createdAfter');
    expect(refusal({ createdBefore: '' }).argument).toBe('filter.createdBefore');
    expect(
      planList({ omicsReferenceStoreIds: ['7321480963', '5038720581'] }, defaults),
    ).toMatchObject({ omicsReferenceStoreIds: ['5038720581', '7321480963'] });
    expect(refusal({ omicsReferenceStoreIds: ['store-1'] }).argument).toBe(
      'filter.omicsReferenceStoreIds',
    );
    expect(
      refusal({ omicsReferenceStoreIds: Array.from({ length: 11 }, (_, i) => `100000000${i}0`) })
        .argument,
    ).toBe('filter.omicsReferenceStoreIds');
  });
});

describe('Pushing a states filter to a provider', () => {
  const plan = (states?: JobListFilter['states']) => planList(states ? { states } : {}, defaults);

  it('sends the one status that can match, none when no status can, and filters here otherwise', () => {
    expect(statusFilter(plan(['FAILED']), OMICS_STATE_MAP)).toEqual({
      kind: 'status',
      status: 'FAILED',
    });
    expect(statusFilter(plan(['SUCCEEDED_WITH_ERRORS']), OMICS_STATE_MAP)).toEqual({
      kind: 'status',
      status: 'COMPLETED_WITH_FAILURES',
    });
    expect(statusFilter(plan(['PAUSED']), OMICS_STATE_MAP)).toEqual({ kind: 'none' });
    expect(statusFilter(plan(['FAILED', 'CANCELLED']), OMICS_STATE_MAP)).toEqual({ kind: 'any' });
    // A status outside the table is UNKNOWN: no provider filter selects those.
    expect(statusFilter(plan(['PAUSED', 'UNKNOWN']), OMICS_STATE_MAP)).toEqual({ kind: 'any' });
    expect(statusFilter(plan(), OMICS_STATE_MAP)).toEqual({ kind: 'any' });
  });

  it('knows that COS Complete may also be SUCCEEDED_WITH_ERRORS', () => {
    const refines = { Complete: 'SUCCEEDED_WITH_ERRORS' } as const;
    expect(statusFilter(plan(['SUCCEEDED_WITH_ERRORS']), COSBATCH_STATE_MAP, refines)).toEqual({
      kind: 'status',
      status: 'Complete',
    });
    expect(statusFilter(plan(['SUCCEEDED']), COSBATCH_STATE_MAP, refines)).toEqual({
      kind: 'status',
      status: 'Complete',
    });
    expect(statusFilter(plan(['QUEUED']), COSBATCH_STATE_MAP, refines)).toEqual({ kind: 'any' });
  });
});
