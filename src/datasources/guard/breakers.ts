import { CircuitState, ConsecutiveBreaker, circuitBreaker, handleWhen, type CircuitBreakerPolicy } from 'cockatiel';
import { UpstreamError } from '../../errors.ts';
import type { JobKey } from '../../globalId.ts';

/** When a region's circuit opens and how long it stays open. */
export interface BreakerOptions {
  /** Consecutive unavailable answers that open the circuit. */
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
  if (Array.isArray(e.errors) && e.errors.some((inner) => isLocalFault(inner, depth + 1))) return true;
  return isLocalFault(e.cause, depth + 1);
}

/**
 * Whether a failure counts against the provider's circuit: only "the provider is down"
 * (UPSTREAM_UNAVAILABLE: 5xx, timeouts, resets) does. Not-found, throttling, bad bodies,
 * jobgraph's own bugs, and faults of the caller's or jobgraph's making (a region that does
 * not resolve, an invalid host) do not, so no caller can open a healthy provider's circuit.
 */
export function countsAgainstProvider(err: unknown): boolean {
  return err instanceof UpstreamError && err.code === 'UPSTREAM_UNAVAILABLE' && !isLocalFault(err.cause);
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

  forRegion(region: string): CircuitBreakerPolicy {
    let breaker = this.#breakers.get(region);
    if (!breaker) {
      breaker = circuitBreaker(handleWhen(countsAgainstProvider), {
        halfOpenAfter: this.#options.breakerHalfOpenMs,
        breaker: new ConsecutiveBreaker(this.#options.breakerFailures),
      });
      this.#breakers.set(region, breaker);
    }
    return breaker;
  }

  /** Every region's circuit made so far, with whether it is open or half-open now. */
  states(): { region: string; open: boolean }[] {
    return [...this.#breakers].map(([region, b]) => ({ region, open: b.state !== CircuitState.Closed }));
  }

  /** Regions whose circuit is open or half-open now. */
  openRegions(): string[] {
    return [...this.#breakers].filter(([, b]) => b.state !== CircuitState.Closed).map(([region]) => region);
  }
}
