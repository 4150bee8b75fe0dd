/**
 * One request's view of the job queues (`jobQueues`, `jobQueue`, `Job.waiting`; docs/queues.md):
 * the book's shared reads under the caller's grant — a queue of an account the caller may not
 * read on its provider is never answered, and asking for it by ID is the same FORBIDDEN as a
 * job's. The providers with queues are the registry's (`Provider.queues`: AWS Batch).
 */
import type { Config } from '../config/types.ts';
import { DEFAULT_ACCOUNT } from '../config/patterns.ts';
import { BadUserInputError, JobgraphError } from '../errors.ts';
import type { JobProvider, JobRecord } from '../model/job.ts';
import { formatGlobalId, type JobKey } from '../model/globalId.ts';
import { providerOf, QUEUED_PROVIDERS } from '../datasources/registry.ts';
import type { AnyProvider } from '../datasources/shared/provider.ts';
import type { FrontJob, JobQueueInfo, QueueSnapshot } from '../datasources/shared/queues.ts';
import type { HistoryDatabase } from '../history/database.ts';
import { queueCounts, queueWaits, type QueueWaits } from '../history/queueWaits.ts';
import type { QueueBook } from './book.ts';
import { blocksQueue, diagnose, type JobWaitingValue } from './diagnose.ts';

/** A queue as the graph answers it: the description, whose and where it is. */
export interface JobQueueValue extends JobQueueInfo {
  id: string;
  provider: JobProvider;
  accountAlias: string;
  region: string;
}

/** A job of a queue's front as the graph answers it (`QueuedJob`): `id` its global ID when its ARN reads. */
export interface QueuedJobValue {
  position: number;
  jobArn: string;
  earliestTimeAtPosition: string | null;
  id: string | null;
}

export interface QueueViewOptions {
  book: QueueBook;
  config: Config;
  history: HistoryDatabase | null;
  /** Whether the caller reads `alias` on `provider` (auth/mayRead.ts under the caller's grant). */
  mayRead(provider: JobProvider, alias: string): boolean;
  /** The caller's refusal for an account it may not read (FORBIDDEN, audited). */
  refuse(provider: JobProvider, alias: string): Error;
  caller: string;
  now?: () => number;
}

export interface QueueFilterInput {
  providers?: readonly JobProvider[] | null;
  accounts?: readonly string[] | null;
  regions?: readonly string[] | null;
}

/** A queue's ID: `{provider's prefix}queue[@alias]:{region}:{name}` (`batchqueue:us-east-1:etl`). */
const ID = /^([a-z]+)queue(?:@([A-Za-z0-9_-]{1,64}))?:([a-z0-9-]{1,32}):([A-Za-z0-9_-]{1,128})$/;

const queueIdOf = (p: AnyProvider, alias: string, region: string, name: string): string =>
  `${p.key.prefix}queue${alias === DEFAULT_ACCOUNT ? '' : `@${alias}`}:${region}:${name}`;

const notFound = (message: string) => new JobgraphError('NOT_FOUND', message);

/** How long back the p90 that judges a normal wait reaches: the STUCK rules' 14 days. */
const P90_HOURS = 14 * 24;
/** How long a view keeps a queue's p90 waits: as long as the queues' descriptions (book.ts). */
const P90_KEPT_MS = 60_000;

export class QueueView {
  readonly #now: () => number;
  /** This request's p90 reads, by queue ID (`#p90Waits`). */
  readonly #p90s = new Map<string, { at: number; waits: Promise<QueueWaits> }>();
  constructor(private readonly o: QueueViewOptions) {
    this.#now = o.now ?? Date.now;
  }

  /** Whether jobs of `provider` wait in queues jobgraph shows (`Job.waiting` is null for the others, with no read). */
  hasQueues(provider: JobProvider): boolean {
    return providerOf(provider).queues !== undefined;
  }

