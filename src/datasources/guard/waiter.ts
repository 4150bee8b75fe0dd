import type { JobProvider, JobRecord } from '../../model/job.ts';
import type { Deadline, Deadlines } from './deadlines.ts';
import { budgetError } from './failures.ts';

/**
 * The record a request's loader serves: its own shallow copy of the shared one. The shared record
 * (the cache's deeply frozen parse, or a fetched record every waiter of a call shares) is handed to
 * graphql-js and `@apollo/subgraph`, and `@apollo/subgraph` defines `__typename` on whatever a
 * `__resolveReference` returns (`Object.defineProperty`, types.js `maybeAddTypeNameToPossibleReturn`):
 * on a frozen record that throws ("object is not extensible", every cached job's `_entities` item
 * was null), on a shared one it writes into other requests' object. Only top-level properties are
 * written, so a shallow copy is enough; nested values stay shared (and frozen when cached), which
 * graphql-js only reads. The copy lives as long as the request's DataLoader.
 */
function requestCopy(record: JobRecord): JobRecord {
  return { ...record };
}

/**
 * A request's wait for a shared call: settled by the call, or rejected with the budget error
 * when its deadline passes first (then it stops waiting; the call goes on for the others).
 * A loader's waiter answers a failure as the Error value DataLoader expects in its slot, and a
 * record as the request's own copy (see {@link requestCopy}).
 */
export class Waiter implements Deadline {
  at = 0;
  done = false;
  constructor(
    readonly call: WaitedCall,
    readonly resolve: (value: JobRecord | Error) => void,
    readonly reject: (err: Error) => void,
    readonly forLoader: boolean,
  ) {}

  settle(record: JobRecord | undefined, err: Error | undefined): void {
    if (this.done) return;
    this.call.deadlines.settle(this);
    if (err === undefined)
      this.resolve(this.forLoader ? requestCopy(record as JobRecord) : (record as JobRecord));
    else this.fail(err);
  }

  fail(err: Error): void {
    if (this.forLoader) this.resolve(this.call.noteError(err));
    else this.reject(err);
  }

  expire(): void {
    this.fail(budgetError(this.call.guarded.source.provider, this.call.guarded.budgetMs));
    this.call.leave(this);
  }
}

/** What a waiter needs of its call. */
export interface WaitedCall {
  readonly guarded: {
    readonly source: { readonly provider: JobProvider };
    readonly budgetMs: number;
  };
  readonly deadlines: Deadlines;
  noteError(err: Error): Error;
  leave(waiter: Waiter): void;
}
