import { approxBytes, type StoreFill } from '../../cache/approxBytes.ts';
import { RecencyList, type Linked } from '../../cache/recencyList.ts';

/** A map slot, a list node and its links: what a remembered key costs beyond its strings. */
const SLOT_BYTES = 64;

/** How many CodePipeline action executions the join remembers at most (oldest first out). */
const MAX_REFS = 10_000;

/** The most bytes of refs and IDs the join holds (approxBytes), whatever their count. */
const MAX_REFS_BYTES = 4 * 1024 * 1024;

interface Ref extends Linked<Ref> {
  readonly ref: string;
  readonly id: string;
  readonly bytes: number;
}

/**
 * `ref` (CodePipeline actionExecutionId) → the global ID of the job whose record carried it: how
 * a CodePipeline event, which names no job, finds its watched job. Bounded by count (MAX_REFS) and
 * by bytes (MAX_REFS_BYTES), the ref learned longest ago first out.
 */
export class RefJoin {
  readonly #refs = new Map<string, Ref>();
  readonly #order = new RecencyList<Ref>();
  #bytes = 0;

  constructor(
    private readonly size = MAX_REFS,
    private readonly maxBytes = MAX_REFS_BYTES,
  ) {}

  get(ref: string): string | undefined {
    return this.#refs.get(ref)?.id;
  }

  /** Remember that `ref` is the job `id`'s (the newest learned). */
  note(ref: string, id: string): void {
    const was = this.#refs.get(ref);
    if (was) this.#forget(was);
    const entry: Ref = {
      ref,
      id,
      bytes: SLOT_BYTES + approxBytes(ref) + approxBytes(id),
      older: undefined,
      newer: undefined,
    };
    this.#refs.set(ref, entry);
    this.#order.append(entry);
    this.#bytes += entry.bytes;
    while (this.#refs.size > this.size || (this.#bytes > this.maxBytes && this.#refs.size > 1))
      this.#forget(this.#order.oldest!);
  }

  /** How full it is (`jobgraph_store_*{store="refs"}`). */
  fill(): StoreFill {
    return {
      store: 'refs',
      entries: this.#refs.size,
      bytes: this.#bytes,
      maxEntries: this.size,
      maxBytes: this.maxBytes,
    };
  }

  #forget(entry: Ref): void {
    this.#refs.delete(entry.ref);
    this.#order.unlink(entry);
    this.#bytes -= entry.bytes;
  }
}
