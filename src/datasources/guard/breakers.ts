import {
  CircuitState,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
  type IBreaker,
} from 'cockatiel';
import { UpstreamError } from '../../errors.ts';
import { formatGlobalId, type JobKey } from '../../model/globalId.ts';

/** When a region's circuit opens and how long it stays open. */
export interface BreakerOptions {
  /** Distinct jobs failing in a row (unavailable, no success between) that open the circuit. */
  breakerFailures: number;
  /** How long the circuit stays open before one trial call, in ms. */
  breakerHalfOpenMs: number;
}

/** The breaker key of a job: its region, or `global` for a provider without regions. */
export function breakerRegion(key: JobKey): string {
  return 'region' in key ? key.region : 'global';
}

/**
 * Error codes that say the fault is on jobgraph's side of the wire, not the provider's: a
 * region or host that does not resolve (ENOTFOUND, EAI_AGAIN), a URL jobgraph could not
 * build. A provider that is down answers, refuses, resets or times out; it does not fail to
 * be named.
 */
const LOCAL_FAULT_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'EAI_AGAIN',
  'EAI_NONAME',
  'EAI_FAIL',
  'EAI_NODATA',
  'ERR_INVALID_URL',
  'ERR_INVALID_CHAR',
  'ERR_INVALID_HTTP_TOKEN',
  'ERR_UNESCAPED_CHARACTERS',
  'ERR_INVALID_ARG_TYPE',
  'ERR_INVALID_ARG_VALUE',
  // Out of file descriptors: jobgraph's own exhaustion, not the provider's.
  'EMFILE',
  'ENFILE',
]);

/** Programming errors: a bug of jobgraph's (in parsing, say) is never the provider's fault. */
const BUG_ERRORS = [TypeError, RangeError, ReferenceError, SyntaxError] as const;

function isLocalFault(err: unknown, depth = 0): boolean {
  if (depth > 5 || err === null || typeof err !== 'object') return false;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && LOCAL_FAULT_CODES.has(e.code)) return true;
  if (BUG_ERRORS.some((C) => err instanceof C)) return true;
  if (Array.isArray(e.errors) && e.errors.some((inner) => isLocalFault(inner, depth + 1)))
    return true;
  return isLocalFault(e.cause, depth + 1);
}

/**
 * Whether a failure counts against the provider's circuit: only "the provider is down"
 * (UPSTREAM_UNAVAILABLE: 5xx, timeouts, resets) does. Not-found, throttling, bad bodies,
 * jobgraph's own bugs, and faults of the caller's or jobgraph's making (a region that does
 * not resolve, an invalid host) do not, so no caller can open a healthy provider's circuit.
 */
export function countsAgainstProvider(err: unknown): boolean {
  return (
    err instanceof UpstreamError && err.code === 'UPSTREAM_UNAVAILABLE' && !isLocalFault(err.cause)
  );
}

/**
 * Opens a circuit once `threshold` distinct jobs have failed in a row. Counting jobs rather than
 * failures means one job that keeps failing (one caller asking again and again for a job the
 * provider cannot serve) is that job's trouble, not the region's, and cannot open the circuit for
 * everyone. A repeated job is not counted at all (`count` says so): it neither adds nor resets.
 */
export class DistinctJobsBreaker implements IBreaker {
  readonly #threshold: number;
  #jobs = new Set<string>();
  /** Failures with no job to tell them apart (made outside `RegionalBreakers.execute`): each counts. */
  #unattributed = 0;

  constructor(threshold: number) {
    this.#threshold = threshold;
  }

