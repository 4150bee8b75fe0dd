import { LRUCache } from 'lru-cache';
import type { Config } from '../../config/index.ts';
import { UpstreamError } from '../../errors.ts';
import type { JobProvider } from '../../model/job.ts';
import { BREAKER_HALF_OPEN_MS, RegionalBreakers } from '../guard/breakers.ts';
import { failureOf } from '../guard/failures.ts';
import { PROVIDER_LABEL } from '../shared/classify.ts';
import { awsAlias, type AwsAccounts } from '../shared/accounts.ts';
import type { AttemptObserver } from '../shared/attempts.ts';
import type { AwsSourceOptions, TransportOptions } from '../shared/options.ts';
import type { JobLogPlace } from '../shared/provider.ts';
import { createSource, type ProviderSource } from '../shared/source.ts';
import {
  GET_LOG_EVENTS,
  LOGS_LABEL,
  LOGS_MAX_BODY_BYTES,
  LOGS_SERVICE_NAME,
  MAX_LOG_EVENTS_PER_CALL,
  logsWire,
  type LogEvent,
  type LogEventsPage,
} from './cloudWatchLogs.ts';
import { LogBudget, type LogTurns } from './logBudget.ts';

/** The most lines one tail answers (`logTail(last:)`, 1..1000). */
export const MAX_TAIL_LINES = 1_000;
/** The bytes of finished attempts' tails kept in this process, at most (least recently read dropped first). */
const KEPT_TAIL_BYTES = 16 * 1024 * 1024;
/** A page this close to GetLogEvents' 1 MB cap may have been cut by it: older lines may exist. */
const NEAR_PAGE_CAP_BYTES = 1_048_576 - 262_144;

/** The newest lines of a stream, oldest first, and whether older ones exist. */
export interface LogTail {
  lines: LogEvent[];
  hasMore: boolean;
}

/** What one tail is asked for: whose job, in which account, where its lines are, how many. */
export interface TailRequest {
  provider: JobProvider;
  /** The account's alias (`default`: the default account). */
  account: string;
  place: JobLogPlace;
  /** 1..MAX_TAIL_LINES. */
  last: number;
  /** The token's subject, for its fair share of the log budget. */
  caller: string;
  /** Notifications' reads: they may take the log budget's reserve (logBudget.ts). */
  reserve?: boolean;
  signal?: AbortSignal;
}

/** One read of a stream's newest MAX_TAIL_LINES: what it found, or null when the stream does not exist. */
type TailRead = { events: LogEvent[]; hasMore: boolean } | null;

/** A read as the tails' cache holds it: kept past its end only when `kept` (a finished attempt's, found). */
interface HeldRead {
  read: TailRead;
  kept: boolean;
}

/** What the job logs tell their observer (metrics): never a line, a group or a stream. */
export interface JobLogsObserver {
  /** A GetLogEvents call was made (`kept`: none, the tail was kept; `shared`: joined one in flight). */
  logRead?(outcome: 'called' | 'kept' | 'shared' | 'refused'): void;
}

/**
 * A job attempt's log lines (docs/logs.md), read from CloudWatch Logs only when someone asks:
 * each GetLogEvents call goes through the one source pipeline (the account's credentials or
 * assumed role, retries, body cap, clock skew, the error funnel), under the circuit breaker of
 * the account's region, and takes a turn of the log budget (`JOBGRAPH_LOG_READS_PER_SECOND` per
 * account and region, each caller its share, notifications a reserve: logBudget.ts; over it
 * UPSTREAM_THROTTLED with `retryAfterMs`, no call). Concurrent asks for one stream share one call
 * whatever their `last`; a finished attempt's tail (it no longer changes) is kept in this
 * process, bounded in bytes, and served again without a call. Its failures name CloudWatch Logs. Lines are never logged, traced,
 * counted by content, written to the history store or to Redis.
 */
export class JobLogs {
  readonly #source: ProviderSource<JobProvider, never>;
  readonly #breakers: RegionalBreakers;
  readonly #budget: LogTurns;
  readonly #budgetMs: number;
  readonly #perSecond: number;
  readonly #observer: JobLogsObserver | undefined;
  /**
   * The tails by stream (lru-cache's fetch): a read in flight, which every ask of its stream joins
   * (each reads MAX_TAIL_LINES); a finished attempt's tail once read, at most `maxKeptBytes` of
   * them (their lines' bytes, 64 a line more), the least recently read dropped first. Any other
   * read leaves as it ends.
   */
  readonly #tails: LRUCache<string, HeldRead, TailRequest>;
  /** GetLogEvents calls made (each call once, whatever its attempts): tests and the bench count them. */
  calls = 0;

