import { randomUUID } from 'node:crypto';
import { isoSeconds } from './progress.ts';

/**
 * EventBridge's event envelope, as AWS services put their events on a bus and a rule's SQS target
 * receives them (the message body is this JSON): the emulators that publish (AWS Batch,
 * HealthOmics, CodePipeline) build their events with `eventBridgeEvent` and hand them to an
 * `EventSink`, which `startEmulators` makes deliver into the SQS emulator's queue of the event's
 * account and region (`packages/emulators/src/sqs/eventBus.ts`).
 */
export interface EventBridgeEvent {
  version: '0';
  /** A fresh UUID per event; a duplicate delivery carries the same one. */
  id: string;
  'detail-type': string;
  source: string;
  account: string;
  /** ISO-8601 UTC to the second, as EventBridge writes it (`2026-11-25T12:00:03Z`). */
  time: string;
  region: string;
  resources: string[];
  detail: Record<string, unknown>;
}

/** Where an emulator puts the events of its jobs' state changes. */
export interface EventSink {
  publish(event: EventBridgeEvent): void;
}

/** A sink that drops every event (an emulator made without a bus). */
export const NO_EVENTS: EventSink = Object.freeze({ publish: () => undefined });

/** The demo's event queue, one in each account and region whose jobs publish (`DEMO_EVENT_QUEUES`). */
export const DEMO_EVENT_QUEUE_NAME = 'jobgraph-events';

/** One event in EventBridge's envelope, at `timeMs`. */
export function eventBridgeEvent(fields: {
  source: string;
  detailType: string;
  account: string;
  region: string;
  timeMs: number;
  resources: string[];
  detail: Record<string, unknown>;
}): EventBridgeEvent {
  return {
    version: '0',
    id: randomUUID(),
    'detail-type': fields.detailType,
    source: fields.source,
    account: fields.account,
    time: isoSeconds(fields.timeMs),
    region: fields.region,
    resources: fields.resources,
    detail: fields.detail,
  };
}

/**
 * What a publishing emulator remembers of its progressing job: the state last seen (from
 * `initial`, the state it started in, for which no event is owed), so that each call says whether
 * the job's state changed since the one before (null: no job to watch now).
 */
export function stateWatch(initial: string | null): (state: string | null) => boolean {
  let last = initial;
  return (state) => {
    const changed = state !== null && state !== last;
    last = state;
    return changed;
  };
}

/**
 * An emulator's `publishDue` for a job whose state is a function of the clock: each call reads
 * the job (`read`), and when its state (`stateOf`) differs from the last call's, publishes its
 * event (`eventOf`; null: the provider publishes none for that state). The state it starts in
 * publishes nothing; a clock moved past several states publishes the one it lands in.
 */
export function publishOnChange<J>(
  sink: EventSink,
  read: () => J | null,
  stateOf: (job: J) => string,
  eventOf: (job: J) => EventBridgeEvent | null,
): () => void {
  const first = read();
  const changed = stateWatch(first === null ? null : stateOf(first));
  return () => {
    const job = read();
    if (!changed(job === null ? null : stateOf(job)) || job === null) return;
    const event = eventOf(job);
    if (event) sink.publish(event);
  };
}
