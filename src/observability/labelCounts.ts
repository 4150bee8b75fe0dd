import type { Counter, Histogram } from 'prom-client';

// Counting without a label object per count: the hot counters (upstream attempts, GraphQL
// requests) and the histograms' bound children.

/** What a histogram's child for one label value offers. */
export interface Observer {
  observe(seconds: number): void;
}

/**
 * `histogram`'s child for the one label value `value`, bound the first time it is observed
 * (prom-client's `labels`, which hashes a label object on every call otherwise) and kept in
 * `children`. Bound only when observed, so /metrics lists no series that was never observed.
 */
export function boundChild(
  children: Map<string, Observer>,
  histogram: Histogram<string>,
  value: string,
): Observer {
  let child = children.get(value);
  if (!child) {
    child = histogram.labels(value);
    children.set(value, child);
  }
  return child;
}

/**
 * Counts of one counter by its label values (one or two labels), kept as plain numbers — a row per
 * series, found through one Map per label, no label object or hash per count — and handed to the
 * counter when it is scraped (its documented `collect`), series in the order they first counted,
 * as the counter itself would list them.
 */
export class LabelCounts {
  readonly #names: readonly [string] | readonly [string, string];
  readonly #rows: { labels: Record<string, string>; n: number }[] = [];
  readonly #index = new Map<string, Map<string, { n: number }>>();

  constructor(names: readonly [string] | readonly [string, string]) {
    this.#names = names;
  }

  /** One more of the series (`first`, `second`); `second` only for a counter of two labels. */
  add(first: string, second = ''): void {
    let inner = this.#index.get(first);
    if (!inner) this.#index.set(first, (inner = new Map<string, { n: number }>()));
    const row = inner.get(second);
    if (row) {
      row.n += 1;
      return;
    }
    const [a, b] = this.#names;
    const made = { labels: b === undefined ? { [a]: first } : { [a]: first, [b]: second }, n: 1 };
    inner.set(second, made);
    this.#rows.push(made);
  }

  /** The counts into `counter`, as its `collect` (at scrape time). */
  report(counter: Counter<string>): void {
    counter.reset();
    for (const row of this.#rows) counter.inc(row.labels, row.n);
  }
}
