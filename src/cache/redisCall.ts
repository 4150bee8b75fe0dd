import type { RedisClientType } from '@keyv/redis';
import type { Logger } from 'pino';

/** What a store with connections of its own to Redis is given, whatever else it needs. */
export interface OwnRedisOptions {
  url: string;
  /** Longest a Redis call may take before Redis counts as down, in ms (JOBGRAPH_CACHE_OP_TIMEOUT_MS). */
  opTimeoutMs: number;
  /** Longest wait between two reconnection attempts or checks (a PING) while Redis is away, in ms. */
  retryMs: number;
  logger: Logger;
}

/** What a store does when its own connections fail or come back (`connectWatched`). */
export interface ConnectionWatch {
  /** Told every error a connection emits (each failed reconnection is one). */
  failed(err: unknown): void;
  /** Told when a connection is ready, at first and after each reconnection. */
  ready?(): void;
  /** Whether a connection that ended is a failure too (`failed` is told "the Redis connection ended"). */
  endIsFailure?: boolean;
}

/**
 * Listens to `clients` as `watch` says, then connects them in the background: a Redis that is not
 * there must not hold up the start (each client keeps reconnecting, and says so through `watch`).
 */
export function connectWatched(clients: readonly RedisClientType[], watch: ConnectionWatch): void {
  for (const client of clients) {
    // node-redis emits an error per failed attempt: without a listener, one would crash the process.
    client.on('error', (err: unknown) => watch.failed(err));
    if (watch.endIsFailure)
      client.on('end', () => watch.failed(new Error('the Redis connection ended')));
    if (watch.ready) client.on('ready', () => watch.ready?.());
  }
  for (const client of clients) client.connect().catch(() => undefined);
}

/** One call out on a connection, in the order sent (`answeredInOrder`). */
interface OutCall {
  /** Its bound, in ms: the op timeout times the ops it counts as. */
  ms: number;
  timer?: NodeJS.Timeout;
  /** Its answer came (or it was given up): the timer's check does nothing. */
  done: boolean;
  giveUp(): void;
}

/**
 * Bounds for the calls on one connection, which Redis answers in the order they were sent: a
 * call's bound (the op timeout times `weight`, the ops a batch counts as) runs only once the calls
 * sent before it were answered. Timed from the moment each call was sent, the hundredth of a burst
 * waited for the ninety-nine before it within one op's time, and a Redis that answered every call,
 * slowly, counted as down. A call whose bound ran out is given up only after the loop's next poll
 * for I/O (`setImmediate`): an answer that arrived while the process was busy is read first.
 * A Redis that stops answering is still caught within one bound: the oldest call's.
 */
