import type { JobRecord } from '../../model/job.ts';

/**
 * A Batch record's place in the order its job's records can follow each other
 * (`ProviderEvents.order`): terminal last, then by attempts, then by its status's `rank` (a job's
 * or a service job's; a status not in it, -1). A listed row in record form may lack the attempts
 * and the status enum: read defensively.
 */
export function rankedOrder(
  record: JobRecord,
  rank: Readonly<Record<string, number>>,
): readonly number[] {
  const r = record as JobRecord & { status?: string; attempts?: readonly unknown[] };
  const status = r.status ?? r.providerStatus;
  const at = (status !== null && Object.hasOwn(rank, status) ? rank[status] : undefined) ?? -1;
  return [r.terminal ? 1 : 0, r.attempts?.length ?? 0, at];
}

/**
 * What a listed row of a Batch record shows beyond the header (`ProviderEvents.listed`): its
 * `fields` (a job's or a service job's), as the record has them.
 */
export function listedFields<R extends JobRecord>(
  record: JobRecord,
  fields: readonly (keyof R)[],
): Partial<R> {
  const r = record as R;
  return Object.fromEntries(fields.map((f) => [f, r[f]])) as Partial<R>;
}
