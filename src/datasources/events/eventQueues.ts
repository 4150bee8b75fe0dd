import type { Config, EventQueue } from '../../config/index.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import { formatGlobalId, parseGlobalId } from '../../model/globalId.ts';
import { accountOf } from '../registry.ts';
import type { AwsAccounts } from '../shared/accounts.ts';
import { createAgents, destroyAgents, type Agents } from '../shared/http.ts';
import type { CoverageEvidence } from '../../history/coverageEvidence.ts';
import type { WriterBound } from '../../history/writerBound.ts';
import { EventCoverage, type CoverageState } from './coverage.ts';
import {
  coverageSubject,
  decodeEvent,
  EVENT_SUBJECTS,
  EventRejected,
  subjectParts,
  type JobEvent,
} from './envelope.ts';
import { SqsClient, SqsError, type SqsMessage } from './sqs.ts';

/**
 * `Job.liveBy` of the job with global ID `id`: EVENTS when `events` covers its kind of job (its
 * provider's, or a further kind's: `ProviderEvents.kinds`), account and region now
 * (`EventQueues.covers`), else POLLING. A map lookup or two: cheap per field.
 */
export function liveByOf(
  events: Pick<EventQueues, 'covers'> | undefined,
  config: Config,
  id: string,
): 'EVENTS' | 'POLLING' {
  if (!events) return 'POLLING';
  const key = parseGlobalId(id);
  const alias = accountOf(config, key);
  return events.covers(key, alias, 'region' in key ? key.region : '') ? 'EVENTS' : 'POLLING';
}

/** What became of one message (`jobgraph_events_total{outcome}`). */
export type EventOutcome = 'applied' | 'hint' | 'duplicate' | 'stale' | 'rejected';

/**
 * Where decoded events go (the watch hub): resolves once the event's effect is where the next
 * reader looks (this process's watchers, the replicas' shared channel), and only then is the
 * message deleted.
 */
export type EventSink = (event: JobEvent) => Promise<EventOutcome | Unfinished | Joined>;

/**
 * An outcome with the watched jobs an event that names none by its ID was joined to (a `ref`'s
 * job, a `place` event's jobs): their reads that follow find the change this event announced.
 */
export interface Joined {
  outcome: EventOutcome;
  jobs: readonly string[];
  keep?: true;
}

/** The jobs an outcome names (none for an Unfinished one). */
const jobsOf = (result: Unfinished | Joined): readonly string[] =>
  'jobs' in result ? result.jobs : [];

/**
 * An outcome whose message stays in the queue: the event was applied here but is not yet told to
 * the other replicas (their announcement failed), so SQS hands it out again after its visibility
 * timeout, to this replica (which announces it again) or to another (which applies it).
 */
export interface Unfinished {
  outcome: EventOutcome;
  keep: true;
}

/** What the queues tell the gateway: each message's outcome, each rejection, each queue going down or up. */
export interface EventObserver {
  outcome?(provider: JobProvider | null, outcome: EventOutcome): void;
  /** A message that is no provider's event: its queue, the fixed reason, its message ID (never its body). */
  rejected?(queue: string, reason: string, messageId: string): void;
  /** A queue could not be read (`code`: SQS's error code or Unreachable/Timeout), or is read again (`code` null). */
  queueState?(queue: EventQueue, up: boolean, code: string | null): void;
}

/** One queue's state for /readyz and the start-up summary. */
export interface QueueState {
  /** `<alias>:<region>:<name>`. */
  queue: string;
  /** STARTING until its first answer; UP while it answers; DOWN while it cannot be read. */
  state: 'STARTING' | 'UP' | 'DOWN';
  /** Why it is DOWN (SQS's error code, `Unreachable`, `Timeout`); null otherwise. */
  code: string | null;
  /** Present while it receives nothing: the history writer is over its bound (`bound`). */
  paused?: true;
  /** Times it stopped receiving for that since start (present once it has). */
  pauses?: number;
}

/**
 * The replicas' shared channel (the poll leases over Redis): while it is unavailable an event
 * applied here may not reach the replica that watches its job, so no job is live by events.
 */
