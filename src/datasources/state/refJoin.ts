import { LRUCache } from 'lru-cache';
import { approxBytes, type StoreFill } from '../../cache/approxBytes.ts';

/** A map slot, a list node and its links: what a remembered key costs beyond its strings. */
const SLOT_BYTES = 64;

/** How many CodePipeline action executions the join remembers at most (oldest first out). */
const MAX_REFS = 10_000;

/** The most bytes of refs and IDs the join holds (approxBytes), whatever their count. */
const MAX_REFS_BYTES = 4 * 1024 * 1024;

/**
 * `ref` (CodePipeline actionExecutionId) → the global ID of the job whose record carried it: how
 * a CodePipeline event, which names no job, finds its watched job. Bounded by count (MAX_REFS) and
 * by bytes (MAX_REFS_BYTES), the ref learned longest ago first out (lru-cache; a lookup does not
 * make a ref more recent, and one larger than the whole byte bound is not remembered).
 */
export class RefJoin {
  readonly #refs: LRUCache<string, string>;

  constructor(
    private readonly size = MAX_REFS,
    private readonly maxBytes = MAX_REFS_BYTES,
  ) {
    this.#refs = new LRUCache({
      max: size,
      maxSize: maxBytes,
      sizeCalculation: (id, ref) => SLOT_BYTES + approxBytes(ref) + approxBytes(id),
    });
  }

  get(ref: string): string | undefined {
    return this.#refs.peek(ref);
  }

  /** Remember that `ref` is the job `id`'s (the newest learned). */
  note(ref: string, id: string): void {
    this.#refs.set(ref, id);
  }

  /** How full it is (`jobgraph_store_*{store="refs"}`). */
  fill(): StoreFill {
    return {
      store: 'refs',
      entries: this.#refs.size,
      bytes: this.#refs.calculatedSize,
      maxEntries: this.size,
      maxBytes: this.maxBytes,
    };
  }
}
