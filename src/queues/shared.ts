/**
 * What the replicas share of the job queues through Redis (docs/queues.md, "Across replicas"), on
 * the cluster's connections and sealer (JOBGRAPH_CACHE_URL, JOBGRAPH_CLUSTER_SECRET):
 *
 * - a region's descriptions, `jobgraph:queues:v1:<provider>|<account alias>|<region>`: its queues
 *   and their environments as one replica parsed them, with their read time, kept for what is left
 *   of the book's minute; one replica reads them upstream under the job cache's fetch lease
 *   (src/cache/redisStore.ts `redisLeases`, its key `queues:<the same>`), the others wait for its
 *   outcome and read them here;
 * - a queue's block, `jobgraph:queues:v1:block:<queue ARN>`: the Queue Blocked event's since, job
 *   and reason as the replica that consumed it keeps it (blocks.ts), for another replica's
 *   `JobQueue.blocked`.
 *
 * Every value is sealed for its key (`queues`); what is read back is untrusted: bounded by Redis
 * before it is sent, its seal checked, then read field by field as a wire answer is (json.ts's
 * readers, each string and list bounded): anything else is a miss, counted by the sealer
 * (`jobgraph_cache_rejected_total{kind="queues"}`), and the replica reads upstream itself. No
 * credential is ever written: descriptions and a status reason only. Redis away: every call is a
 * miss at once (nothing sent), every lease "read it yourself".
 */
import type { Cluster } from '../cache/cluster.ts';
import type { LeaseStore } from '../cache/jobCache.ts';
import { boundedGet, type BoundedValue } from '../cache/redisCall.ts';
import { redisLeases } from '../cache/redisStore.ts';
import { SEALED_HEADER_LENGTH } from '../cache/sealed.ts';
import { MalformedBodyError } from '../errors.ts';
import { arr, entry, int, str } from '../datasources/shared/json.ts';
import {
  stateFields,
  timeLimitActions,
  type QueueFieldReaders,
} from '../datasources/shared/queueFields.ts';
import type { ComputeEnvironmentInfo, JobQueueInfo } from '../datasources/shared/queues.ts';
import { parseGlobalId } from '../model/globalId.ts';

const PREFIX = 'jobgraph:queues:v1:';
const BLOCK_PREFIX = `${PREFIX}block:`;

// duplicates: data — named bounds, each its own value and reason
/** The longest descriptions read back, in characters: about 2,000 queues with their environments. */
export const MAX_DESCRIPTIONS_CHARS = 4 * 1024 * 1024;
/** The longest block read back, in characters (an ID, a reason, a time). */
const MAX_BLOCK_CHARS = 8 * 1024;
/** The longest string field believed (an ARN is at most 1,600; a status reason shorter). */
const MAX_TEXT = 2_048;
/** Most queues, or environments, believed (the book reads at most 10,000 of each). */
const MAX_ITEMS = 10_000;
/** Most entries of a queue's or an environment's own lists (environments, limits, instance types). */
const MAX_LIST = 100;
/** How far ahead of this replica's clock a read time may be (clock skew between replicas). */
const CLOCK_SKEW_MS = 5_000;

/** A queue's block as an event told it (published again for the same job and reason: the earliest). */
export interface QueueBlock {
  /** The event's time (ISO 8601). */
  since: string;
  /** The blocking job's global ID. */
  id: string;
  /** AWS Batch's status reason, as the event gave it. */
  reason: string;
}

/** A region's descriptions as one replica read them at `readAt` (epoch ms). */
export interface SharedDescriptions {
  queues: JobQueueInfo[];
  environments: ComputeEnvironmentInfo[];
  readAt: number;
}