  #accounts(p: AnyProvider): string[] {
    return [DEFAULT_ACCOUNT, ...p.setup.accountAliases(this.o.config)];
  }

  /** `jobQueues`: the queues of every account and region asked that the caller reads. */
  async list(filter: QueueFilterInput | null | undefined): Promise<JobQueueValue[]> {
    const providers = QUEUED_PROVIDERS.filter(
      (p) => !filter?.providers?.length || filter.providers.includes(p.name),
    );
    const asked = filter?.accounts ?? [];
    const reads = providers.flatMap((p) => {
      const configured = this.#accounts(p);
      // As listJobs: an account the caller may not read is refused (for a caller reading only some,
      // whether it is configured or not, so a refusal tells nothing of which accounts exist).
      for (const [i, alias] of asked.entries()) {
        if (!this.o.mayRead(p.name, alias)) throw this.o.refuse(p.name, alias);
        if (!configured.includes(alias))
          throw new BadUserInputError(
            `Argument "filter.accounts[${i}]" names no configured account: ${configured.join(', ')}.`,
            { argument: `filter.accounts[${i}]` },
          );
      }
      const accounts = configured.filter(
        (a) => (asked.length === 0 || asked.includes(a)) && this.o.mayRead(p.name, a),
      );
      const regions = filter?.regions?.length
        ? [...new Set(filter.regions)]
        : [this.o.config.awsRegion];
      return accounts.flatMap((account) =>
        regions.map(async (region) => {
          const read = await this.o.book.describe(p, account, region, this.o.caller);
          return read.queues.map((q) => this.#value(p, q, account, region));
        }),
      );
    });
    return (await Promise.all(reads)).flat();
  }

  /** `jobQueue(id)`: FORBIDDEN for an account the caller may not read, NOT_FOUND when its region has none of its name. */
  async one(id: string): Promise<JobQueueValue> {
    const m = ID.exec(id);
    const p = m ? QUEUED_PROVIDERS.find((x) => x.key.prefix === m[1]) : undefined;
    if (!m || !p)
      throw new BadUserInputError(
        `Argument "id" must be a queue ID such as batchqueue:{region}:{name} or batchqueue@{alias}:{region}:{name}.`,
        { argument: 'id' },
      );
    const [, , alias = DEFAULT_ACCOUNT, region = '', name = ''] = m;
    if (!this.o.mayRead(p.name, alias)) throw this.o.refuse(p.name, alias);
    if (!this.#accounts(p).includes(alias)) throw notFound(`No job queue ${id}.`);
    const read = await this.o.book.describe(p, alias, region, this.o.caller);
    const queue = read.queues.find((q) => q.name === name);
    if (!queue) throw notFound(`There is no job queue named ${name} in ${region}.`);
    return this.#value(p, queue, alias, region);
  }

  #value(p: AnyProvider, q: JobQueueInfo, alias: string, region: string): JobQueueValue {
    return {
      ...q,
      id: queueIdOf(p, alias, region, q.name),
      provider: p.name,
      accountAlias: alias,
      region,
    };
  }

  /** The queue's environments, in its order. */
  async environments(q: JobQueueValue) {
    const read = await this.o.book.describe(
      providerOf(q.provider),
      q.accountAlias,
      q.region,
      this.o.caller,
    );
    return q.computeEnvironmentOrder.flatMap((e) => {
      const env = read.environments.get(e.computeEnvironment);
      return env ? [env] : [];
    });
  }

  snapshot(q: JobQueueValue): Promise<QueueSnapshot> {
    return this.o.book.snapshot(
      providerOf(q.provider),
      q.accountAlias,
      q.region,
      q.arn,
      this.o.caller,
    );
  }

  /** The front's jobs (a queue's or a quota share's) with their global IDs in the queue's account and region. */
  queued(q: JobQueueValue, jobs: readonly FrontJob[]): QueuedJobValue[] {
    const p = providerOf(q.provider);
    return jobs.map((j, i) => {
      const jobId = p.queues?.jobIdOfArn(j.jobArn) ?? null;
      const key = {
        provider: q.provider,
        region: q.region,
        jobId,
        ...(q.accountAlias === DEFAULT_ACCOUNT ? {} : { account: q.accountAlias }),
      } as JobKey;
      return {
        position: i + 1,
        jobArn: j.jobArn,
        earliestTimeAtPosition: j.earliestTimeAtPosition,
        id: jobId === null ? null : formatGlobalId(key),
      };
    });
  }

  /**
   * The queue's block: as the Queue Blocked event this process heard said it (blocks.ts: since
   * the event's time, its job, its reason) while that job still heads the front; else as another
   * replica's event said it (the replicas' store) while its job heads the front with that status
   * reason; else, no event
   * heard, the front's first job when its status reason is a MISCONFIGURATION: or CAPACITY: one
   * (the event's words), read through `load` (the caller's loader), since it reached the head;
   * null when the head runs freely or cannot be read.
   */
  async blocked(
    q: JobQueueValue,
    load: (id: string) => Promise<JobRecord | null>,
  ): Promise<{ since: string | null; reason: string; id: string } | null> {
    const [head] = this.queued(q, (await this.snapshot(q)).front.slice(0, 1));
    const told = this.o.book.blocks.of(q.arn);
    // Another job heads the front (the snapshot may be a few seconds older than the event): the
    // block told is not answered, and stands for when its job heads the front (its news ends it).
    if (told && head?.id === told.id) return told;
    if (!head?.id) return null;
    // Another replica's event (the replicas' store): answered while its job heads the front and
    // still waits for that reason as read here (this replica hears no news of it to end it).
    const kept = told ? undefined : await this.o.book.blocks.shared(q.arn);
    const record = await load(head.id);
    const reason = record?.statusMessage;
    if (kept && kept.id === head.id && kept.reason === reason) return kept;
    return blocksQueue(reason) ? { since: head.earliestTimeAtPosition, reason, id: head.id } : null;
  }

  counts(q: JobQueueValue) {
    return this.o.history ? queueCounts(this.o.history, q.provider, q.arn) : Promise.resolve([]);
  }

  async waits(q: JobQueueValue, hours: number): Promise<QueueWaits> {
    if (!Number.isInteger(hours) || hours < 1 || hours > 720)
      throw new BadUserInputError('Argument "hours" must be 1 to 720.', { argument: 'hours' });
    if (!this.o.history) return { samples: 0, p50: null, p90: null, p99: null };
    return queueWaits(this.o.history, q.provider, q.arn, this.#now() - hours * 3_600_000);
  }

  /**
   * The queue's waits over the p90 window, read at most once a P90_KEPT_MS per queue by this view
   * (a request's, a subscription's, the notifier's): a page of its waiting jobs asks one history
   * query, not one a job.
   */
  #p90Waits(q: JobQueueValue): Promise<QueueWaits> {
    const now = this.#now();
    const kept = this.#p90s.get(q.id);
    if (kept && now - kept.at < P90_KEPT_MS) return kept.waits;
    const waits = this.waits(q, P90_HOURS);
    this.#p90s.set(q.id, { at: now, waits });
    return waits;
  }

  /**
   * `Job.waiting` of a record the caller was answered: null unless its provider has queues and
   * the job waits. Its queue's description and front (read as above) and its queue's p90 over
   * the STUCK rules' 14 days feed the diagnosis (diagnose.ts).
   */
  async waiting(record: JobRecord, alias: string): Promise<JobWaitingValue | null> {
    const p = providerOf(record.provider);
    const job = p.queues?.waitingJob(record) ?? null;
    if (!job) return null;
    const region = record.region ?? this.o.config.awsRegion;
    const read = await this.o.book.describe(p, alias, region, this.o.caller);
    const info = read.queues.find((q) => q.arn === job.queue || q.name === job.queue) ?? null;
    const queue = info ? this.#value(p, info, alias, region) : null;
    const environments = queue ? await this.environments(queue) : [];
    const snapshot = queue && job.runnable ? await this.snapshot(queue).catch(() => null) : null;
    const waits = queue ? await this.#p90Waits(queue) : null;
    const shareHeld =
      !!job.shareIdentifier &&
      (snapshot?.shareCapacity.some((s) => s.share === job.shareIdentifier) ?? false) &&
      (snapshot?.front[0]?.jobArn ?? null) !== job.jobArn;
    return diagnose({
      job,
      queue: info,
      environments,
      front: snapshot?.front ?? null,
      shareHeld,
      p90Seconds: waits?.p90 ?? null,
      now: this.#now(),
    });
  }
}
