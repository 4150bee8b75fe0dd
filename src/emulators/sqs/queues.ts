import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { EventEmitter } from 'node:events';

/**
 * The queues of the SQS emulator: standard queues (at-least-once, no FIFO) keyed by region,
 * owner account and name, with SQS's semantics where a consumer can tell them apart: a received
 * message is invisible for its visibility timeout and comes back if it is not deleted, each
 * receive hands out a new receipt handle and only the newest one deletes, delays, and long polls
 * that answer as soon as a message is visible. Queues keep their own time (`clock`), real time by
 * default, so a visibility timeout passes as it would whatever clock the demo jobs run on.
 */

/** A queue attribute SQS answers (GetQueueAttributes), as strings, as SQS sends them. */
export type QueueAttributes = Record<string, string>;

/** The attributes CreateQueue may set, with SQS's defaults and bounds. */
export const SETTABLE_ATTRIBUTES: Readonly<
  Record<string, { default: number; min: number; max: number }>
> = {
  DelaySeconds: { default: 0, min: 0, max: 900 },
  MaximumMessageSize: { default: 1_048_576, min: 1_024, max: 1_048_576 },
  MessageRetentionPeriod: { default: 345_600, min: 60, max: 1_209_600 },
  ReceiveMessageWaitTimeSeconds: { default: 0, min: 0, max: 20 },
  VisibilityTimeout: { default: 30, min: 0, max: 43_200 },
};

/** One message as a queue holds it. */
interface StoredMessage {
  id: string;
  body: string;
  md5: string;
  sentMs: number;
  /** Who sent it (SenderId: the sender's IAM user or role session ID). */
  senderId: string;
  /** When it can next be received (after a delay or its visibility timeout). */
  visibleAtMs: number;
  receiveCount: number;
  firstReceiveMs: number | null;
  /** The newest receipt handle; only it deletes the message or changes its visibility. */
  handle: string | null;
}

/** One received message, as ReceiveMessage answers it. */
export interface ReceivedMessage {
  messageId: string;
  receiptHandle: string;
  body: string;
  md5OfBody: string;
  sentMs: number;
  senderId: string;
  receiveCount: number;
  firstReceiveMs: number;
}

/** What became of one receipt handle (DeleteMessage, ChangeMessageVisibility). */
export type HandleOutcome =
  | 'done'
  /** Not a receipt handle this queue could have made. */
  | 'invalid'
  /** An older handle of a message received again since, or of a message already deleted. */
  | 'stale'
  /** The newest handle, but its visibility timeout has passed (the message is visible again). */
  | 'not-in-flight';

export interface EmulatedQueue {
  readonly key: string;
  readonly region: string;
  readonly accountId: string;
  readonly name: string;
  readonly createdMs: number;
  attributes: Record<string, number>;
  /** Every call on this queue is refused with AccessDenied (the queue policy does not allow the caller). */
  denied: boolean;
}

