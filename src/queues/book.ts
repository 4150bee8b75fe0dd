/**
 * AWS Batch's job queues as every caller of one gateway reads them (docs/queues.md, "Budgeted
 * reads"): a region's queue and compute-environment descriptions change rarely, so they are read
 * at most once a DESCRIBE_TTL_MS per account and region, one read shared by every caller asking
 * meanwhile — and, with the replicas' store (shared.ts, Redis), by every replica: one reads them
 * under the fetch lease and keeps them there, the others read them from there (a value refused, or
 * Redis away: upstream, each for itself). A queue's snapshot at most once a SNAPSHOT_TTL_MS per
 * process, joined the same way. Each call goes through AWS Batch's guarded source — the caller's
 * fair share of its concurrency, the circuit breaker of the account's region and the account's
 * rate budget (shared with DescribeJobs).
 */
import { randomUUID } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { Sources } from '../datasources/index.ts';
import type { GuardedSource } from '../datasources/guard/sharedCall.ts';
import { guardedCall } from '../datasources/listing/guardedCall.ts';
import type { AnyProvider } from '../datasources/shared/provider.ts';
import type {
  ComputeEnvironmentInfo,
  JobQueueInfo,
  ProviderQueues,
  QueueSnapshot,
} from '../datasources/shared/queues.ts';
import type { Operation } from '../datasources/shared/source.ts';
import { awsAlias } from '../datasources/shared/accounts.ts';
import { QueueBlocks } from './blocks.ts';
import type { SharedDescriptions, SharedQueues } from './shared.ts';

// duplicates: data — named constants, each its own value and reason
/** How long a region's descriptions are kept: once a minute at most per account and region. */
const DESCRIBE_TTL_MS = 60_000;
/** How long a queue's snapshot is kept: a few seconds, joined across callers. */
const SNAPSHOT_TTL_MS = 5_000;
/** DescribeJobQueues' and DescribeComputeEnvironments' largest page (documented 1..100). */
const PAGE = 100;
/** Most pages read of one region's queues or environments (10,000 of each). */
const MAX_PAGES = 100;
/** Most provider, account and region descriptions kept (the least recently asked go first). */
const MAX_REGIONS = 1_000;
/** Most queue snapshots kept. */
const MAX_SNAPSHOTS = 10_000;
/** How long one replica holds the fetch lease of a region's descriptions (its read's bound). */
const LEASE_MS = 30_000;
/** How long another replica waits for the holder's word before it reads upstream itself. */
const LEASE_WAIT_MS = 15_000;
/** A region as the replicas' store keys it; another (a caller's filter) is read by each replica for itself. */
const SHARED_REGION = /^[a-z0-9-]{1,32}$/;

/** A region's queues and their environments, as read at `readAt`. */
export interface RegionQueues {
  provider: AnyProvider;
  account: string;
  region: string;
  caller: string;
  queues: JobQueueInfo[];
  /** The environments by ARN and by name (a queue may name either). */
  environments: ReadonlyMap<string, ComputeEnvironmentInfo>;
  readAt: number;
}

export interface QueueBookOptions {
  sources: Sources;
  now?: () => number;
  /** The replicas' store (Redis), when the gateway runs clustered. */
  shared?: SharedQueues;
}

export class QueueBook {
  // lru-cache's fetch: a value younger than its TTL is answered as kept; a fetch under way is
  // joined by every caller asking meanwhile; a rejected fetch is not kept.
  readonly #described: LRUCache<string, RegionQueues, Where>;
  readonly #snapshots: LRUCache<string, QueueSnapshot, Where & { queue: string }>;
  /** The blocked queues the job-state store told of (blocks.ts): its subscriber is `blocks.subscriber`. */
  readonly blocks: QueueBlocks;
  readonly #now: () => number;