/** What the queue book asks of the replicas' store (src/queues/book.ts). */
export interface SharedQueues {
  /** The descriptions kept under `key`, believed and at most `maxAgeMs` old; undefined: none (or refused, or Redis away). */
  descriptions(key: string, maxAgeMs: number, now: number): Promise<SharedDescriptions | undefined>;
  /** Keep `value` under `key` for `ttlMs`; whether Redis took it. */
  keep(key: string, value: SharedDescriptions, ttlMs: number): Promise<boolean>;
  /** The job cache's fetch leases: one replica reads a region's descriptions, the others wait for its word. */
  readonly leases: LeaseStore;
  /** The block of the queue of ARN `queue` a replica kept, believed; undefined: none. */
  block(queue: string): Promise<QueueBlock | undefined>;
  /** Keep the block of `queue` (fire and forget); a failure is Redis's signal's to tell. */
  keepBlock(queue: string, block: QueueBlock, ttlMs: number): void;
  /** Drop the block of `queue` if it is still job `id`'s (fire and forget). */
  endBlock(queue: string, id: string): void;
  close(): Promise<void>;
}

/** A string field no longer than MAX_TEXT (null when absent). */
function text(value: unknown, field: string): string | null {
  const s = str(value, field);
  if (s !== null && s.length > MAX_TEXT) throw new MalformedBodyError(`${field} is too long`);
  return s;
}

/** A string field that must be there and not empty. */
function named(value: unknown, field: string): string {
  const s = text(value, field);
  if (!s) throw new MalformedBodyError(`${field} is missing`);
  return s;
}

/** A list field of at most `max` entries. */
function list(value: unknown, field: string, max: number): unknown[] {
  const a = arr(value, field);
  if (a.length > max) throw new MalformedBodyError(`${field} has more than ${max} entries`);
  return a;
}

/** How a description read back is believed: strings of at most MAX_TEXT, lists of at most MAX_LIST. */
const STORED: QueueFieldReaders = { text, list: (value, field) => list(value, field, MAX_LIST) };

function readQueue(value: unknown, field: string): JobQueueInfo {
  const o = entry(value, field);
  const order = list(o.computeEnvironmentOrder, `${field}.computeEnvironmentOrder`, MAX_LIST);
  return {
    name: named(o.name, `${field}.name`),
    arn: named(o.arn, `${field}.arn`),
    ...stateFields(o, field, STORED),
    priority: int(o.priority, `${field}.priority`),
    schedulingPolicyArn: text(o.schedulingPolicyArn, `${field}.schedulingPolicyArn`),
    computeEnvironmentOrder: order.map((e, i) => {
      const at = `${field}.computeEnvironmentOrder[${i}]`;
      const item = entry(e, at);
      const n = int(item.order, `${at}.order`);
      if (n === null) throw new MalformedBodyError(`${at}.order is missing`);
      return {
        order: n,
        computeEnvironment: named(item.computeEnvironment, `${at}.computeEnvironment`),
      };
    }),
    jobStateTimeLimitActions: timeLimitActions(o, field, STORED),
  };
}

function readEnvironment(value: unknown, field: string): ComputeEnvironmentInfo {
  const o = entry(value, field);
  return {
    name: named(o.name, `${field}.name`),
    arn: named(o.arn, `${field}.arn`),
    type: named(o.type, `${field}.type`),
    ...stateFields(o, field, STORED),
    minvCpus: int(o.minvCpus, `${field}.minvCpus`),
    desiredvCpus: int(o.desiredvCpus, `${field}.desiredvCpus`),
    maxvCpus: int(o.maxvCpus, `${field}.maxvCpus`),
    instanceTypes: list(o.instanceTypes, `${field}.instanceTypes`, MAX_LIST).map((t, i) =>
      named(t, `${field}.instanceTypes[${i}]`),
    ),
    allocationStrategy: text(o.allocationStrategy, `${field}.allocationStrategy`),
  };
}

