import { createHash } from 'node:crypto';
import { MAX_OMICS_REFERENCE_STORES } from '../../config.ts';
import { BadUserInputError } from '../../errors.ts';
import { PATTERNS } from '../../model/globalId.ts';
import { JOB_PROVIDERS, JOB_STATES, type JobProvider, type JobState } from '../../model/job.ts';
import type { JobListFilter } from './types.ts';

/** Most regions one `listJobs` filter names. */
export const MAX_LIST_REGIONS = 10;

/** Providers whose jobs live in an AWS region, and the one in a Tencent Cloud region. */
const AWS_REGIONAL: readonly JobProvider[] = ['AWS_PANORAMA', 'AWS_OMICS', 'AWS_CODEPIPELINE'];
const COS: JobProvider = 'TENCENT_COS_BATCH';

/** A `listJobs` filter, checked and normalised: what to list, and the digest a cursor is bound to. */
export interface ListPlan {
  /** Providers asked, in JOB_PROVIDERS order. */
  providers: readonly JobProvider[];
  /** States asked; null: any. */
  states: ReadonlySet<JobState> | null;
  /** AWS regions for Panorama, HealthOmics and CodePipeline, sorted. */
  awsRegions: readonly string[];
  /** Tencent Cloud regions for COS Batch, sorted. */
  cosRegions: readonly string[];
  /** Inclusive, ms since 1970; null: no bound. */
  createdAfterMs: number | null;
  /** Exclusive, ms since 1970; null: no bound. */
  createdBeforeMs: number | null;
  /** HealthOmics reference stores the filter names (sorted); null: the default ones. */
  omicsReferenceStoreIds: readonly string[] | null;
  /** A digest of all of the above: a cursor is good only for the plan it was made for. */
  digest: string;
}

/** The configured defaults a filter falls back on. */
export interface PlanDefaults {
  awsRegion: string;
  cosRegion: string;
}

const bad = (argument: string, message: string): never => {
  throw new BadUserInputError(`Argument "${argument}" ${message}`, { argument });
};

/** A list without duplicates; an empty or absent one is null (no filter). */
function distinct<T>(values: readonly T[] | undefined): T[] | null {
  if (!values || values.length === 0) return null;
  return [...new Set(values)];
}

function time(value: string | undefined, argument: string): number | null {
  if (value === undefined) return null;
  const ms = Date.parse(value);
  if (!Number.isFinite(ms))
    bad(argument, 'must be an ISO-8601 date-time such as 2026-05-01T00:00:00Z.');
  return ms;
}

const served = (pattern: (typeof PATTERNS)['awsRegion' | 'cosRegion'], region: string) =>
  pattern.re.test(region) && pattern.served.test(region);

/**
 * Check and normalise a filter, before any upstream call. Regions: each is used for the asked
 * providers whose regions it is one of (an AWS region for Panorama, HealthOmics and CodePipeline,
 * a Tencent Cloud region for COS Batch); one that no asked provider serves is BAD_USER_INPUT.
 * Without regions, the configured ones. Import/Export is a global service: it is listed whenever
 * it is asked, whatever the regions. Throws BadUserInputError naming the argument.
 */