  constructor(options: {
    source: ProviderSource<JobProvider, never>;
    breakers: RegionalBreakers;
    budget: LogTurns;
    perSecond: number;
    budgetMs: number;
    maxKeptBytes?: number;
    observer?: JobLogsObserver;
  }) {
    this.#source = options.source;
    this.#breakers = options.breakers;
    this.#budget = options.budget;
    this.#perSecond = options.perSecond;
    this.#budgetMs = options.budgetMs;
    this.#tails = new LRUCache({
      maxSize: options.maxKeptBytes ?? KEPT_TAIL_BYTES,
      // A read not kept counts 1 for the moment it is held: it pushes no kept tail out.
      sizeCalculation: ({ read, kept }) =>
        kept && read
          ? Math.max(
              1,
              read.events.reduce((n, e) => n + Buffer.byteLength(e.message) + 64, 0),
            )
          : 1,
      // A failed read leaves the shorter tail kept before it as it was.
      noDeleteOnFetchRejection: true,
      fetchMethod: async (_key, _kept, { context }) => ({
        read: await this.#read(context),
        kept: context.place.finished,
      }),
    });
    this.#observer = options.observer;
  }

  /**
   * The newest `last` lines of the stream at `place`, oldest first; null when the stream does not
   * exist (yet). Rejects with the provider's UpstreamError (UPSTREAM_THROTTLED over the budget).
   */
  async tail(request: TailRequest): Promise<LogTail | null> {
    const { place, last } = request;
    if (!Number.isInteger(last) || last < 1 || last > MAX_TAIL_LINES)
      throw new RangeError(`last must be 1..${MAX_TAIL_LINES}`);
    const key = JSON.stringify([request.account, place.region, place.group, place.stream]);
    const kept = this.#tails.peek(key)?.read;
    // A call costs the same whatever its lines: each read asks for MAX_TAIL_LINES, so an ask for
    // any `last` joins the read in flight of its stream (issue 100: growing `last`s made a call each).
    const status: LRUCache.Status<string, HeldRead> = {};
    const held = (await this.#tails.fetch(key, {
      context: request,
      forceRefresh: kept ? kept.events.length < last && kept.hasMore : false,
      status,
    }))!;
    if (status.fetch === 'hit') this.#observer?.logRead?.('kept');
    else if (status.fetch === 'inflight') this.#observer?.logRead?.('shared');
    if ((!held.kept || held.read === null) && this.#tails.peek(key) === held)
      this.#tails.delete(key);
    return held.read && tailOf(held.read, last);
  }

  /**
   * The lines written since `token` (a forward token this answered before; null: none yet, only
   * where the stream ends now), oldest first, and the token to read on from: what a live tail
   * polls (subscriptions/logFollowers.ts). Null when the stream does not exist (yet). Budgeted
   * as every read; never kept or shared (each poll is the one poller's of its stream).
   */
  async follow(
    request: Omit<TailRequest, 'last'> & { token: string | null },
  ): Promise<{ lines: LogEvent[]; token: string | null } | null> {
    await this.#spend(request);
    const page = await this.#call(request, {
      limit: request.token === null ? 1 : MAX_LOG_EVENTS_PER_CALL,
      startFromHead: request.token !== null,
      ...(request.token === null ? {} : { nextToken: request.token }),
    });
    if (page === null) return null;
    return {
      lines: request.token === null ? [] : page.events,
      token: page.nextForwardToken ?? request.token,
    };
  }

  /** One call of the log budget, or UPSTREAM_THROTTLED with when to try again (no call made). */
  async #spend(
    request: Pick<TailRequest, 'account' | 'place' | 'provider' | 'caller' | 'reserve'>,
  ): Promise<void> {
    const { place, provider } = request;
    const waitMs = await this.#budget.take({
      account: request.account,
      region: place.region,
      caller: request.caller,
      ...(request.reserve === true ? { reserve: true } : {}),
    });
    if (waitMs > 0) {
      this.#observer?.logRead?.('refused');
      throw new UpstreamError({
        provider,
        code: 'UPSTREAM_THROTTLED',
        message: `jobgraph's job log budget for account ${request.account} in ${place.region} (${this.#perSecond} reads/s, JOBGRAPH_LOG_READS_PER_SECOND; a caller's share half of it) is spent; try again in ${waitMs} ms.`,
        retryable: false,
        retryAfterMs: waitMs,
        service: LOGS_SERVICE_NAME,
      });
    }
    this.#observer?.logRead?.('called');
  }

  /** One GetLogEvents call for the newest MAX_TAIL_LINES lines (and one more, to know whether older exist). */
  async #read(request: TailRequest): Promise<TailRead> {
    await this.#spend(request);
    const last = MAX_TAIL_LINES;
    const limit = Math.min(last + 1, MAX_LOG_EVENTS_PER_CALL);
    const page = await this.#call(request, { limit, startFromHead: false });
    if (page === null) return null;
    const { events, bytes } = page;
    return {
      events: events.length > last ? events.slice(events.length - last) : events,
      hasMore: events.length > last || (events.length < limit && bytes > NEAR_PAGE_CAP_BYTES),
    };
  }

  /** One GetLogEvents call under the account's circuit of the region; null for a stream that does not exist. */
  async #call(
    request: Omit<TailRequest, 'last'>,
    paging: { limit: number; startFromHead: boolean; nextToken?: string },
  ): Promise<LogEventsPage | null> {
    const { place, provider } = request;
    const budget = AbortSignal.timeout(this.#budgetMs);
    const signal = request.signal ? AbortSignal.any([request.signal, budget]) : budget;
    const alias = awsAlias(request.account);
    let page: LogEventsPage;
    try {
      page = await this.#breakers.executeIn(
        place.region,
        `logs:${place.group}:${place.stream}`,
        (attemptSignal) => {
          this.calls += 1;
          return this.#source.call(
            GET_LOG_EVENTS,
            { provider, region: place.region, group: place.group, stream: place.stream, ...paging },
            {
              signal: attemptSignal,
              caller: request.caller,
              ...(alias === undefined ? {} : { account: alias }),
            },
          );
        },
        signal,
        alias,
      );
    } catch (err) {
      const failure = failureOf(err, provider, place.region, this.#budgetMs, budget.aborted);
      if (failure instanceof UpstreamError && failure.code === 'NOT_FOUND') return null;
      throw ofCloudWatchLogs(failure, provider);
    }
    return page;
  }

  /** The bytes of the finished tails kept now. */
  keptBytes(): number {
    return this.#tails.calculatedSize;
  }

  close(): void {
    this.#source.close?.();
  }
}

