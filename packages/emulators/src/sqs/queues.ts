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
type HandleOutcome =
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
  /**
   * The next this many messages received are answered with a wrong `MD5OfBody`, as a body damaged
   * on its way would be (a test switch: SQS itself never sends one).
   */
  corruptNext: number;
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
const queueKey = (region: string, accountId: string, name: string): string =>
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
  return new MemoryQueueStore(clock);
}

/**
 * The queues in memory: each queue's messages by ID in send order (a Map keeps insertion order, so
 * a delete is one lookup, not a search and a splice of the whole queue), and the long polls waiting
 * on it.
 */
class MemoryQueueStore implements QueueStore {
  readonly events = new EventEmitter();
  private readonly queues = new Map<string, EmulatedQueue>();
  private readonly messages = new Map<string, Map<string, StoredMessage>>();
  /** Per queue, the long polls waiting for a message to become visible. */
  private readonly waiters = new Map<string, Set<() => void>>();
  private closed = false;

  constructor(private readonly clock: () => number) {}

  create(
    region: string,
    accountId: string,
    name: string,
    attributes: Record<string, number> = {},
  ): EmulatedQueue {
    const key = queueKey(region, accountId, name);
    const existing = this.queues.get(key);
    if (existing) return existing;
    const defaults = Object.entries(SETTABLE_ATTRIBUTES).map(([k, spec]): [string, number] => [
      k,
      spec.default,
    ]);
    const queue: EmulatedQueue = {
      key,
      region,
      accountId,
      name,
      createdMs: this.clock(),
      attributes: { ...Object.fromEntries(defaults), ...attributes },
      denied: false,
      corruptNext: 0,
    };
    this.queues.set(key, queue);
    this.messages.set(key, new Map());
    return queue;
  }

  get(region: string, accountId: string, name: string): EmulatedQueue | undefined {
    return this.queues.get(queueKey(region, accountId, name));
  }

  list(region: string, accountId: string, prefix: string): EmulatedQueue[] {
    return [...this.queues.values()]
      .filter((q) => q.region === region && q.accountId === accountId)
      .filter((q) => q.name.startsWith(prefix))
      .sort((a, b) => (a.name < b.name ? -1 : 1));
  }

  send(
    queue: EmulatedQueue,
    body: string,
    delaySeconds: number | undefined,
    senderId: string,
  ): { id: string; md5: string } {
    const now = this.clock();
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
    this.prune(queue, now);
    this.stored(queue).set(message.id, message);
    this.events.emit('sent', queue, message.id);
    this.wake(queue);
    return { id: message.id, md5: message.md5 };
  }

  async receive(
    queue: EmulatedQueue,
    max: number,
    visibilitySeconds: number,
    waitSeconds: number,
    signal?: AbortSignal,
  ): Promise<ReceivedMessage[]> {
    const until = this.clock() + waitSeconds * 1000;
    for (;;) {
      const got = this.take(queue, max, visibilitySeconds);
      if (got.length > 0 || this.closed || signal?.aborted || this.clock() >= until) {
        this.events.emit('received', queue, got);
        return got;
      }
      await this.changed(queue, until, signal);
    }
  }

  delete(queue: EmulatedQueue, handle: string): HandleOutcome {
    const found = this.byHandle(queue, handle);
    if ('outcome' in found) return found.outcome;
    this.stored(queue).delete(found.id);
    return 'done';
  }

  changeVisibility(queue: EmulatedQueue, handle: string, seconds: number): HandleOutcome {
    const found = this.byHandle(queue, handle);
    if ('outcome' in found) return found.outcome;
    const now = this.clock();
    if (found.message.visibleAtMs <= now) return 'not-in-flight';
    found.message.visibleAtMs = now + seconds * 1000;
    if (seconds === 0) this.wake(queue);
    return 'done';
  }

  purge(queue: EmulatedQueue): void {
    this.messages.set(queue.key, new Map());
  }

  counts(queue: EmulatedQueue): { visible: number; inFlight: number; delayed: number } {
    const now = this.clock();
    const counts = { visible: 0, inFlight: 0, delayed: 0 };
    for (const m of this.stored(queue).values()) {
      if (m.visibleAtMs <= now) counts.visible += 1;
      else if (m.receiveCount > 0) counts.inFlight += 1;
      else counts.delayed += 1;
    }
    return counts;
  }

  close(): void {
    this.closed = true;
    for (const set of this.waiters.values()) for (const w of [...set]) w();
  }

  /** Drop the messages older than the queue's retention period, as SQS deletes them. */
  private prune(queue: EmulatedQueue, now: number): void {
    const retainedMs = (queue.attributes.MessageRetentionPeriod ?? 345_600) * 1000;
    // Kept in send order: the due ones are the first. Filtering the whole queue at every send
    // made filling a queue quadratic (60,000 sends took minutes).
    const stored = this.stored(queue);
    for (const m of stored.values()) {
      if (now - m.sentMs < retainedMs) return;
      stored.delete(m.id);
    }
  }

  private stored(queue: EmulatedQueue): Map<string, StoredMessage> {
    return this.messages.get(queue.key) ?? new Map<string, StoredMessage>();
  }

  private wake(queue: EmulatedQueue): void {
    for (const w of [...(this.waiters.get(queue.key) ?? [])]) w();
  }

  /** Up to `max` visible messages, each received now: a new handle, invisible for the timeout. */
  private take(queue: EmulatedQueue, max: number, visibilitySeconds: number): ReceivedMessage[] {
    const now = this.clock();
    const out: ReceivedMessage[] = [];
    for (const m of this.stored(queue).values()) {
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
  private changed(queue: EmulatedQueue, untilMs: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve) => {
      const now = this.clock();
      // A loop, not Math.min(...spread): a queue may hold more messages than a call takes arguments.
      let next = untilMs;
      for (const m of this.stored(queue).values())
        if (m.visibleAtMs > now && m.visibleAtMs < next) next = m.visibleAtMs;
      const set = this.waiters.get(queue.key) ?? new Set();
      this.waiters.set(queue.key, set);
      const done = () => {
        clearTimeout(timer);
        set.delete(done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, Math.max(0, next - now));
      set.add(done);
      signal?.addEventListener('abort', done);
      this.events.emit('waiting', queue);
    });
  }

  /** The message a receipt handle names while it is the newest handle, or why not. */
  private byHandle(
    queue: EmulatedQueue,
    handle: string,
  ): { outcome: 'invalid' | 'stale' } | { message: StoredMessage; id: string } {
    const id = handleMessageId(queue, handle);
    if (id === null) return { outcome: 'invalid' };
    const message = this.stored(queue).get(id);
    if (!message || message.handle !== handle) return { outcome: 'stale' };
    return { message, id };
  }
}
