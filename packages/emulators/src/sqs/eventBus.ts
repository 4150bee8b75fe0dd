import { EventEmitter } from 'node:events';
import { DEMO_EVENT_QUEUE_NAME, type EventBridgeEvent, type EventSink } from '../eventBridge.ts';
import type { QueueStore } from './queues.ts';

/**
 * The switches of event delivery, for testing a consumer against what EventBridge → SQS may do:
 * late, twice, out of order, or never (best-effort sources). Rates are shares 0..1 drawn with
 * the bus's `random` (so 1 is "every event", deterministic).
 */
export interface EventSwitches {
  /** Each event reaches its queue this many ms after its state change (default 0). */
  delayMs: number;
  /** Share of events put on the queue twice (the same event, the same `id`). */
  duplicateRate: number;
  /**
   * Share of events held back and put on the queue right after the next event of the same queue
   * (so the two arrive swapped). An event held when no other follows stays held.
   */
  reorderRate: number;
  /** Share of events dropped (never put on a queue). */
  lossRate: number;
}

export const NO_EVENT_SWITCHES: Readonly<EventSwitches> = Object.freeze({
  delayMs: 0,
  duplicateRate: 0,
  reorderRate: 0,
  lossRate: 0,
});

/** What became of one published event (the bus's `delivery` event). */
export type DeliveryOutcome =
  /** Put on its queue (twice when `duplicated`). */
  | 'delivered'
  | 'duplicated'
  /** Held back to follow the next event (`reorderRate`); `delivered` follows when it goes. */
  | 'held'
  | 'lost'
  /** No queue of the event's account and region: nothing receives it (as with no rule). */
  | 'no-queue';

/** EventBridge's delivery into the SQS emulator's queues. */
export interface EventBus extends EventSink {
  readonly switches: Readonly<EventSwitches>;
  /** Change some switches (validated: a bad value throws RangeError and changes nothing). */
  setSwitches(patch: Partial<EventSwitches>): void;
  resetSwitches(): void;
  /**
   * Emits `delivery` (the event, its `DeliveryOutcome`) for every published event, as its fate is
   * decided (and again with `delivered` when a held one goes): tests wait for it.
   */
  readonly events: EventEmitter;
  /** Drop delayed and held events and stop the timers. */
  close(): void;
}

/** The SenderId of the messages EventBridge puts on a queue (its service principal's). */
const EVENTBRIDGE_SENDER_ID = 'AIDAJOBGRAPHEVENTBRIDGE';

/** A bus that delivers each event to the queue named `queueName` of its account and region. */
export function createEventBus(
  store: QueueStore,
  options: {
    switches?: Partial<EventSwitches>;
    random?: () => number;
    queueName?: string;
  } = {},
): EventBus {
  const random = options.random ?? Math.random;
  const queueName = options.queueName ?? DEMO_EVENT_QUEUE_NAME;
  let switches: EventSwitches = checkSwitches({ ...NO_EVENT_SWITCHES, ...options.switches });
  const events = new EventEmitter();
  const held = new Map<string, EventBridgeEvent[]>();
  const timers = new Set<NodeJS.Timeout>();
  let closed = false;

  const put = (event: EventBridgeEvent, copies: number) => {
    const queue = store.get(event.region, event.account, queueName);
    if (!queue) return void events.emit('delivery', event, 'no-queue');
    const body = JSON.stringify(event);
    for (let i = 0; i < copies; i++) store.send(queue, body, 0, EVENTBRIDGE_SENDER_ID);
    events.emit('delivery', event, copies > 1 ? 'duplicated' : 'delivered');
  };

  function deliver(event: EventBridgeEvent, copies: number) {
    if (closed) return;
    const key = `${event.region}/${event.account}`;
    const waiting = held.get(key);
    if (waiting) {
      held.delete(key);
      put(event, copies);
      for (const e of waiting) put(e, 1);
      return;
    }
    if (switches.reorderRate > 0 && random() < switches.reorderRate) {
      // A held event goes once, after the next: its duplicate (if any) is not kept.
      held.set(key, [event]);
      return void events.emit('delivery', event, 'held');
    }
    put(event, copies);
  }

  return {
    get switches() {
      return switches;
    },
    setSwitches(patch) {
      switches = checkSwitches({ ...switches, ...patch });
    },
    resetSwitches() {
      switches = { ...NO_EVENT_SWITCHES };
    },
    events,
    publish(event) {
      if (closed) return;
      if (switches.lossRate > 0 && random() < switches.lossRate)
        return void events.emit('delivery', event, 'lost');
      const copies = switches.duplicateRate > 0 && random() < switches.duplicateRate ? 2 : 1;
      if (switches.delayMs <= 0) return deliver(event, copies);
      const timer = setTimeout(() => {
        timers.delete(timer);
        deliver(event, copies);
      }, switches.delayMs);
      timers.add(timer);
    },
    close() {
      closed = true;
      for (const t of timers) clearTimeout(t);
      timers.clear();
      held.clear();
    },
  };
}

/** The switches, each checked (RangeError naming the first bad one). */
function checkSwitches(s: EventSwitches): EventSwitches {
  if (!Number.isSafeInteger(s.delayMs) || s.delayMs < 0 || s.delayMs > 900_000)
    throw new RangeError(`delayMs must be a whole number of ms from 0 to 900000, got ${s.delayMs}`);
  for (const name of ['duplicateRate', 'reorderRate', 'lossRate'] as const) {
    const v = s[name];
    if (typeof v !== 'number' || !(v >= 0 && v <= 1))
      throw new RangeError(`${name} must be a share from 0 to 1, got ${String(v)}`);
  }
  return {
    delayMs: s.delayMs,
    duplicateRate: s.duplicateRate,
    reorderRate: s.reorderRate,
    lossRate: s.lossRate,
  };
}
