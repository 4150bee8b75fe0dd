import { BadUserInputError } from '../../errors.ts';
import type { ListBudget } from './types.ts';

/**
 * A source a page did not read because the request's bound on cold sources was spent. Not a
 * BadUserInputError on purpose: the merge records it as that source's failure and goes on, so
 * the reads already under way finish and are kept as snapshots; the page is refused afterwards
 * (`ColdSources.throwIfRefused`).
 */
export class SourceNotRead extends Error {
  constructor(readonly source: string) {
    super(`${source} not read: the request's list-source bound is spent`);
    this.name = 'SourceNotRead';
  }
}

/**
 * One page's share of the request's bound on cold sources (JOBGRAPH_MAX_LIST_SOURCES_PER_REQUEST):
 * a source counts when serving it starts an upstream read for this request — a source read whole
 * with no snapshot held, in flight or in the shared store; a source read page by page
 * (Import/Export, AWS Batch's queues) whose page is not kept or in flight; a region's
 * ListReferenceStores or DescribeJobQueues not remembered — and never when a snapshot
 * serves it. Counted where the read would start, so what a snapshot serves is known by then.
 */
export class ColdSources {
  readonly #budget: ListBudget | undefined;
  #refusal: BadUserInputError | undefined;

  constructor(budget: ListBudget | undefined) {
    this.#budget = budget;
  }

  /**
   * Whether this page may start one more upstream read; false once the request's bound is
   * spent (the refusal is kept for the end of the page, so the reads already started finish).
   */
  admit(): boolean {
    if (!this.#budget) return true;
    if (this.#refusal) return false;
    try {
      this.#budget.sources(1);
      return true;
    } catch (err) {
      if (!(err instanceof BadUserInputError)) throw err;
      this.#refusal = err;
      return false;
    }
  }

  /** The request's refusal, once every read this page started has ended. */
  throwIfRefused(): void {
    if (this.#refusal) throw this.#refusal;
  }
}
