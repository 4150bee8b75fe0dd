import { JobgraphError } from '../errors.ts';
import type { JobKey } from '../model/globalId.ts';
import type { JobRecord } from '../model/job.ts';
import { watchSettled } from './watchChange.ts';
import type { WatchRegistry } from './watchRegistry.ts';
import type { Scheduler } from './scheduler.ts';

/** The stream of one subscription ended because its token expired. */
class TokenExpiredError extends JobgraphError {
  constructor() {
    super('UNAUTHENTICATED', 'The bearer token has expired; subscribe again with a fresh token.');
  }
}

export interface JobStreamOptions {
  registry: WatchRegistry;
  scheduler: Scheduler;
  /** When the subscriber's token stops being accepted (exp + clock tolerance), in ms since the epoch; none: never. */
  endsAt?: number;
  /** Whether the subscriber may read the jobs' secrets (default true), told to the job's watch (jobWatch.ts). */
  secrets?: boolean;
  /** The `Job` fields the subscription selects, told to the read schedules (what events do not carry is polled). */
  fields?: ReadonlySet<string>;
  /** Called once when the stream ends, however it ends (frees the subscription slot). */
  onEnd(): void;
}

type Item = JobRecord | Error;

/**
 * One subscription's events: for each job its current record at once, then each change, or
 * its one error (a malformed ID is an error at once and is never watched); completes when every
 * job is settled ({@link watchSettled}: terminal, or without a status to watch) or failed, when the token expires (after an UNAUTHENTICATED error), or when
 * `end()` is called (shutdown). Items are the read schedules' shared records, never copied or
 * changed.
 */
export class JobStream implements AsyncIterableIterator<Item> {
  private readonly queue: Item[] = [];
  private waiting: ((r: IteratorResult<Item>) => void) | null = null;
  private readonly unsubscribes: (() => void)[] = [];
  private remaining: number;
  private ended = false;
  private cleaned = false;
  private expiry: unknown = undefined;

  constructor(
    items: readonly (JobKey | Error)[],
    private readonly options: JobStreamOptions,
  ) {
    this.remaining = items.length;
    if (items.length === 0) this.ended = true;
    for (const item of items) {
      if (item instanceof Error) {
        this.push(item);
        this.jobDone();
        continue;
      }
      let finished = false;
      const unsubscribe = options.registry.watch(
        item,
        (event) => {
          if (finished || this.ended) return;
          if (event.kind === 'error') {
            this.push(event.error);
          } else if (event.kind === 'record') {
            this.push(event.record);
            // An event's settled record waits for the read that confirms it (`confirmed`) or corrects it.
            if (!watchSettled(event.record) || event.unconfirmed) return;
          }
          finished = true;
          this.jobDone();
        },
        options.secrets ?? true,
        options.fields,
      );
      if (this.cleaned) unsubscribe();
      else this.unsubscribes.push(unsubscribe);
    }
    if (options.endsAt !== undefined && !this.ended) {
      this.expiry = options.scheduler.setTimeout(() => {
        this.push(new TokenExpiredError());
        this.end();
      }, options.endsAt - options.scheduler.now());
    }
  }

  /** Whether the stream has stopped watching (its remaining events may still be queued). */
  isEnded(): boolean {
    return this.ended;
  }

  [Symbol.asyncIterator](): this {
    return this;
  }

  /** Stop watching; events already queued are still delivered, then the stream completes. */
  end(): void {
    if (this.ended) return;
    this.ended = true;
    this.cleanup();
    this.flush();
  }

  next(): Promise<IteratorResult<Item>> {
    const item = this.queue.shift();
    if (item !== undefined) return Promise.resolve({ value: item, done: false });
    if (this.ended) {
      this.cleanup();
      return Promise.resolve({ value: undefined, done: true });
    }
    return new Promise((resolve) => (this.waiting = resolve));
  }

  return(): Promise<IteratorResult<Item>> {
    this.ended = true;
    this.queue.length = 0;
    this.cleanup();
    this.flush();
    return Promise.resolve({ value: undefined, done: true });
  }

  throw(err?: unknown): Promise<IteratorResult<Item>> {
    void this.return();
    return Promise.reject(err instanceof Error ? err : new Error(String(err)));
  }

  private push(item: Item): void {
    if (this.ended) return;
    this.queue.push(item);
    this.flush();
  }

  private jobDone(): void {
    this.remaining -= 1;
    if (this.remaining <= 0) this.end();
  }

  /** Hand the next item (or the end) to a waiting `next()`. */
  private flush(): void {
    const waiting = this.waiting;
    if (!waiting) return;
    const item = this.queue.shift();
    if (item !== undefined) {
      this.waiting = null;
      waiting({ value: item, done: false });
    } else if (this.ended) {
      this.waiting = null;
      waiting({ value: undefined, done: true });
    }
  }

  private cleanup(): void {
    if (this.cleaned) return;
    this.cleaned = true;
    if (this.expiry !== undefined) this.options.scheduler.clearTimeout(this.expiry);
    for (const unsubscribe of this.unsubscribes.splice(0)) unsubscribe();
    this.options.onEnd();
  }
}