  constructor(private readonly options: QueueBookOptions) {
    const perf = options.now ? { now: options.now } : undefined;
    this.#now = options.now ?? Date.now;
    this.blocks = new QueueBlocks(options.shared);
    this.#described = new LRUCache({
      max: MAX_REGIONS,
      ttl: DESCRIBE_TTL_MS,
      ...(perf ? { perf } : {}),
      fetchMethod: async (_key, _stale, { context, options: set }) => {
        const read = await this.#shared(context);
        // Kept here for what is left of its minute (another replica's read is older than now).
        set.ttl = Math.max(1, DESCRIBE_TTL_MS - (this.#now() - read.readAt));
        return read;
      },
    });
    this.#snapshots = new LRUCache({
      max: MAX_SNAPSHOTS,
      ttl: SNAPSHOT_TTL_MS,
      ...(perf ? { perf } : {}),
      fetchMethod: (_key, _stale, { context }) =>
        this.#call(context, queuesOf(context.provider).snapshot, {
          region: context.region,
          jobQueue: context.queue,
        }),
    });
  }

  /** The queues of `provider` in `account` (an alias, `default`) and `region`, read at most once a DESCRIBE_TTL_MS. */
  async describe(provider: AnyProvider, account: string, region: string, caller: string) {
    const context = { provider, account, region, caller };
    const key = `${provider.name}|${account}|${region}`;
    return (await this.#described.fetch(key, { context })) as RegionQueues;
  }

  /** The front of `queue` (its ARN) in `region`, read at most once a SNAPSHOT_TTL_MS. */
  async snapshot(
    provider: AnyProvider,
    account: string,
    region: string,
    queue: string,
    caller: string,
  ) {
    const context = { provider, account, region, caller, queue };
    const key = `${provider.name}|${account}|${region}|${queue}`;
    return (await this.#snapshots.fetch(key, { context })) as QueueSnapshot;
  }

  /**
   * The region's descriptions through the replicas' store: kept there (believed, under a minute
   * old), else read here under the fetch lease and kept there, else — another replica holds the
   * lease — its word waited for and its descriptions read there; anything else (no store, Redis
   * away, a value refused, no word in time), read here.
   */
  async #shared(at: Where): Promise<RegionQueues> {
    const shared = this.options.shared;
    if (!shared || !SHARED_REGION.test(at.region)) return this.#read(at);
    const key = `${at.provider.name}|${at.account}|${at.region}`;
    const kept = () => shared.descriptions(key, DESCRIBE_TTL_MS, this.#now());
    const region = (d: SharedDescriptions) => this.#region(at, d);
    const found = await kept();
    if (found) return region(found);
    const lease = `queues:${key}`;
    const token = randomUUID();
    const acquire = () => shared.leases.acquire(lease, token, LEASE_MS).catch(() => undefined);
    let taken = await acquire();
    if (taken === false) {
      // Listen first, then look again: the holder's word may have come between.
      const listening = shared.leases.listen(lease, LEASE_WAIT_MS);
      const early = await kept();
      if (early) {
        listening.cancel();
        return region(early);
      }
      taken = await acquire();
      if (taken !== false) listening.cancel();
      else if ((await listening.outcome) === 'stored') {
        const late = await kept();
        if (late) return region(late);
      }
    }
    if (!taken) return this.#read(at);
    let stored = false;
    try {
      const read = await this.#read(at);
      const { queues, readAt } = read;
      const environments = [...new Set(read.environments.values())];
      stored = await shared.keep(key, { queues, environments, readAt }, DESCRIBE_TTL_MS);
      return read;
    } finally {
      shared.leases.release(lease, token, stored).catch(() => undefined);
    }
  }

  /** Descriptions another replica kept, as this replica's read. */
  #region(at: Where, d: SharedDescriptions): RegionQueues {
    const environments = new Map<string, ComputeEnvironmentInfo>();
    for (const e of d.environments) environments.set(e.arn, e).set(e.name, e);
    return { ...at, queues: d.queues, environments, readAt: d.readAt };
  }

  async #read(at: Where): Promise<RegionQueues> {
    const ops = queuesOf(at.provider);
    const queues = await this.#pages((nextToken) =>
      this.#call(at, ops.describeQueues, { region: at.region, maxResults: PAGE, nextToken }),
    );
    const named = [
      ...new Set(queues.flatMap((q) => q.computeEnvironmentOrder.map((e) => e.computeEnvironment))),
    ];
    const environments = new Map<string, ComputeEnvironmentInfo>();
    for (let i = 0; i < named.length; i += PAGE) {
      const names = named.slice(i, i + PAGE);
      const found = await this.#pages((nextToken) =>
        this.#call(at, ops.describeEnvironments, {
          region: at.region,
          names,
          maxResults: PAGE,
          nextToken,
        }),
      );
      for (const e of found) environments.set(e.arn, e).set(e.name, e);
    }
    return { ...at, queues, environments, readAt: this.#now() };
  }

  /** Every page of a paged read, at most MAX_PAGES. */
  async #pages<T>(
    page: (nextToken: string | null) => Promise<{ items: T[]; nextToken: string | null }>,
  ): Promise<T[]> {
    const out: T[] = [];
    let token: string | null = null;
    for (let n = 0; n < MAX_PAGES; n++) {
      const answer = await page(token);
      out.push(...answer.items);
      token = answer.nextToken;
      if (!token) break;
    }
    return out;
  }

  #call<I, O>(at: Where, operation: Operation<I, O>, input: I): Promise<O> {
    // The source of the provider's own name: its reads run through it (any provider's is a GuardedSource).
    const source = this.options.sources[at.provider.name] as GuardedSource;
    return guardedCall(
      source,
      operation,
      input,
      {
        breakerRegion: at.region,
        subject: `queues:${at.provider.name}:${at.account}:${at.region}`,
        account: awsAlias(at.account),
      },
      { caller: at.caller, signal: undefined, calls: 0 },
    );
  }
}

/** Whose queues a read is of, and who asks. */
interface Where {
  provider: AnyProvider;
  account: string;
  region: string;
  caller: string;
}

/** The queues of a provider that has them (the registry's QUEUED_PROVIDERS). */
function queuesOf(provider: AnyProvider): ProviderQueues {
  if (!provider.queues) throw new TypeError(`${provider.name} has no queues`);
  return provider.queues;
}