export interface ClusterChannel {
  available(): boolean;
  onAvailability(listener: (available: boolean) => void): () => void;
}

/** A provider read of a job, for coverage: its record, and what its events would have announced before and after it (coverage.ts `announcedOf`). */
export interface ReadSeen {
  record: JobRecord;
  before: string;
  after: string;
}

export interface EventQueuesOptions {
  config: Config;
  /** With several replicas (Redis): their channel, whose outage turns coverage off. */
  cluster?: ClusterChannel;
  queues: readonly EventQueue[];
  accounts: AwsAccounts;
  observer?: EventObserver;
  /** Long-poll wait, s (default 20, SQS's longest). */
  waitSeconds?: number;
  /** First wait after a failed read, ms (default 1000), doubling to `maxRetryMs` (default 60000), ±20 %. */
  retryMs?: number;
  maxRetryMs?: number;
  random?: () => number;
  /**
   * The history writer's bound (history/writerBound.ts): while it is over, no queue receives (its
   * messages stay in SQS, handed out once it fits again); the messages received finish as usual.
   */
  bound?: WriterBound;
  /** Receives after which a message is rejected unread (default MAX_RECEIVES); tests move it. */
  maxReceives?: number;
}

/**
 * A message SQS has handed out more often than this (its `ApproximateReceiveCount`) is rejected
 * and deleted unread: its applies never ended, so one that kills the process cannot come back for
 * ever. 5 rides out a crash or two and a short Redis outage's retries (each a visibility timeout
 * later). Fixed (was JOBGRAPH_EVENT_MAX_RECEIVES).
 */
const MAX_RECEIVES = 5;

/** ReceiveMessage's most messages a call. */
const MAX_MESSAGES = 10;

/**
 * The event source: each queue of JOBGRAPH_EVENT_QUEUES long-polled (ReceiveMessage, up to 10
 * messages, `WaitTimeSeconds` 20) with its account's credentials, each message decoded
 * (envelope.ts) and handed to the sink, then deleted in batches once applied (a message that is
 * no provider's event is deleted too: it would only come back). A message whose apply did not end
 * (the process died, the sink threw) is not deleted and SQS hands it out again after its
 * visibility timeout, to this replica or another — up to MAX_RECEIVES times, then
 * it is rejected and deleted unread. A queue that cannot be read is DOWN (its jobs
 * are polled as without events, `covers`), tried again with back-off, and UP at its first answer.
 */
export class EventQueues {
  readonly #options: EventQueuesOptions;
  readonly #agents: Agents;
  readonly #states = new Map<string, QueueState>();
  readonly #coverage = new Set<() => void>();
  readonly #abort = new AbortController();
  readonly #loops: Promise<void>[] = [];
  #sink: EventSink | null = null;
  #closed = false;
  /** What events have shown to cover, per provider, account and region (coverage.ts). */
  readonly #measured: EventCoverage;
  readonly #offCluster: (() => void) | undefined;

  constructor(options: EventQueuesOptions) {
    this.#options = options;
    this.#measured = new EventCoverage(
      options.config.events.missGraceMs,
      () => this.#changed(),
      undefined,
      () => [...this.#states.values()].some((s) => s.paused === true),
    );
    this.#offCluster = options.cluster?.onAvailability(() => this.#changed());
    this.#agents = createAgents(options.queues.length * 2 + 2);
    for (const q of options.queues)
      this.#states.set(q.label, { queue: q.label, state: 'STARTING', code: null });
  }

  /** Where decoded events go; the queues are read from `start` on. */
  attach(sink: EventSink): void {
    this.#sink = sink;
  }