export function planList(filter: JobListFilter, defaults: PlanDefaults): ListPlan {
  const askedProviders = distinct(filter.providers);
  for (const p of askedProviders ?? [])
    if (!JOB_PROVIDERS.includes(p)) bad('filter.providers', `has an unknown provider.`);
  const providers = JOB_PROVIDERS.filter((p) => !askedProviders || askedProviders.includes(p));

  const states = distinct(filter.states);
  for (const s of states ?? [])
    if (!JOB_STATES.includes(s)) bad('filter.states', 'has an unknown state.');

  if (filter.regions && filter.regions.length > MAX_LIST_REGIONS)
    bad(
      'filter.regions',
      `names at most ${MAX_LIST_REGIONS} regions; got ${filter.regions.length}.`,
    );
  const regions = distinct(filter.regions);
  const asksAws = providers.some((p) => AWS_REGIONAL.includes(p));
  const asksCos = providers.includes(COS);
  let awsRegions: string[] = [];
  let cosRegions: string[] = [];
  if (regions === null) {
    if (asksAws) awsRegions = [defaults.awsRegion];
    if (asksCos) cosRegions = [defaults.cosRegion];
  } else {
    for (const region of regions) {
      const aws = asksAws && served(PATTERNS.awsRegion, region);
      const cos = asksCos && served(PATTERNS.cosRegion, region);
      if (aws) awsRegions.push(region);
      if (cos) cosRegions.push(region);
      if (!aws && !cos) {
        const shown = JSON.stringify(region.length > 64 ? `${region.slice(0, 64)}…` : region);
        bad(
          'filter.regions',
          `has ${shown}, which no asked provider serves: Panorama, HealthOmics and CodePipeline take ${PATTERNS.awsRegion.form}, COS Batch ${PATTERNS.cosRegion.form}.`,
        );
      }
    }
    awsRegions = awsRegions.sort();
    cosRegions = cosRegions.sort();
  }

  const createdAfterMs = time(filter.createdAfter, 'filter.createdAfter');
  const createdBeforeMs = time(filter.createdBefore, 'filter.createdBefore');

  if (
    filter.omicsReferenceStoreIds &&
    filter.omicsReferenceStoreIds.length > MAX_OMICS_REFERENCE_STORES
  )
    bad(
      'filter.omicsReferenceStoreIds',
      `names at most ${MAX_OMICS_REFERENCE_STORES} reference stores; got ${filter.omicsReferenceStoreIds.length}.`,
    );
  const stores = distinct(filter.omicsReferenceStoreIds)?.sort() ?? null;
  for (const id of stores ?? [])
    if (!PATTERNS.omicsId.re.test(id))
      bad(
        'filter.omicsReferenceStoreIds',
        `must hold reference store IDs of ${PATTERNS.omicsId.form}.`,
      );

  const stateList = states ? JOB_STATES.filter((s) => states.includes(s)) : null;
  const digest = createHash('sha256')
    .update(
      JSON.stringify([
        providers,
        stateList,
        awsRegions,
        cosRegions,
        createdAfterMs,
        createdBeforeMs,
        stores,
      ]),
    )
    .digest('base64url')
    .slice(0, 22);
  return {
    providers,
    states: stateList ? new Set(stateList) : null,
    awsRegions,
    cosRegions,
    createdAfterMs,
    createdBeforeMs,
    omicsReferenceStoreIds: stores,
    digest,
  };
}

/**
 * The list sources each provider reads for a plan, given how many HealthOmics reference stores
 * each region has: a provider in a region (and a store), one for Import/Export (a global
 * service), none for CodePipeline (never called: NOT_LISTABLE).
 */
const SOURCES_OF: Readonly<Record<JobProvider, (plan: ListPlan, stores: number) => number>> = {
  AWS_PANORAMA: (plan) => plan.awsRegions.length,
  AWS_OMICS: (plan, stores) => plan.awsRegions.length * stores,
  TENCENT_COS_BATCH: (plan) => plan.cosRegions.length,
  AWS_IMPORT_EXPORT: () => 1,
  AWS_CODEPIPELINE: () => 0,
};

/**
 * How many list sources (provider × region × HealthOmics reference store) a plan reads, known
 * before any upstream call: the filter's stores, else the configured ones (`knownStores`), else
 * one per region for now — the stores a region's ListReferenceStores finds are counted when found
 * (`planSources`).
 */
export function listSourceCount(plan: ListPlan, knownStores: readonly string[] | null): number {
  const stores = (plan.omicsReferenceStoreIds ?? knownStores)?.length ?? 1;
  return plan.providers.reduce((n, p) => n + SOURCES_OF[p](plan, stores), 0);
}

/** Whether a creation time is inside the plan's bounds (after inclusive, before exclusive). */
export function inTimeRange(plan: ListPlan, createdMs: number): boolean {
  return (
    (plan.createdAfterMs === null || createdMs >= plan.createdAfterMs) &&
    (plan.createdBeforeMs === null || createdMs < plan.createdBeforeMs)
  );
}

/** Whether a state is one the plan asks for. */
export function stateAsked(plan: ListPlan, state: JobState): boolean {
  return plan.states === null || plan.states.has(state);
}

/**
 * What a provider's status filter can do for the plan's states, given its status → state table
 * (`refines`: statuses that may also mean another state, as COS `Complete` with failed tasks is
 * SUCCEEDED_WITH_ERRORS). `none`: no status of the provider can match (nothing to call);
 * `status`: exactly one status can, so the provider may filter by it; `any`: filter here.
 */
export function statusFilter(
  plan: ListPlan,
  table: Readonly<Record<string, JobState>>,
  refines: Readonly<Record<string, JobState>> = {},
): { kind: 'none' } | { kind: 'status'; status: string } | { kind: 'any' } {
  const states = plan.states;
  // A status outside the table is UNKNOWN: no provider filter can select those.
  if (states === null || states.has('UNKNOWN')) return { kind: 'any' };
  const statuses = Object.keys(table).filter(
    (status) =>
      states.has(table[status] as JobState) ||
      (Object.prototype.hasOwnProperty.call(refines, status) &&
        states.has(refines[status] as JobState)),
  );
  if (statuses.length === 0) return { kind: 'none' };
  if (statuses.length === 1) return { kind: 'status', status: statuses[0] as string };
  return { kind: 'any' };
}
