import { UpstreamError } from '../errors.ts';
import type { JobLogs } from '../datasources/logs/jobLogs.ts';
import type { JobLogPlace } from '../datasources/shared/provider.ts';
import type { JobProvider } from '../model/job.ts';
import type { Scheduler } from './scheduler.ts';

/** A live tail polls its stream at most this often, in ms (one GetLogEvents a second). */
const LOG_FOLLOW_MS = 1_000;

/** The caller the shared log pollers read as: one poller serves every subscriber of its stream. */
const LOG_FOLLOW_CALLER = '(jobLogs pollers)';

/** One line as `Subscription.jobLogs` sends it (`JobLogLine`). */
export interface FollowedLine {
  at: string;
  message: string;
}

/** What a follower is told: a line, or that the tail has ended. */
export interface LogFollower {
  line(line: FollowedLine): void;
  end(): void;
}

/** Where and whose a followed stream is. */
export interface FollowedStream {
  provider: JobProvider;
  account: string;
  place: JobLogPlace;
}

/** One stream's poller and its followers. */
class StreamPoller {
  readonly followers = new Set<LogFollower>();
  #token: string | null = null;
  #timer: unknown;
  #polling = false;
  #ending = false;
  #done = false;

  constructor(
    private readonly stream: FollowedStream,
    private readonly logs: JobLogs,
    private readonly scheduler: Scheduler,
    private readonly onDone: () => void,
  ) {}

  start(): void {
    void this.#poll();
  }

  /** The job has ended: one last read, then every follower's tail ends. */
  jobEnded(): void {
    this.#ending = true;
    if (!this.#polling) {
      this.scheduler.clearTimeout(this.#timer);
      void this.#poll();
    }
  }

  stop(): void {
    this.#done = true;
    this.scheduler.clearTimeout(this.#timer);
  }

  async #poll(): Promise<void> {
    if (this.#done) return;
    this.#polling = true;
    let waitMs = LOG_FOLLOW_MS;
    // Whether this read began after the job ended: its answer holds the job's last lines.
    const last = this.#ending;
    let read = false;
    try {
      const got = await this.logs.follow({
        provider: this.stream.provider,
        account: this.stream.account,
        place: this.stream.place,
        token: this.#token,
        caller: LOG_FOLLOW_CALLER,
      });
      read = true;
      if (got) {
        this.#token = got.token;
        for (const e of got.lines) {
          const line = { at: new Date(e.at).toISOString(), message: e.message };
          for (const f of this.followers) f.line(line);
        }
      }
    } catch (err) {
      // Over the log budget or failing: the poller waits longer, as a watched job's does; the
      // subscribers see no error event, and no line is lost (the token stays where it was).
      const retry = err instanceof UpstreamError ? err.retryAfterMs : null;
      waitMs = Math.max(LOG_FOLLOW_MS, retry ?? LOG_FOLLOW_MS * 5);
    } finally {
      this.#polling = false;
    }
    if (this.#done) return;
    // Ended once a read made after the job's end has come back (its last lines sent).
    if (last && read) {
      this.#done = true;
      for (const f of this.followers) f.end();
      this.followers.clear();
      this.onDone();
      return;
    }
    this.#timer = this.scheduler.setTimeout(() => void this.#poll(), waitMs);
  }
}

/**
 * The live tails of the process (`Subscription.jobLogs`, docs/logs.md): one poller per stream,
 * shared by all its followers, reading what was written since its last read at most once a second
 * (LOG_FOLLOW_MS) on the watch scheduler, within the log budget; a follower that leaves is
 * forgotten, the last one stops the poller; the job's end ends them all after one last read.
 */
export class LogFollowers {
  readonly #pollers = new Map<string, StreamPoller>();

  constructor(
    private readonly logs: JobLogs,
    private readonly scheduler: Scheduler,
  ) {}

  /** Follow `stream`; returns the leave. */
  follow(stream: FollowedStream, follower: LogFollower): { leave(): void; jobEnded(): void } {
    const key = JSON.stringify([
      stream.account,
      stream.place.region,
      stream.place.group,
      stream.place.stream,
    ]);
    let poller = this.#pollers.get(key);
    if (!poller) {
      const made: StreamPoller = new StreamPoller(stream, this.logs, this.scheduler, () => {
        if (this.#pollers.get(key) === made) this.#pollers.delete(key);
      });
      poller = made;
      this.#pollers.set(key, made);
      made.followers.add(follower);
      made.start();
    } else poller.followers.add(follower);
    const at = poller;
    return {
      leave: () => {
        at.followers.delete(follower);
        if (at.followers.size === 0) {
          at.stop();
          if (this.#pollers.get(key) === at) this.#pollers.delete(key);
        }
      },
      jobEnded: () => at.jobEnded(),
    };
  }

  /** Streams polled now. */
  size(): number {
    return this.#pollers.size;
  }

  close(): void {
    for (const poller of this.#pollers.values()) {
      for (const f of poller.followers) f.end();
      poller.stop();
    }
    this.#pollers.clear();
  }
}

/** One `jobLogs` subscription's lines as an async iterator: pushed by its stream's poller, ended by the job's end or an error. */
export class LineQueue implements AsyncIterableIterator<FollowedLine | Error> {
  readonly #queue: (FollowedLine | Error)[] = [];
  #waiting: ((r: IteratorResult<FollowedLine | Error>) => void) | null = null;
  #ended = false;
  #onReturn: (() => void) | undefined;

  onReturn(fn: () => void): void {
    this.#onReturn = fn;
  }

  push(item: FollowedLine | Error): void {
    if (this.#ended) return;
    const waiting = this.#waiting;
    if (waiting) {
      this.#waiting = null;
      waiting({ value: item, done: false });
    } else this.#queue.push(item);
  }

  /** An error event, then the end. */
  fail(err: Error): void {
    this.push(err);
    this.end();
  }

  end(): void {
    if (this.#ended) return;
    this.#ended = true;
    if (this.#queue.length === 0) {
      const waiting = this.#waiting;
      this.#waiting = null;
      waiting?.({ value: undefined, done: true });
    }
    this.#onReturn?.();
  }

  next(): Promise<IteratorResult<FollowedLine | Error>> {
    const item = this.#queue.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.#ended) return Promise.resolve({ value: undefined, done: true });
    return new Promise((resolve) => (this.#waiting = resolve));
  }

  return(): Promise<IteratorResult<FollowedLine | Error>> {
    this.#queue.length = 0;
    this.end();
    return Promise.resolve({ value: undefined, done: true });
  }

  [Symbol.asyncIterator](): this {
    return this;
  }
}
