import {
  CircuitState,
  circuitBreaker,
  handleWhen,
  type CircuitBreakerPolicy,
  type IBreaker,
} from 'cockatiel';
import { UpstreamError } from '../../errors.ts';
import { promiseOf } from '../shared/promiseOf.ts';
import { formatGlobalId, type JobKey } from '../../model/globalId.ts';
import { DEFAULT_ACCOUNT } from '../../config/patterns.ts';

/**
 * How long an open circuit stays open before one trial call, ms: 10 s is longer than a provider's
 * brief blips (a deploy, a throttling burst) take to pass, so the trial is likely to find it back,
 * and short enough that callers wait little once it is; a watched job's read schedule pauses as
 * long. Fixed (was JOBGRAPH_BREAKER_HALF_OPEN_MS).
 */
export const BREAKER_HALF_OPEN_MS = 10_000;

/** When a region's circuit opens and how long it stays open. */
export interface BreakerOptions {
  /** Distinct jobs failing in a row (unavailable, no success between) that open the circuit. */
  breakerFailures: number;
  /** How long the circuit stays open before one trial call, in ms. */
  breakerHalfOpenMs: number;
}

/**
 * Which account a circuit belongs to, by alias (`default`: the default account): of a job's key,
 * and of a list call's credentials account (`ListWhere.account`: an AWS alias, a COS UIN;
 * undefined: the default account's). Default: every call the default account's.
 */
export interface BreakerAccounts {
  ofKey(key: JobKey): string;
  ofCall(account: string | undefined): string;
}

const DEFAULT_ONLY: BreakerAccounts = {
  ofKey: () => DEFAULT_ACCOUNT,
  ofCall: (account) => account ?? DEFAULT_ACCOUNT,
};

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
    // Every success clears: an empty set is left as it is (V8's clear makes a new table each time).
    if (this.#jobs.size > 0) this.#jobs.clear();
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
    // Never thrown past execute(): no stack is captured for it (an outage makes one per call).
    const stackTraceLimit = Error.stackTraceLimit;
    Error.stackTraceLimit = 0;
    super('job failure');
    Error.stackTraceLimit = stackTraceLimit;
  }
}

/** The failure a JobFailure carries, any other error as is. */
function unwrapJobFailure(err: unknown): never {
  throw err instanceof JobFailure ? err.failure : err;
}

/** One circuit: where it is and its policy. */
interface Circuit {
  readonly region: string;
  readonly account: string;
  readonly policy: CircuitBreakerPolicy;
}

/**
 * One circuit breaker per account and region of a provider, made on first use: AWS fails and
 * throttles per account and region, so one account's outage opens its own circuits and no
 * other's. Regions are checked against the regions the provider serves before any call
 * (globalId.ts) and accounts are the configured ones, so the map is bounded by those lists.
 */
export class RegionalBreakers {
  readonly #options: BreakerOptions;
  readonly #accounts: BreakerAccounts;
  /** Every circuit, in the order made (`states`, `openRegions`). */
  readonly #circuits: Circuit[] = [];
  /** The circuits by account, then region: found per call without a key string built for it. */
  readonly #byAccount = new Map<string, Map<string, Circuit>>();

  constructor(options: BreakerOptions, accounts: BreakerAccounts = DEFAULT_ONLY) {
    this.#options = options;
    this.#accounts = accounts;
  }

  /**
   * Runs one job's upstream call under its account's circuit of its region: rejects at once with
   * cockatiel's BrokenCircuitError while the circuit is open, otherwise with `fn`'s own error.
   * `id`: the key's global ID, when the caller has it already.
   */
  execute<T>(
    key: JobKey,
    fn: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
    id: string = formatGlobalId(key),
  ): Promise<T> {
    const circuit = this.forRegion(breakerRegion(key), this.#accounts.ofKey(key));
    return this.#run(circuit, id, fn, signal);
  }

  /**
   * Runs one upstream call under the circuit of `region` in the account the call's credentials
   * are (`account`: an AWS alias, a COS UIN; undefined: the default account), its failures
   * counted as `subject`'s: a list stream's name (listing), so one stream that keeps failing
   * counts once, as one job does.
   */
  executeIn<T>(
    region: string,
    subject: string,
    fn: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
    account?: string,
  ): Promise<T> {
    return this.#run(this.forRegion(region, this.#accounts.ofCall(account)), subject, fn, signal);
  }

  #run<T>(
    policy: CircuitBreakerPolicy,
    subject: string,
    fn: (signal: AbortSignal) => Promise<T>,
    signal: AbortSignal,
  ): Promise<T> {
    // Only a failure that can count needs its job; the others pass through untouched.
    const attribute = (err: unknown) => {
      throw countsAgainstProvider(err) ? new JobFailure(subject, err) : err;
    };
    // Steps on the call's own promise, not async wrappers: a success passes through one each way.
    const attributed = ({ signal }: { signal: AbortSignal }) =>
      promiseOf(() => fn(signal)).then(undefined, attribute);
    return policy.execute(attributed, signal).then(undefined, unwrapJobFailure);
  }

  /**
   * The policy of `region` in the account aliased `account` (default: the default account): read
   * its state, or run a call whose failures are not told apart by job (each counts).
   */
  forRegion(region: string, account: string = DEFAULT_ACCOUNT): CircuitBreakerPolicy {
    let regions = this.#byAccount.get(account);
    if (!regions) this.#byAccount.set(account, (regions = new Map<string, Circuit>()));
    let circuit = regions.get(region);
    if (!circuit) {
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
      circuit = { region, account, policy: made };
      regions.set(region, circuit);
      this.#circuits.push(circuit);
    }
    return circuit.policy;
  }

  /** Every circuit made so far (account × region), with whether it is open or half-open now. */
  states(): { region: string; account: string; open: boolean }[] {
    return this.#circuits.map(({ region, account, policy }) => ({
      region,
      account,
      open: policy.state !== CircuitState.Closed,
    }));
  }

  /** Circuits open or half-open now: the region, `@alias` after it for an account but the default one. */
  openRegions(): string[] {
    return this.#circuits
      .filter(({ policy }) => policy.state !== CircuitState.Closed)
      .map(({ region, account }) =>
        account === DEFAULT_ACCOUNT ? region : `${region}@${account}`,
      );
  }
}