export interface QueueStore {
  /** The queue of `region`, `accountId` and `name`, created with `attributes` if missing. */
  create(
    region: string,
    accountId: string,
    name: string,
    attributes?: Record<string, number>,
  ): EmulatedQueue;
  get(region: string, accountId: string, name: string): EmulatedQueue | undefined;
  /** The queues of an account and region whose name starts with `prefix`, by name. */
  list(region: string, accountId: string, prefix: string): EmulatedQueue[];
  send(
    queue: EmulatedQueue,
    body: string,
    delaySeconds: number | undefined,
    senderId: string,
  ): { id: string; md5: string };
  /**
   * Up to `max` visible messages, made invisible for `visibilitySeconds`; waits up to
   * `waitSeconds` for the first one (ends early, empty, when `signal` aborts or the store closes).
   */
  receive(
    queue: EmulatedQueue,
    max: number,
    visibilitySeconds: number,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<ReceivedMessage[]>;
  delete(queue: EmulatedQueue, handle: string): HandleOutcome;
  changeVisibility(queue: EmulatedQueue, handle: string, seconds: number): HandleOutcome;
  purge(queue: EmulatedQueue): void;
  /** Approximate counts: visible, in flight, delayed. */
  counts(queue: EmulatedQueue): { visible: number; inFlight: number; delayed: number };
  /**
   * Emits `waiting` (the queue) each time a long poll finds no message and starts to wait,
   * `received` (the queue, the messages handed out) as each receive ends, and `sent` (the queue,
   * the message ID) for each message put on a queue: tests wait for these.
   */
  readonly events: EventEmitter;
  /** End every long poll (empty) and stop the timers. */
  close(): void;
}

/** The hex MD5 of a body's UTF-8 bytes, as SQS answers `MD5OfBody` / `MD5OfMessageBody`. */
export const md5Hex = (body: string): string =>
  createHash('md5').update(body, 'utf8').digest('hex');

/** A queue's store key. */
export const queueKey = (region: string, accountId: string, name: string): string =>
  `${region}/${accountId}/${name}`;

/**
 * A receipt handle: the queue's key, the message ID and a random part, base64url. Opaque to
 * clients, as SQS's are; the store checks it was made for that queue.
 */
function makeHandle(queue: EmulatedQueue, messageId: string): string {
  return Buffer.from(
    `${queue.key}\n${messageId}\n${randomBytes(12).toString('hex')}`,
    'utf8',
  ).toString('base64url');
}

function handleMessageId(queue: EmulatedQueue, handle: string): string | null {
  if (!/^[A-Za-z0-9_-]{16,1024}$/.test(handle)) return null;
  const parts = Buffer.from(handle, 'base64url').toString('utf8').split('\n');
  return parts.length === 3 && parts[0] === queue.key ? (parts[1] ?? null) : null;
}

export function createQueueStore(clock: () => number = Date.now): QueueStore {
  const queues = new Map<string, EmulatedQueue>();
  const messages = new Map<string, StoredMessage[]>();
  /** Per queue, the long polls waiting for a message to become visible. */
  const waiters = new Map<string, Set<() => void>>();
  let closed = false;
  const events = new EventEmitter();

  const wake = (queue: EmulatedQueue) => {
    for (const w of waiters.get(queue.key) ?? []) w();
  };
  const stored = (queue: EmulatedQueue) => messages.get(queue.key) ?? [];

  function take(queue: EmulatedQueue, max: number, visibilitySeconds: number): ReceivedMessage[] {
    const now = clock();
    const out: ReceivedMessage[] = [];
    for (const m of stored(queue)) {
      if (out.length >= max) break;
      if (m.visibleAtMs > now) continue;
      m.receiveCount += 1;
      m.firstReceiveMs ??= now;
      m.handle = makeHandle(queue, m.id);
      m.visibleAtMs = now + visibilitySeconds * 1000;
      out.push({
        messageId: m.id,
        receiptHandle: m.handle,
        body: m.body,
        md5OfBody: m.md5,
        sentMs: m.sentMs,
        senderId: m.senderId,
        receiveCount: m.receiveCount,
        firstReceiveMs: m.firstReceiveMs,
      });
    }
    return out;
  }

  /** Resolves when the queue may have a visible message: a send, the next visibility expiry, the end of the wait, an abort. */
  function changed(queue: EmulatedQueue, untilMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const now = clock();
      const next = Math.min(
        untilMs,
        ...stored(queue)
          .map((m) => m.visibleAtMs)
          .filter((t) => t > now),
      );
      const set = waiters.get(queue.key) ?? new Set();
      waiters.set(queue.key, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, next - now));
      set.add(done);
      signal?.addEventListener('abort', done);
      events.emit('waiting', queue);
    });
  }

  function byHandle(
    queue: EmulatedQueue,
    handle: string,
  ): { outcome: 'invalid' | 'stale' } | { message: StoredMessage; index: number } {
    const id = handleMessageId(queue, handle);
    if (id === null) return { outcome: 'invalid' };
    const list = stored(queue);
    const index = list.findIndex((m) => m.id === id);
    const message = list[index];
    if (!message || message.handle !== handle) return { outcome: 'stale' };
    return { message, index };
  }

  return {
    create(region, accountId, name, attributes = {}) {
      const key = queueKey(region, accountId, name);
      const existing = queues.get(key);
      if (existing) return existing;
      const queue: EmulatedQueue = {
        key,
        region,
        accountId,
        name,
        createdMs: clock(),
        attributes: {
          ...Object.fromEntries(
            Object.entries(SETTABLE_ATTRIBUTES).map(([k, spec]) => [k, spec.default]),
          ),
          ...attributes,
        },
        denied: false,
      };
      queues.set(key, queue);
      messages.set(key, []);
      return queue;
    },
    get: (region, accountId, name) => queues.get(queueKey(region, accountId, name)),
    list: (region, accountId, prefix) =>
      [...queues.values()]
        .filter((q) => q.region === region && q.accountId === accountId)
        .filter((q) => q.name.startsWith(prefix))
        .sort((a, b) => (a.name < b.name ? -1 : 1)),
    send(queue, body, delaySeconds, senderId) {
      const now = clock();
      const message: StoredMessage = {
        id: randomUUID(),
        body,
        md5: md5Hex(body),
        sentMs: now,
        senderId,
        visibleAtMs: now + (delaySeconds ?? queue.attributes.DelaySeconds ?? 0) * 1000,
        receiveCount: 0,
        firstReceiveMs: null,
        handle: null,
      };
      stored(queue).push(message);
      events.emit('sent', queue, message.id);
      wake(queue);
      return { id: message.id, md5: message.md5 };
    },
    async receive(queue, max, visibilitySeconds, waitSeconds, signal) {
      const until = clock() + waitSeconds * 1000;
      for (;;) {
        const got = take(queue, max, visibilitySeconds);
        if (got.length > 0 || closed || signal?.aborted || clock() >= until) {
          events.emit('received', queue, got);
          return got;
        }
        await changed(queue, until, signal);
      }
    },
    delete(queue, handle) {
      const found = byHandle(queue, handle);
      if ('outcome' in found) return found.outcome;
      stored(queue).splice(found.index, 1);
      return 'done';
    },
    changeVisibility(queue, handle, seconds) {
      const found = byHandle(queue, handle);
      if ('outcome' in found) return found.outcome;
      const now = clock();
      if (found.message.visibleAtMs <= now) return 'not-in-flight';
      found.message.visibleAtMs = now + seconds * 1000;
      if (seconds === 0) wake(queue);
      return 'done';
    },
    purge(queue) {
      messages.set(queue.key, []);
    },
    counts(queue) {
      const now = clock();
      let visible = 0;
      let inFlight = 0;
      let delayed = 0;
      for (const m of stored(queue)) {
        if (m.visibleAtMs <= now) visible += 1;
        else if (m.receiveCount > 0) inFlight += 1;
        else delayed += 1;
      }
      return { visible, inFlight, delayed };
    },
    events,
    close() {
      closed = true;
      for (const set of waiters.values()) for (const w of [...set]) w();
    },
  };
}