export function answeredInOrder(
  opTimeoutMs: number,
): <T>(call: Promise<T>, weight?: number) => Promise<T> {
  const out: OutCall[] = [];
  const armHead = () => {
    const head = out[0];
    if (!head || head.timer) return;
    head.timer = setTimeout(() => setImmediate(() => head.done || head.giveUp()), head.ms);
    head.timer.unref();
  };
  const leave = (c: OutCall) => {
    c.done = true;
    clearTimeout(c.timer);
    const i = out.indexOf(c);
    if (i >= 0) out.splice(i, 1);
    armHead();
  };
  return <T>(call: Promise<T>, weight = 1) =>
    new Promise<T>((resolve, reject) => {
      const ms = Math.round(opTimeoutMs * Math.max(1, weight));
      const c: OutCall = {
        ms,
        done: false,
        giveUp: () => {
          leave(c);
          reject(new Error(`Redis did not answer within ${ms} ms`));
        },
      };
      out.push(c);
      armHead();
      call.then(
        (value) => {
          leave(c);
          resolve(value);
        },
        (err: unknown) => {
          leave(c);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
}

/**
 * The shared connections' reconnect delay in ms: doubling from 25 ms up to `retryMs`, plus up to a
 * quarter of `retryMs` of jitter, so the replicas come back soon after Redis does (whatever the
 * cause) without reconnecting in step; never gives up.
 */
export const reconnectAfter =
  (retryMs: number) =>
  (retries: number): number =>
    Math.min(25 * 2 ** Math.min(retries, 10), retryMs) + Math.floor((Math.random() * retryMs) / 4);

/** The one pending re-check of a Redis connection that went away (see `recheckLater`). */
export interface Recheck {
  /** Run the check after `retryMs`, unless one is pending already or `stop` was called. */
  schedule: () => void;
  /** Cancel the pending check, and every later one. */
  stop: () => void;
}

/** Re-checks Redis every `retryMs` ms while `check` schedules them, one at a time; the timer never holds the process up. */
export function recheckLater(retryMs: number, check: () => Promise<void>): Recheck {
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  return {
    schedule: () => {
      if (stopped || timer !== undefined) return;
      timer = setTimeout(() => {
        timer = undefined;
        void check();
      }, retryMs);
      timer.unref();
    },
    stop: () => {
      stopped = true;
      clearTimeout(timer);
    },
  };
}

/**
 * What a bounded read (`BOUNDED_GET_SCRIPT`) answers for each key: its value, nothing (no key, or
 * an empty value), or why it was not sent — over the bound (`oversized`), or not a string
 * (`malformed`: a list, a hash, … that jobgraph never writes there).
 */
export type BoundedValue = string | undefined | { rejected: 'oversized' | 'malformed' };

/**
 * GET of each key in KEYS, bounded by Redis before anything is sent: a value longer than ARGV[1]
 * bytes is answered `{'oversized'}`, a key of another type `{'malformed'}` (pcall: a plain GET
 * would fail the whole call, which the caches take for Redis failing), a missing one `{}`.
 */
const BOUNDED_GET_SCRIPT = `
local out = {}
for i, key in ipairs(KEYS) do
  local n = redis.pcall('STRLEN', key)
  if type(n) ~= 'number' then out[i] = {'malformed'}
  elseif n == 0 then out[i] = {}
  elseif n > tonumber(ARGV[1]) then out[i] = {'oversized'}
  else out[i] = {'ok', redis.call('GET', key)} end
end
return out`;

/** `BOUNDED_GET_SCRIPT`'s answer for one key. */
function boundedValueOf(reply: unknown): BoundedValue {
  if (!Array.isArray(reply) || reply.length === 0) return undefined;
  if (reply[0] === 'ok' && typeof reply[1] === 'string') return reply[1];
  return { rejected: reply[0] === 'oversized' ? 'oversized' : 'malformed' };
}

/**
 * `BOUNDED_GET_SCRIPT` on `keys` (each value read only when it is at most `maxBytes`): each key's
 * value, nothing, or its rejection, in the order of `keys`.
 */
export async function boundedGet(
  client: RedisClientType,
  keys: readonly string[],
  maxBytes: number,
): Promise<BoundedValue[]> {
  const replies: unknown = await client.eval(BOUNDED_GET_SCRIPT, {
    keys: [...keys],
    arguments: [String(maxBytes)],
  });
  return keys.map((_, i) => boundedValueOf(Array.isArray(replies) ? replies[i] : undefined));
}

/** A timer delay within what Node arms (2^31−1 ms; beyond it fires at once and warns). */
export const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * The GCRA step of callerRates.ts `gcra`, on Redis's clock (`TIME`, so the replicas' clocks do not
 * matter), in µs: ARGV[1] the emission interval, ARGV[2] the burst window, ARGV[3] `1` to spend.
 * Redis is not trusted: a value that is not a number, of another type, or further ahead than
 * this script ever writes (now + the window) is taken as absent and overwritten. Answers 0 (go),
 * -1 (go, and the value found was not one jobgraph wrote), or the µs until a request may go.
 * One script for both rates kept in Redis: the callers' (a burst) and the providers' budgets (a
 * window of one interval: no burst).
 */
export const GCRA_STEP_SCRIPT = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local interval = tonumber(ARGV[1])
local window = tonumber(ARGV[2])
local stored = redis.pcall('GET', KEYS[1])
local tat = type(stored) == 'string' and tonumber(stored) or nil
local forged = (stored ~= false and tat == nil)
  or (tat ~= nil and (tat ~= tat or tat > now + window))
if forged or not tat or tat < now then tat = now end
local nxt = tat + interval
if nxt - now > window then return nxt - now - window end
if ARGV[3] == '1' then
  redis.call('SET', KEYS[1], string.format('%.0f', nxt), 'PX', math.ceil((nxt - now) / 1000) + 1000)
end
if forged then return -1 end
return 0`;
