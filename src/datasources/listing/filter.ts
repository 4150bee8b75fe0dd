import type { JobState } from '../../model/job.ts';
import { DEFAULT_ACCOUNT } from '../../config/patterns.ts';
import type { ListPlan } from './types.ts';

/**
 * What a list filter asks of one job, for the providers' list code and the engine alike: its
 * creation time, its state, and what a provider's own status filter can do for the asked states.
 */

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

/**
 * The reference stores known before any call for `account`: the configured ones
 * (JOBGRAPH_OMICS_REFERENCE_STORES) are the default account's; another account's are found by
 * ListReferenceStores unless the filter names them.
 */
export function knownStoresOf(
  account: string,
  configured: readonly string[] | null,
): readonly string[] | null {
  return account === DEFAULT_ACCOUNT ? configured : null;
}
