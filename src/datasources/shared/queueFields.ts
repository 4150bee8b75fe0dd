import { arr, entry, int, str, type JsonObject } from './json.ts';
import type { JobQueueInfo } from './queues.ts';

/**
 * How a reader of queue descriptions believes their strings and lists: as the wire has them
 * (WIRE_FIELDS, json.ts's readers), or bounded, as the replicas' store reads them back from Redis
 * (src/queues/shared.ts). Either throws MalformedBodyError for a value that is not one.
 */
export interface QueueFieldReaders {
  text(value: unknown, field: string): string | null;
  list(value: unknown, field: string): unknown[];
}

/** The wire's readers: a string, a list, as json.ts reads them. */
export const WIRE_FIELDS: QueueFieldReaders = { text: str, list: arr };

/** What a job queue and a compute environment both say of their state (the same three fields). */
export function stateFields(
  o: JsonObject,
  field: string,
  read: QueueFieldReaders,
): Pick<JobQueueInfo, 'state' | 'status' | 'statusReason'> {
  return {
    state: read.text(o.state, `${field}.state`),
    status: read.text(o.status, `${field}.status`),
    statusReason: read.text(o.statusReason, `${field}.statusReason`),
  };
}

/** A job queue's `jobStateTimeLimitActions`, each read field by field. */
export function timeLimitActions(
  o: JsonObject,
  field: string,
  read: QueueFieldReaders,
): JobQueueInfo['jobStateTimeLimitActions'] {
  return read.list(o.jobStateTimeLimitActions, `${field}.jobStateTimeLimitActions`).map((a, i) => {
    const at = `${field}.jobStateTimeLimitActions[${i}]`;
    const item = entry(a, at);
    return {
      reason: read.text(item.reason, `${at}.reason`),
      state: read.text(item.state, `${at}.state`),
      maxTimeSeconds: int(item.maxTimeSeconds, `${at}.maxTimeSeconds`),
      action: read.text(item.action, `${at}.action`),
    };
  });
}