/** The descriptions of a value's text, read field by field; MalformedBodyError (or JSON's SyntaxError) when it is not what a replica writes. */
function readDescriptions(payload: string): SharedDescriptions {
  const o = entry(JSON.parse(payload), 'descriptions');
  const readAt = int(o.readAt, 'readAt');
  if (readAt === null || readAt < 0) throw new MalformedBodyError('readAt is missing');
  return {
    queues: list(o.queues, 'queues', MAX_ITEMS).map((q, i) => readQueue(q, `queues[${i}]`)),
    environments: list(o.environments, 'environments', MAX_ITEMS).map((e, i) =>
      readEnvironment(e, `environments[${i}]`),
    ),
    readAt,
  };
}

/** A block of a value's text; MalformedBodyError when it is not one (its job a global ID, its time a time). */
function readBlock(payload: string): QueueBlock {
  const o = entry(JSON.parse(payload), 'block');
  const since = named(o.since, 'since');
  if (!Number.isFinite(Date.parse(since))) throw new MalformedBodyError('since is not a time');
  const id = named(o.id, 'id');
  parseGlobalId(id);
  return {
    since: new Date(Date.parse(since)).toISOString(),
    id,
    reason: named(o.reason, 'reason'),
  };
}

/** The replicas' queue store on the cluster's Redis (see the file's comment). */
export function redisSharedQueues(cluster: Pick<Cluster, 'redis' | 'sealer'>): SharedQueues {
  const { redis, sealer } = cluster;
  const client = redis.commands;
  const { leases, close } = redisLeases(redis, sealer);
  /** The payload of the value under `key`, opened; undefined: none, Redis away, or refused (counted). */
  const opened = async (key: string, maxChars: number): Promise<string | undefined> => {
    let value: BoundedValue;
    try {
      [value] = await redis.send(() => boundedGet(client, [key], maxChars + SEALED_HEADER_LENGTH));
    } catch {
      return undefined;
    }
    if (value === undefined) return undefined;
    if (typeof value !== 'string') return void sealer.reject('queues', value.rejected);
    return sealer.open('queues', key, value, maxChars);
  };
  /** `read` of a payload, or undefined (counted: malformed) when it throws. */
  const believed = <T>(payload: string | undefined, read: (p: string) => T): T | undefined => {
    if (payload === undefined) return undefined;
    try {
      return read(payload);
    } catch {
      return void sealer.reject('queues', 'malformed');
    }
  };
  const set = (key: string, payload: string, ttlMs: number) =>
    redis.send(() =>
      client.set(key, sealer.seal('queues', key, payload), {
        expiration: { type: 'PX', value: Math.max(1, Math.ceil(ttlMs)) },
      }),
    );
  const block = async (queue: string) =>
    believed(await opened(BLOCK_PREFIX + queue, MAX_BLOCK_CHARS), readBlock);
  return {
    async descriptions(key, maxAgeMs, now) {
      const k = PREFIX + key;
      const found = believed(await opened(k, MAX_DESCRIPTIONS_CHARS), readDescriptions);
      if (!found) return undefined;
      // A read time further ahead than the replicas' clocks differ: not a time a replica wrote.
      if (found.readAt > now + CLOCK_SKEW_MS) return void sealer.reject('queues', 'clamped');
      return now - found.readAt <= maxAgeMs ? found : undefined;
    },
    async keep(key, value, ttlMs) {
      const payload = JSON.stringify(value);
      if (payload.length > MAX_DESCRIPTIONS_CHARS) return false;
      return set(PREFIX + key, payload, ttlMs).then(
        () => true,
        () => false,
      );
    },
    leases,
    block,
    keepBlock(queue, block, ttlMs) {
      const payload = JSON.stringify(block);
      if (payload.length > MAX_BLOCK_CHARS || !redis.available()) return;
      set(BLOCK_PREFIX + queue, payload, ttlMs).catch(() => undefined);
    },
    endBlock(queue, id) {
      if (!redis.available()) return;
      void (async () => {
        const kept = await block(queue);
        if (kept?.id === id) await redis.send(() => client.del(BLOCK_PREFIX + queue));
      })().catch(() => undefined);
    },
    close,
  };
}
