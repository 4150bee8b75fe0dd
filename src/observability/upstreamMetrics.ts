import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import type { JobProvider } from '../model/job.ts';
import type { LabelCounts } from './labelCounts.ts';

// The metrics of the calls upstream: each attempt, the rate budget's waits, the circuits, and the
// jobs served without a call of the request's own (the cache, another request's call).

type Registers = Registry[];

/** Upper bounds of the upstream latency histogram, in s (the job budget is 15 s by default). */
const DURATION_BUCKETS = [0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/** Upper bounds of the rate budget's wait histogram, in s (a wait ends within the job budget). */
const RATE_WAIT_BUCKETS = [0.001, 0.01, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 15];

/** A provider region's circuit state, for the breaker gauge. */
export interface BreakerState {
  provider: JobProvider;
  region: string;
  /** The account's alias (`default`: the default account). */
  account: string;
  /** True while open or half-open (calls refused, or only one trial let through). */
  open: boolean;
}

/** Upstream attempts: their count by outcome, their duration (returned), the retries. */
export function upstreamMetrics(
  registers: Registers,
  requests: LabelCounts,
  retries: LabelCounts,
): Histogram<'provider'> {
  new Counter({
    name: 'jobgraph_upstream_requests_total',
    help: 'Upstream attempts (retries included), by provider and outcome (ok or the error code).',
    labelNames: ['provider', 'outcome'],
    registers,
    collect() {
      requests.report(this);
    },
  });
  const duration = new Histogram({
    name: 'jobgraph_upstream_request_duration_seconds',
    help: 'Duration of one upstream attempt, in seconds.',
    labelNames: ['provider'],
    buckets: DURATION_BUCKETS,
    registers,
  });
  new Counter({
    name: 'jobgraph_upstream_retries_total',
    help: 'Upstream attempts after the first of a job (retries), by provider.',
    labelNames: ['provider'],
    registers,
    collect() {
      retries.report(this);
    },
  });
  return duration;
}

/** The rate budget: calls that waited, calls refused, the waits. */
export function rateBudgetMetrics(registers: Registers) {
  return {
    waits: new Counter({
      name: 'jobgraph_upstream_rate_waits_total',
      help: 'Upstream calls that waited for a turn of the rate budget (JOBGRAPH_UPSTREAM_RATE_LIMITS), by provider.',
      labelNames: ['provider'],
      registers,
    }),
    throttled: new Counter({
      name: 'jobgraph_upstream_rate_throttled_total',
      help: 'Upstream calls refused UPSTREAM_THROTTLED by the rate budget (no turn within the job budget), by provider.',
      labelNames: ['provider'],
      registers,
    }),
    wait: new Histogram({
      name: 'jobgraph_upstream_rate_wait_seconds',
      help: 'Time an upstream call waited for its turn of the rate budget before it went, in seconds.',
      labelNames: ['provider'],
      buckets: RATE_WAIT_BUCKETS,
      registers,
    }),
  };
}

/** Each circuit (provider × account × region), read from `breakers` at scrape time. */
export function breakerGauge(registers: Registers, breakers: () => BreakerState[]): void {
  new Gauge({
    // duplicates: data — metric declarations: each its own name, help and labels
    name: 'jobgraph_breaker_open',
    help: "1 while the circuit breaker of a provider's region in an account (its alias; default: the default account) is open or half-open, else 0.",
    labelNames: ['provider', 'account', 'region'],
    registers,
    collect() {
      this.reset();
      for (const b of breakers())
        this.set({ provider: b.provider, account: b.account, region: b.region }, b.open ? 1 : 0);
    },
  });
}

/** Jobs served without an upstream call of the request's own: the cache, another request's call, the history. */
export function servedCounters(registers: Registers) {
  return {
    cacheRequests: new Counter({
      name: 'jobgraph_job_cache_requests_total',
      help: 'Cross-request job cache lookups, by result (hit or miss).',
      labelNames: ['result'],
      registers,
    }),
    coalesced: new Counter({
      name: 'jobgraph_upstream_coalesced_total',
      help: 'Jobs a request got from a call another request had in flight, instead of its own upstream call, by provider.',
      labelNames: ['provider'],
      registers,
    }),
    retained: new Counter({
      name: 'jobgraph_retained_answers_total',
      help: 'Jobs the provider no longer knew (NOT_FOUND), answered with the record the history store keeps of them (JOBGRAPH_HISTORY_URL, docs/history.md), by provider.',
      labelNames: ['provider'],
      registers,
    }),
  };
}
