/**
 * What the Batch routes read and answer on the wire: a body, ListJobs' one filter and job
 * summaries, a list call's paging.
 */
import type { ListPosition, OpaqueTokens } from '../listing.ts';
import type { WireBatchJob } from './data.ts';

/** ListJobs' filter names (the API reference's `KeyValuesPair` names). */
const FILTER_NAMES = [
  'JOB_NAME',
  'JOB_DEFINITION',
  'BEFORE_CREATED_AT',
  'AFTER_CREATED_AT',
  'SHARE_IDENTIFIER',
];

/** A JobSummary of a job (ListJobs' item). */
export function summaryOf(job: WireBatchJob): Record<string, unknown> {
  const container = job.container as { exitCode?: number; reason?: string } | undefined;
  const array = job.arrayProperties as Record<string, unknown> | undefined;
  const nodes = job.nodeProperties as { numNodes?: number } | undefined;
  const node = job.nodeDetails as { nodeIndex?: number; isMainNode?: boolean } | undefined;
  const pick = (o: Record<string, unknown>, keys: string[]) =>
    Object.fromEntries(keys.filter((k) => o[k] !== undefined).map((k) => [k, o[k]]));
  return {
    jobArn: job.jobArn,
    jobId: job.jobId,
    jobName: job.jobName,
    createdAt: job.createdAt,
    status: job.status,
    ...pick(job, ['statusReason', 'startedAt', 'stoppedAt', 'shareIdentifier']),
    ...(container && (container.exitCode !== undefined || container.reason !== undefined)
      ? { container: pick(container, ['exitCode', 'reason']) }
      : {}),
    ...(array
      ? {
          arrayProperties: pick(array, [
            'size',
            'index',
            'statusSummary',
            'statusSummaryLastUpdatedAt',
          ]),
        }
      : {}),
    ...(nodes || node
      ? {
          nodeProperties: {
            ...(node ? { isMainNode: node.isMainNode, nodeIndex: node.nodeIndex } : {}),
            ...(nodes ? { numNodes: nodes.numNodes } : {}),
          },
        }
      : {}),
    jobDefinition: job.jobDefinition,
  };
}

export type ListFilter = { name: string; value: string };

/** The one filter of ListJobs' `filters` (null: none), or why it is refused. */
export function readFilters(filters: unknown): ListFilter | null | string {
  if (filters === undefined || filters === null) return null;
  if (!Array.isArray(filters)) return 'filters must be a list.';
  if (filters.length === 0) return null;
  if (filters.length > 1) return 'Only one filter can be used at a time.';
  const f = filters[0] as { name?: unknown; values?: unknown };
  if (typeof f?.name !== 'string' || !FILTER_NAMES.includes(f.name))
    return `filters.name must be one of ${FILTER_NAMES.join(', ')}.`;
  if (!Array.isArray(f.values) || f.values.length !== 1 || typeof f.values[0] !== 'string')
    return 'filters.values must hold one value.';
  const value = f.values[0];
  if (
    (f.name === 'BEFORE_CREATED_AT' || f.name === 'AFTER_CREATED_AT') &&
    !/^\d{1,15}$/.test(value)
  )
    return `${f.name} must be milliseconds since the epoch.`;
  return { name: f.name, value };
}

export function matches(filter: ListFilter, job: WireBatchJob): boolean {
  const { name, value } = filter;
  const prefix = (wanted: string, actual: string) =>
    wanted.endsWith('*') ? actual.startsWith(wanted.slice(0, -1)) : actual === wanted;
  switch (name) {
    case 'JOB_NAME':
      return prefix(value.toLowerCase(), job.jobName.toLowerCase());
    case 'JOB_DEFINITION': {
      if (value.startsWith('arn:')) return job.jobDefinition === value;
      const defName = job.jobDefinition.split('/').pop()?.split(':')[0] ?? '';
      return prefix(value, defName);
    }
    case 'BEFORE_CREATED_AT':
      return job.createdAt < Number(value);
    case 'AFTER_CREATED_AT':
      return job.createdAt > Number(value);
    default:
      return job.shareIdentifier === value;
  }
}

/**
 * `maxResults` and `nextToken` of a list call's body (ListJobs, DescribeJobQueues), bounded by
 * `max`; or the ClientException message. `scope` binds a token to the call it was issued for.
 */
export function readPaging(
  body: Record<string, unknown>,
  max: number,
  tokens: OpaqueTokens,
  scope: string,
  nowMs: number,
): { size: number; position: ListPosition | null } | string {
  const { maxResults, nextToken } = body;
  let size = max;
  if (maxResults !== undefined && maxResults !== null) {
    if (typeof maxResults !== 'number' || !Number.isInteger(maxResults) || maxResults < 1)
      return 'maxResults must be an integer greater than or equal to 1.';
    size = Math.min(maxResults, max);
  }
  if (nextToken === undefined || nextToken === null) return { size, position: null };
  if (typeof nextToken !== 'string') return 'nextToken must be a string.';
  const read = tokens.read(nextToken, scope, nowMs);
  if (!read.ok) return 'Invalid pagination token.';
  return { size, position: read.position };
}

/** The request's JSON object, or the ClientException message for one that is not. */
export function readBody(text: string): Record<string, unknown> | string {
  let body: unknown;
  try {
    body = text.trim() === '' ? {} : JSON.parse(text);
  } catch {
    return 'Could not parse the request body as JSON.';
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return 'The request body must be a JSON object.';
  return body as Record<string, unknown>;
}
