/**
 * QUEUE_BLOCKED (docs/notifications.md, "What fires"): AWS Batch's `Batch Job Queue Blocked` event
 * names a queue whose head cannot run, the blocking job and why. It fires only once a read of that
 * job now confirms it — still waiting in that queue, in the event's status, for the event's reason
 * — so a forged or outdated event notifies never; and once per rule, queue, job and reason, however
 * often Batch publishes it and however many replicas read it.
 */
import type { BlockedQueue } from '../datasources/shared/provider.ts';
import type { JobRecord } from '../model/job.ts';
import type { WebhookBody } from './payload.ts';
import type { DeliveryRow } from './ruleStore.ts';

/** Whether `read` (the blocking job read now) says what the event's `told` record and queue say. */
export function confirmsBlock(read: JobRecord, told: JobRecord, blocked: BlockedQueue): boolean {
  const queue = (read as unknown as Record<string, unknown>).jobQueue;
  return (
    !read.terminal &&
    read.providerStatus === told.providerStatus &&
    read.statusMessage === told.statusMessage &&
    queue === blocked.queue
  );
}

/** What tells one blocking apart from another: its queue and its reason (the `webhook-id`'s stamp). */
export const blockStamp = (blocked: BlockedQueue): string =>
  `${blocked.queue}\n${blocked.reason ?? ''}`;

/** The delivery `row` with the blocked queue (its ARN and name) and the reason in its body's `data`. */
export function withBlockedQueue(row: DeliveryRow, blocked: BlockedQueue): DeliveryRow {
  const body = JSON.parse(row.payload) as WebhookBody;
  body.data.queue = {
    arn: blocked.queue,
    name: blocked.queue.slice(blocked.queue.lastIndexOf('/') + 1),
  };
  body.data.reason = blocked.reason;
  return { ...row, payload: JSON.stringify(body) };
}
