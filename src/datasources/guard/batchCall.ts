import { formatGlobalId } from '../../model/globalId.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import { breakerRegion } from './breakers.ts';
import type { CallerState, LimiterEntry } from './fairLimit.ts';
import type { BatchQueue, GuardedSource, SharedCall } from './sharedCall.ts';

/**
 * The batch describe of a provider that answers many jobs in one call (`JobSource.batch`: AWS
 * Batch's DescribeJobs, 100 jobs a call). The shared calls of its jobs that are ready for the
 * upstream (past the cache and the cross-process lease) within one turn of the event loop —
 * one DataLoader batch's, and any other request's that asked meanwhile — are grouped by region
 * and account and cut at the provider's maximum; each group is one upstream call, and one entry
 * in the provider's fair limiter (a slot is a call in flight, as for the other providers), under
 * the caller of its first job. Each job's outcome settles its own shared call; a failure of the
 * call settles them all with it. A call is abandoned when every job in it has been.
 */
export class DescribeBatcher<P extends JobProvider> implements BatchQueue<P> {
  #pending: SharedCall<P>[] = [];
  #scheduled = false;

  constructor(private readonly guarded: GuardedSource<P>) {}

  /** `call` is ready for the upstream: it goes out with the others of this turn. */
  add(call: SharedCall<P>): void {
    this.#pending.push(call);
    if (this.#scheduled) return;
    this.#scheduled = true;
    // setImmediate, not a microtask: the cache steps of a DataLoader batch's keys settle over
    // several microtask turns, and the whole batch should share its calls.
    setImmediate(() => this.#flush());
  }

  #flush(): void {
    this.#scheduled = false;
    const batch = this.guarded.source.batch;
    const calls = this.#pending.splice(0);
    if (!batch) return;
    const groups = new Map<string, SharedCall<P>[]>();
    for (const call of calls) {
      const group = batch.group(call.key);
      const list = groups.get(group);
      if (list) list.push(call);
      else groups.set(group, [call]);
    }
    for (const group of groups.values()) {
      for (let i = 0; i < group.length; i += batch.max) {
        const chunk = group.slice(i, i + batch.max);
        this.guarded.limit.enqueue(chunk[0]!.firstCaller, new BatchEntry(this.guarded, chunk));
      }
    }
  }
}

/** One upstream call for up to `max` jobs, waiting in the limiter as one entry. */
class BatchEntry<P extends JobProvider> implements LimiterEntry {
  waitingIn?: CallerState | undefined;

  constructor(
    private readonly guarded: GuardedSource<P>,
    private readonly calls: readonly SharedCall<P>[],
  ) {}

  start(): PromiseLike<unknown> | undefined {
    const { source, breakers } = this.guarded;
    const batch = source.batch!;
    // Jobs abandoned (or settled) while the call waited are left out.
    const live: { call: SharedCall<P>; signal: AbortSignal }[] = [];
    for (const call of this.calls) {
      const signal = call.claimForBatch();
      if (signal) live.push({ call, signal });
    }
    const first = live[0];
    if (!first) return undefined;
    const abort = new AbortController();
    // The call goes on while any of its jobs is still waited for.
    let left = live.length;
    for (const { signal } of live) {
      signal.addEventListener(
        'abort',
        () => {
          left -= 1;
          if (left === 0) abort.abort(signal.reason);
        },
        { once: true },
      );
    }
    const keys = live.map(({ call }) => call.key);
    // The watched jobs' last answers: a job whose part of the answer did not change is not parsed.
    const answers = live.some(({ call }) => call.answer)
      ? live.map(({ call }) => call.answer)
      : undefined;
    const caller = first.call.firstCaller;
    const run = breakers.executeIn(
      breakerRegion(first.call.key),
      formatGlobalId(first.call.key),
      (signal) =>
        batch.fetchJobs(keys, {
          signal,
          caller,
          timeLeftMs: Math.min(...live.map(({ call }) => call.timeLeftMs())),
          ...(answers ? { answers } : {}),
        }),
      abort.signal,
    );
    run.then(
      (outcomes: (JobRecord | Error)[]) =>
        live.forEach(({ call }, i) => call.batchSettled(outcomes[i], abort.signal.aborted)),
      (err: unknown) => live.forEach(({ call }) => call.batchSettled(err, abort.signal.aborted)),
    );
    return run;
  }
}