  start(): void {
    for (const q of this.#options.queues) this.#loops.push(this.#consume(q));
  }

  /** Resolves once every queue has answered or failed once (at most `timeoutMs`): the start-up summary's wait. */
  async tried(timeoutMs: number): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while ([...this.#states.values()].some((s) => s.state === 'STARTING') && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50).unref());
  }

  /** Every queue's state, in the order configured. */
  states(): QueueState[] {
    return [...this.#states.values()].map((s) => ({ ...s }));
  }

  /**
   * Whether jobs of `job`'s provider and kind in the account aliased `alias` and `region` are live
   * by events now: the provider publishes events of that kind (`ProviderEvents.kinds`: one kind's
   * events say nothing of whether a rule routes another's), a queue that is UP speaks for that account
   * (`EventQueue.speaksFor`) in that region, an event of theirs has been applied from it and
   * nothing has turned that off since (coverage.ts), and, with replicas, their channel is up. A
   * message on one queue cannot change how another account's jobs are followed: it is rejected
   * before it counts.
   */
  covers(
    job: JobProvider | { provider: JobProvider; kind?: string | undefined },
    alias: string,
    region: string,
  ): boolean {
    // A provider alone: its first kind.
    const subject = coverageSubject(typeof job === 'string' ? { provider: job } : job);
    return this.#why(subject, alias, region) === null;
  }

  /**
   * Every kind of job a provider publishes events of (each provider's first kind, then its further
   * kinds: `kind`), for each account and region a queue speaks for: live or why not.
   */
  coverage(): CoverageState[] {
    const out: CoverageState[] = [];
    const seen = new Set<string>();
    for (const q of this.#options.queues)
      for (const account of q.speaksFor)
        for (const subject of EVENT_SUBJECTS) {
          const key = `${subject}\n${account}\n${q.region}`;
          if (seen.has(key)) continue;
          seen.add(key);
          const reason = this.#why(subject, account, q.region);
          const of = subjectParts(subject);
          out.push({ ...of, account, region: q.region, live: reason === null, reason });
        }
    return out;
  }

  /**
   * The coverage evidence a restart kept (history/coverageEvidence.ts), given before `start`: only
   * places of a provider that publishes events, of an account and region a queue speaks for, count
   * (coverage.ts `restore` judges the rest).
   */
  restoreCoverage(evidence: readonly CoverageEvidence[]): void {
    this.#measured.restore(this.#spoken(evidence));
  }

  /** Whether the other replicas' coverage evidence counts here: they share a channel (Redis) with this one. */
  get sharesCoverage(): boolean {
    return this.#options.cluster !== undefined;
  }

  /**
   * The coverage evidence the replicas wrote, read again while this one runs (coverage.ts
   * `shared`): only with their channel, which brings their applied events to this replica's
   * watches; the places `restoreCoverage` would believe.
   */
  shareCoverage(evidence: readonly CoverageEvidence[]): void {
    if (this.sharesCoverage) this.#measured.shared(this.#spoken(evidence));
  }

  #spoken(evidence: readonly CoverageEvidence[]): CoverageEvidence[] {
    return evidence.filter(
      (e) =>
        EVENT_SUBJECTS.includes(e.provider) &&
        this.#options.queues.some((q) => q.region === e.region && q.speaksFor.includes(e.account)),
    );
  }

  /** The coverage evidence of every place that changed since the last call, to be written. */
  coverageEvidence(): CoverageEvidence[] {
    return this.#measured.evidence();
  }

  /** The last applied event's time by queue and provider (epoch ms). */
  lastApplied(): { queue: string; provider: JobProvider; at: number }[] {
    return this.#measured.lastApplied();
  }

  /**
   * A provider read of a job (a watch's poll, a reconciliation, a listed row) was applied to the
   * job-state store: if it changed what the job's events announce (`announcedOf`) while its
   * provider, account and region are live, an event was missed unless it comes within the grace
   * period. The gateway subscribes this to the store (app.ts).
   */
  readonly readSeen = (seen: ReadSeen): void => {
    if (seen.before === seen.after) return;
    const { record } = seen;
    const [alias, region] = this.#placeOf(record);
    if (this.covers(record, alias, region))
      this.#measured.unannounced(coverageSubject(record), alias, region, record.id);
  };

  /**
   * Another replica's event of a job watched here reached this one through their channel
   * (subscriptions/peerChannel.ts), news or not: a change a read here found first was announced,
   * as by an event of this replica's own queue.
   */
  readonly peerSeen = (record: JobRecord): void =>
    this.#measured.announced(coverageSubject(record), ...this.#placeOf(record), record.id);

  /** The account alias and region of a job's record. */
  #placeOf(record: JobRecord): [string, string] {
    const key = parseGlobalId(record.id);
    const alias = accountOf(this.#options.config, key);
    return [alias, 'region' in key ? key.region : ''];
  }

  #why(subject: string, alias: string, region: string): CoverageState['reason'] {
    if (!EVENT_SUBJECTS.includes(subject)) return 'NO_EVENT';
    const up = this.#options.queues.some(
      (q) =>
        q.region === region &&
        q.speaksFor.includes(alias) &&
        this.#states.get(q.label)?.state === 'UP',
    );
    if (!up) return 'QUEUE_DOWN';
    if (this.#options.cluster && !this.#options.cluster.available()) return 'CLUSTER_DOWN';
    return this.#measured.reason(subject, alias, region);
  }

  /** Told whenever what `covers` answers may have changed (a queue went up or down, coverage was measured). */
  onCoverage(listener: () => void): () => void {
    this.#coverage.add(listener);
    return () => this.#coverage.delete(listener);
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#offCluster?.();
    this.#measured.close();
    this.#abort.abort();
    await Promise.allSettled(this.#loops);
    destroyAgents(this.#agents);
  }

  #client(q: EventQueue): SqsClient {
    const { config, accounts } = this.#options;
    return new SqsClient({
      credentials: () => accounts.credentials(q.alias),
      region: q.region,
      endpoint: config.endpoints.sqs,
      variant: config.awsEndpointVariant,
      agents: this.#agents,
      timeoutMs: config.limits.upstreamTimeoutMs,
    });
  }

  async #consume(q: EventQueue): Promise<void> {
    const client = this.#client(q);
    const { retryMs = 1000, maxRetryMs = 60_000, random = Math.random } = this.#options;
    let failures = 0;
    while (!this.#closed) {
      const bound = this.#options.bound;
      if (bound?.over()) await this.#held(q, bound);
      if (this.#closed) return;
      let messages;
      // Until the queue has answered (at start, after a failure) the call does not wait: its
      // health is known at once, not after a long poll's 20 s.
      const wait =
        this.#states.get(q.label)?.state === 'UP' ? (this.#options.waitSeconds ?? 20) : 0;
      try {
        messages = await client.receive(q.url, MAX_MESSAGES, wait, this.#abort.signal);
      } catch (err) {
        if (this.#closed) return;
        this.#set(q, 'DOWN', err instanceof SqsError ? err.code : 'Unreachable');
        const wait = Math.min(maxRetryMs, retryMs * 2 ** failures) * (0.8 + 0.4 * random());
        failures += 1;
        await this.#sleep(wait);
        continue;
      }
      failures = 0;
      this.#set(q, 'UP', null);
      const done = await this.#apply(q, messages);
      if (done.length === 0 || this.#closed) continue;
      // Not deleted (SQS refused, or the call failed): back after the visibility timeout, and
      // applying it again changes nothing (a duplicate).
      await client.deleteBatch(q.url, done).catch(() => undefined);
    }
  }

  /**
   * Each message decoded and applied in order: the receipt handles of those done with. One handed
   * out more than `maxReceives` times is rejected unread: its earlier applies never
   * ended (the sink threw, or the process died in it), so applying it again may only fail again.
   */
  async #apply(q: EventQueue, messages: readonly SqsMessage[]): Promise<string[]> {
    const { config, accounts, observer } = this.#options;
    const maxReceives = this.#options.maxReceives ?? MAX_RECEIVES;
    const done: string[] = [];
    const reject = (m: (typeof messages)[number], reason: string) => {
      observer?.rejected?.(q.label, reason, m.messageId);
      observer?.outcome?.(null, 'rejected');
      done.push(m.receiptHandle);
    };
    for (const m of messages) {
      if (m.receiveCount > maxReceives) {
        reject(m, `received more than ${maxReceives} times`);
        continue;
      }
      if (m.damaged) {
        // Not read, not deleted: it comes back after its visibility timeout, whole this time.
        observer?.rejected?.(q.label, 'body checksum mismatch', m.messageId);
        observer?.outcome?.(null, 'rejected');
        continue;
      }
      let event: JobEvent;
      try {
        event = decodeEvent(m.body, config, accounts, q);
      } catch (err) {
        const of = err instanceof EventRejected ? err.of : undefined;
        if (of) this.#measured.rejected(coverageSubject(of), of.place.account, of.place.region);
        reject(m, err instanceof EventRejected ? err.reason : 'unreadable');
        continue;
      }
      const sink = this.#sink;
      if (!sink) continue;
      try {
        // Applied first: `observer?.outcome?.(…)` would not even evaluate its arguments without an observer.
        const result = await this.#unlessClosed(sink(event));
        const outcome = typeof result === 'string' ? result : result.outcome;
        this.#measure(q, event, outcome, typeof result === 'string' ? [] : jobsOf(result));
        observer?.outcome?.(event.provider, outcome);
        if (typeof result === 'string' || result.keep !== true) done.push(m.receiptHandle);
      } catch {
        // Not applied (or stopped first): left for SQS to hand out again.
      }
    }
    return done;
  }

  /** An event decoded and applied (whatever its verdict): its kind of job's coverage is measured by it. */
  #measure(q: EventQueue, event: JobEvent, outcome: EventOutcome, joined: readonly string[]): void {
    const { place, meaning } = event;
    const subject = coverageSubject(event);
    if (meaning.kind === 'record')
      this.#measured.announced(subject, place.account, place.region, meaning.record.id);
    // A hint's job is read after it: that read's change is the one the event announced.
    const hinted = meaning.kind === 'hint' ? [formatGlobalId(meaning.key)] : joined;
    for (const id of hinted) this.#measured.hinted(subject, place.account, place.region, id);
    // A duplicate or a stale event proves the route no more than a replay would: only news counts.
    if (outcome === 'applied' || outcome === 'hint')
      this.#measured.applied(subject, place.account, place.region, q.label);
  }

  /** `applying`, unless the queues close first (then it rejects: the message stays in the queue). */
  #unlessClosed<T>(applying: Promise<T>): Promise<T> {
    const signal = this.#abort.signal;
    if (signal.aborted) return Promise.reject(new Error('closed'));
    return new Promise<T>((resolve, reject) => {
      const closed = () => reject(new Error('closed'));
      signal.addEventListener('abort', closed, { once: true });
      applying.then(
        (v) => {
          signal.removeEventListener('abort', closed);
          resolve(v);
        },
        (err: unknown) => {
          signal.removeEventListener('abort', closed);
          reject(err instanceof Error ? err : new Error(String(err)));
        },
      );
    });
  }

  /**
   * Receive nothing until the history writer fits its bound again (or the queues close): a
   * consumer that went on would only add to what waits to be written. The messages stay in SQS,
   * durable; its state stays what it was (a paused queue is as live as before), marked `paused`.
   */
  async #held(q: EventQueue, bound: WriterBound): Promise<void> {
    const s = this.#states.get(q.label);
    if (s) {
      s.paused = true;
      s.pauses = (s.pauses ?? 0) + 1;
    }
    await this.#unlessClosed(bound.fits()).catch(() => undefined);
    if (s) delete s.paused;
  }

  #set(q: EventQueue, state: 'UP' | 'DOWN', code: string | null): void {
    const s = this.#states.get(q.label);
    if (!s || (s.state === state && s.code === code)) return;
    const was = s.state;
    s.state = state;
    s.code = code;
    if (state === 'DOWN') this.#measured.queueDown(q);
    if (state === 'DOWN' || was === 'DOWN')
      this.#options.observer?.queueState?.(q, state === 'UP', code);
    this.#changed();
  }

  #changed(): void {
    for (const listener of [...this.#coverage]) listener();
  }

  #sleep(ms: number): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(done, ms);
      const signal = this.#abort.signal;
      function done() {
        clearTimeout(timer);
        signal.removeEventListener('abort', done);
        resolve();
      }
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
