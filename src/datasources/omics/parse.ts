import { MalformedBodyError } from '../../errors.ts';
import type { OmicsKey } from '../../model/keys.ts';
import { tableStatus } from '../../model/job.ts';
import { jobHeader, jsonStatus } from '../shared/jobHeader.ts';
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
  const o = response(output, 'response is not an object');
  const { providerStatus, state } = jsonStatus(o.status, 'status', OMICS_STATE_MAP);
  const creationTime = dateTime(o.creationTime, 'creationTime');
  const completionTime = dateTime(o.completionTime, 'completionTime');
  const sources = arr(o.sources, 'sources').map(parseSource);
  return {
    ...jobHeader(OMICS_KEY, key, {
      nativeId: str(o.id, 'id') ?? key.id,
      // An import job has no name of its own: it is known by the reference it makes.
      name: sources[0]?.name ?? null,
      state,
      providerStatus,
      statusMessage: str(o.statusMessage, 'statusMessage'),
      createdAt: creationTime,
      updatedAt: null,
      completedAt: completionTime,
    }),
    referenceStoreId: str(o.referenceStoreId, 'referenceStoreId') ?? key.referenceStoreId,
    roleArn: str(o.roleArn, 'roleArn'),
    status: tableStatus(OMICS_STATE_MAP, providerStatus),
    creationTime,
    completionTime,
    sources,
  };
}
