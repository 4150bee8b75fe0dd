import { MalformedBodyError } from '../../errors.ts';
import type { AnyKeyOf, OmicsKey } from '../../model/keys.ts';
import { nativeIdOfKey, type KeyGrammar } from '../../model/keyGrammar.ts';
import { tableStatus, type JobState } from '../../model/job.ts';
import { jobHeader, jsonStatus, type JobHeader, type JobHeaderParts } from '../shared/jobHeader.ts';
import { arr, enumValue, keyValues, members, obj, response, str } from '../shared/json.ts';
import { toIsoTimestamp } from '../shared/time.ts';
import {
  OMICS_SOURCE_STATUSES,
  OMICS_STATE_MAP,
  type OmicsImportReferenceSource,
  type OmicsReferenceImportJobRecord,
} from './record.ts';
import { OMICS_KEY } from './key.ts';

/**
 * A timestamp of the model's `date-time` format: an ISO-8601 string on the wire (or the `Date`
 * an SDK output carries). An epoch number is not what the model says, and the SDK refuses it
 * too: MalformedBodyError naming the field.
 */
export function dateTime(value: unknown, field: string): string | null {
  if (
    typeof value === 'number' ||
    (typeof value === 'string' && /^\s*[+-]?\d+(\.\d+)?([eE][+-]?\d+)?\s*$/.test(value))
  ) {
    throw new MalformedBodyError(`${field} is not a date-time`);
  }
  return toIsoTimestamp(value, field);
}

/**
 * A HealthOmics describe answer (GetReferenceImportJob, GetRun, GetBatch) read as far as its
 * status and creation time, as every kind reads it first: an object (else MalformedBodyError),
 * its `status` member through the kind's `table` (`state`) and as the record's `status` (null
 * when not in the table), its `creationTime`.
 */
export function omicsAnswer<T extends Readonly<Record<string, JobState>>>(
  output: unknown,
  table: T,
) {
  const o: Readonly<Record<string, unknown>> = response(output, 'response is not an object');
  const { providerStatus, state } = jsonStatus(o.status, 'status', table);
  const status = tableStatus(table, providerStatus);
  return {
    o,
    providerStatus,
    state,
    status,
    creationTime: dateTime(o.creationTime, 'creationTime'),
  };
}

/** What a HealthOmics kind reads of its header itself (the rest is `omicsHeader`'s). */
interface OmicsHeaderParts extends Pick<JobHeaderParts, 'completedAt'> {
  /** The job's name when the kind names it otherwise (absent: the answer's `name`). */
  name?: string | null;
  /** The member that carries the job's message (`statusMessage`, a batch's `failureReason`). */
  message: string;
}

/**
 * A HealthOmics job's `Job` header from its describe answer `o`, what `omicsAnswer` read of it
 * and what the kind read (`parts`): its `id` (else the key's own), its `name`, its message
 * member, read in that order after what the kind read first; no update time (HealthOmics gives
 * none).
 */
export function omicsHeader<K extends AnyKeyOf<'AWS_OMICS'>>(
  grammar: KeyGrammar<'AWS_OMICS'>,
  key: K,
  o: Readonly<Record<string, unknown>>,
  answer: Pick<ReturnType<typeof omicsAnswer>, 'providerStatus' | 'state' | 'creationTime'>,
  parts: OmicsHeaderParts,
): JobHeader<K> {
  const { providerStatus, state } = answer;
  return jobHeader(grammar, key, {
    nativeId: str(o.id, 'id') ?? nativeIdOfKey(grammar, key).nativeId,
    name: parts.name !== undefined ? parts.name : str(o.name, 'name'),
    state,
    providerStatus,
    statusMessage: str(o[parts.message], parts.message),
    createdAt: answer.creationTime,
    updatedAt: null,
    completedAt: parts.completedAt,
  });
}

function parseSource(value: unknown, index: number): OmicsImportReferenceSource {
  const field = `sources[${index}]`;
  const o = obj(value, field);
  if (!o) throw new MalformedBodyError(`${field} is not an object`);
  return {
    sourceFile: str(o.sourceFile, `${field}.sourceFile`),
    status: enumValue(str(o.status, `${field}.status`), OMICS_SOURCE_STATUSES),
    ...members(o, field, {
      statusMessage: str,
      name: str,
      description: str,
      tags: keyValues,
      referenceId: str,
    }),
  };
}

/**
 * Normalise a GetReferenceImportJob response (the SDK's output object or the raw wire JSON)
 * for `key`. The only place Omics data is normalised. Wrong types throw MalformedBodyError
 * naming the field; unknown fields are ignored; absent optional fields are null or [].
 */
export function parse(key: OmicsKey, output: unknown): OmicsReferenceImportJobRecord {
  const { o, ...answer } = omicsAnswer(output, OMICS_STATE_MAP);
  const completionTime = dateTime(o.completionTime, 'completionTime');
  const sources = arr(o.sources, 'sources').map(parseSource);
  return {
    ...omicsHeader(OMICS_KEY, key, o, answer, {
      // An import job has no name of its own: it is known by the reference it makes.
      name: sources[0]?.name ?? null,
      message: 'statusMessage',
      completedAt: completionTime,
    }),
    referenceStoreId: str(o.referenceStoreId, 'referenceStoreId') ?? key.referenceStoreId,
    roleArn: str(o.roleArn, 'roleArn'),
    status: answer.status,
    creationTime: answer.creationTime,
    completionTime,
    sources,
  };
}