/**
 * `failure` said of CloudWatch Logs, which failed, not of the job's provider, whose name the one
 * error funnel begins its messages with (`AWS Batch is unavailable …`): the same error, its
 * message's first words and `extensions.service` naming the service (issue 100).
 */
function ofCloudWatchLogs(failure: Error, provider: JobProvider): Error {
  if (!(failure instanceof UpstreamError)) return failure;
  const label = PROVIDER_LABEL[provider];
  const message = failure.message.startsWith(`${label} `)
    ? `${LOGS_LABEL}${failure.message.slice(label.length)}`
    : failure.message;
  return failure.derive({ message, service: LOGS_SERVICE_NAME });
}

/** The newest `last` lines of a read. */
function tailOf(read: NonNullable<TailRead>, last: number): LogTail {
  const lines =
    read.events.length > last ? read.events.slice(read.events.length - last) : read.events;
  return { lines, hasMore: read.hasMore || read.events.length > last };
}

/**
 * The job logs of a gateway: CloudWatch Logs through its own source (SigV4 `logs`, the endpoint
 * of AWS_ENDPOINT_URL_CLOUDWATCH_LOGS or the region's, the AWS accounts' credentials), its own
 * circuit breakers per account and region (CloudWatch Logs being down opens no Batch circuit),
 * and the log budget of `JOBGRAPH_LOG_READS_PER_SECOND`: its turns taken in `turns` where given (with
 * Redis, every replica's at once: src/gateway/sharedStores.ts `openLogBudget`), else in this
 * process on `now`'s clock (default the real one).
 */
export function createJobLogs(
  config: Config,
  transport: TransportOptions & {
    awsAccounts?: AwsAccounts;
    breakerHalfOpenMs?: number;
    /** Bytes of finished tails kept (default 16 MiB). */
    maxKeptBytes?: number;
  },
  observer?: AttemptObserver & JobLogsObserver,
  now?: () => number,
  turns?: LogTurns,
): JobLogs {
  const options: AwsSourceOptions = {
    timeoutMs: transport.timeoutMs,
    maxAttempts: config.awsMaxAttempts ?? transport.maxAttempts,
    maxSockets: transport.maxSockets,
    ...(transport.maxClients === undefined ? {} : { maxClients: transport.maxClients }),
    // A page holds up to 1 MB of lines, JSON-escaped: read it whole whatever the cap of job answers.
    maxBodyBytes: Math.max(transport.maxBodyBytes ?? 0, LOGS_MAX_BODY_BYTES),
    ...(transport.budgetMs === undefined ? {} : { budgetMs: transport.budgetMs }),
    ...(observer ? { observer } : {}),
    ...(config.awsCredentials ? { credentials: config.awsCredentials } : {}),
    ...(transport.awsAccounts ? { accounts: transport.awsAccounts } : {}),
    ...(config.endpoints.logs ? { endpoint: config.endpoints.logs } : {}),
    endpointVariant: config.awsEndpointVariant,
  };
  // Errors are made as AWS Batch's, whose jobs' logs these are (the one provider with job logs),
  // and said of CloudWatch Logs as they leave (`ofCloudWatchLogs`).
  const source = createSource(
    { name: 'AWS_BATCH', setup: { wire: logsWire } },
    options,
  ) as unknown as ProviderSource<JobProvider, never>;
  const perSecond = config.resilience.logReadsPerSecond;
  return new JobLogs({
    source,
    breakers: new RegionalBreakers({
      breakerFailures: config.resilience.breakerFailures,
      breakerHalfOpenMs: transport.breakerHalfOpenMs ?? BREAKER_HALF_OPEN_MS,
    }),
    budget: turns ?? new LogBudget({ perSecond, burst: perSecond, ...(now ? { now } : {}) }),
    perSecond,
    budgetMs: config.resilience.upstreamBudgetMs,
    ...(transport.maxKeptBytes === undefined ? {} : { maxKeptBytes: transport.maxKeptBytes }),
    ...(observer ? { observer } : {}),
  });
}
