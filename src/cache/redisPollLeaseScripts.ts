/**
 * The Redis keys, bounds and Lua scripts of the poll leases (redisPollLeases.ts): what a lease, a
 * shared poll and a follower's channel are in Redis, apart from the class that uses them.
 */
import { SEALED_HEADER_LENGTH } from './sealed.ts';

/**
 * The lease on a watched job: `jobgraph:poll:v2:<global ID>` = `<holder's replica ID>|<expiry, ms
 * since the epoch>` sealed for the key (src/cache/sealed.ts), with a TTL.
 */
export const POLL_LEASE_PREFIX = 'jobgraph:poll:v2:';
/** The last poll the holder shared, kept as long as its lease: a new watcher's first event. */
export const POLL_LAST_PREFIX = 'jobgraph:poll:v2:last:';
/**
 * One channel per watched job: `jobgraph:watch:v2:<global ID>` (`jobgraph:watch:v2:<db>:<global
 * ID>` on a database other than 0). Interest is a subscription, never a key. Its messages, and the
 * last one kept, are sealed for the channel.
 */
export const POLL_CHANNEL_PREFIX = 'jobgraph:watch:v2:';

/** The longest message or kept poll read, in characters (a record without secrets, and some words). */
export const MAX_POLL_MESSAGE_CHARS = 1024 * 1024;
/** The longest lease value read (a replica ID and an expiry). */
export const MAX_LEASE_CHARS = 1024;
/** How far apart two replicas' clocks may be when a lease's or a message's expiry is read, in ms. */
export const CLOCK_SKEW_MS = 2000;
/**
 * How long a message that is not kept (an event, a hint, a release, a call to fetch) is believed
 * after it was sealed, in ms: pub/sub delivers within moments, so only a replay arrives later.
 */
export const MESSAGE_LIFETIME_MS = 60_000;

/**
 * The lease's holder is ARGV[1] (`<replica ID>|`) when its value's payload (after the seal's
 * header) starts with it. Redis cannot check the seal: a value that is not ours is answered to the
 * replica, which checks it and takes a forged one over (TAKEOVER_SCRIPT). A key of another type
 * reads as an empty value (pcall), never as a failing call.
 */
const HOLDER = `
local function holder_of(key)
  local v = redis.pcall('GET', key)
  if type(v) == 'table' then return '' end
  return v
end
local function ours(v, me)
  return string.sub(v, ${SEALED_HEADER_LENGTH + 1}, ${SEALED_HEADER_LENGTH} + #me) == me
end`;

/** Most claims one call to Redis carries (see CLAIM_SCRIPT). */
export const CLAIMS_PER_CALL = 100;
/**
 * A call of N claims is bounded by N / CLAIMS_PER_OP op timeouts (at least one): it does by design
 * what N calls would (a lease read and written, a last poll read, a few KB each), so judged as one
 * 1-key op, a slow but answering Redis would count as down at every burst of claims.
 */
export const CLAIMS_PER_OP = 10;

/**
 * Take each lease if it is free (what `SET key id NX PX ttl` does) or renew it if it is already
 * ours (compare-and-renew), in one step, for the claims made together (at most CLAIMS_PER_CALL):
 * a replica's read schedules claim together (their watches' first reads, every one of them when
 * Redis is back, polls due on the same whole second), so one call a job is a burst of thousands.
 * KEYS: each claim's lease and last poll; ARGV: our tag, then each claim's sealed value, TTL and
 * whether the last poll is wanted. Answers, per claim, {1} or {0, the holder's PTTL, its value[,
 * its last poll]}.
 */
export const CLAIM_SCRIPT = `${HOLDER}
local out = {}
for i = 1, #KEYS / 2 do
  local key, want = KEYS[2 * i - 1], ARGV[3 * i + 1]
  local holder = holder_of(key)
  if not holder or ours(holder, ARGV[1]) then
    redis.call('SET', key, ARGV[3 * i - 1], 'PX', ARGV[3 * i])
    out[i] = {1}
  else
    out[i] = {0, redis.call('PTTL', key), holder}
    if want == '1' then
      local last = redis.pcall('GET', KEYS[2 * i])
      if type(last) == 'string' and #last <= ${MAX_POLL_MESSAGE_CHARS + SEALED_HEADER_LENGTH} then
        out[i][4] = last
      end
    end
  end
end
return out`;

/**
 * Replace a lease value the replica found forged (ARGV[1]) with its own (ARGV[2], TTL ARGV[3]),
 * unless the value changed meanwhile. 1 when taken.
 */
export const TAKEOVER_SCRIPT = `${HOLDER}
local holder = holder_of(KEYS[1])
if holder and holder ~= ARGV[1] then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
return 1`;

/**
 * The holder's poll: renew the lease if it is still ours (or take it again if it lapsed and nobody
 * took it), keep the message as the last poll (ARGV[6] keep) or drop the last one (drop), and
 * publish the message. 0 when another replica holds the lease: nothing is written.
 */
export const SHARE_SCRIPT = `${HOLDER}
local holder = holder_of(KEYS[1])
if holder and not ours(holder, ARGV[1]) then return 0 end
redis.call('SET', KEYS[1], ARGV[2], 'PX', ARGV[3])
if ARGV[6] == 'keep' then redis.call('SET', KEYS[2], ARGV[4], 'PX', ARGV[3])
elseif ARGV[6] == 'drop' then redis.call('DEL', KEYS[2]) end
redis.call('PUBLISH', ARGV[5], ARGV[4])
return 1`;

/** Compare-and-delete: give the lease back only if it is still ours, and tell the followers. */
export const RELEASE_SCRIPT = `${HOLDER}
local holder = holder_of(KEYS[1])
if holder and ours(holder, ARGV[1]) then
  redis.call('DEL', KEYS[1])
  redis.call('PUBLISH', ARGV[2], ARGV[3])
  return 1
end
return 0`;