  /** For cockatiel's `toJSON` and `initialState`. */
  get state(): unknown {
    return { jobs: [...this.#jobs], unattributed: this.#unattributed };
  }

  set state(value: unknown) {
    const v = (value ?? {}) as { jobs?: unknown; unattributed?: unknown };
    this.#jobs = new Set(
      Array.isArray(v.jobs) ? v.jobs.filter((j): j is string => typeof j === 'string') : [],
    );
    this.#unattributed = typeof v.unattributed === 'number' ? v.unattributed : 0;
  }

  /** Counts a failure of `job` (or of no known job) in the current run; false when that job is already counted. */
  count(job: string | undefined): boolean {
    if (job === undefined) {
      this.#unattributed += 1;
      return true;
    }
    if (this.#jobs.has(job)) return false;
    this.#jobs.add(job);
    return true;
  }

  /** Starts a new run. */
  clear(): void {
    this.#jobs.clear();
    this.#unattributed = 0;
  }

  success(): void {
    this.clear();
  }

  failure(): boolean {
    return this.#jobs.size + this.#unattributed >= this.#threshold;
  }
}

/**
 * A failure of one job, as the region's policy sees it: the job travels with the error, so the
 * breaker tells jobs apart even when two calls reject with the same error object. Never leaves
 * `RegionalBreakers.execute`.
 */
class JobFailure extends Error {
  constructor(
    readonly job: string,
    readonly failure: unknown,
  ) {
    super('job failure');
  }
}

/**
 * One circuit breaker per region of a provider, made on first use. Regions are checked
 * against the regions the provider serves before any call (globalId.ts), so the map is
 * bounded by those lists.
 */
export class RegionalBreakers {
  readonly #options: BreakerOptions;
  readonly #breakers = new Map<string, CircuitBreakerPolicy>();

  constructor(options: BreakerOptions) {
    this.#options = options;
  }

  /**
   * Runs one job's upstream call under its region's circuit: rejects at once with cockatiel's
   * BrokenCircuitError while the circuit is open, otherwise with `fn`'s own error.
   */
  execute<T>(
    key: JobKey,
    fn: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T> {
    return this.executeIn(breakerRegion(key), formatGlobalId(key), fn, signal);
  }

  /**
   * Runs one upstream call under `region`'s circuit, its failures counted as `subject`'s: a job's
   * global ID (as `execute` does), or a list stream's name (listing), so one stream that keeps
   * failing counts once, as one job does.
   */
  executeIn<T>(
    region: string,
    subject: string,
    fn: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T> {
    const attributed = async ({ signal }: { signal: AbortSignal }) => {
      try {
        return await fn(signal);
      } catch (err) {
        // Only a failure that can count needs its job; the others pass through untouched.
        throw countsAgainstProvider(err) ? new JobFailure(subject, err) : err;
      }
    };
    return this.forRegion(region)
      .execute(attributed, signal)
      .catch((err: unknown) => {
        throw err instanceof JobFailure ? err.failure : err;
      });
  }

  /** The region's policy: read its state, or run a call whose failures are not told apart by job (each counts). */
  forRegion(region: string): CircuitBreakerPolicy {
    let policy = this.#breakers.get(region);
    if (!policy) {
      const breaker = new DistinctJobsBreaker(this.#options.breakerFailures);
      const made: CircuitBreakerPolicy = circuitBreaker(
        handleWhen((err) => {
          const job = err instanceof JobFailure ? err.job : undefined;
          if (job === undefined && !countsAgainstProvider(err)) return false;
          // Open or half-open: the trial's failure must count, so an outage reopens the circuit. Nothing
          // joins the run then, so a late failure of a call made before the circuit opened cannot reopen it.
          return made.state !== CircuitState.Closed || breaker.count(job);
        }),
        { halfOpenAfter: this.#options.breakerHalfOpenMs, breaker },
      );
      // Every opening starts a new run: a trial that ends in an error cockatiel does not handle (not
      // found, say) closes the circuit without `success`, and must not leave the old run counted.
      made.onBreak(() => breaker.clear());
      policy = made;
      this.#breakers.set(region, policy);
    }
    return policy;
  }

  /** Every region's circuit made so far, with whether it is open or half-open now. */
  states(): { region: string; open: boolean }[] {
    return [...this.#breakers].map(([region, b]) => ({
      region,
      open: b.state !== CircuitState.Closed,
    }));
  }

  /** Regions whose circuit is open or half-open now. */
  openRegions(): string[] {
    return [...this.#breakers]
      .filter(([, b]) => b.state !== CircuitState.Closed)
      .map(([region]) => region);
  }
}
