import { approxBytes, type StoreFill } from '../../cache/approxBytes.ts';
import { RecencyList, type Linked } from '../../cache/recencyList.ts';
import type { JobRecord } from '../../model/job.ts';
import type { ListedJob } from '../listing/types.ts';
import { providerOf } from '../registry.ts';

/** What the ledger keeps of a job's latest record: no field a secret can be in. */
export interface LedgerEntry {
  /** `Provider.events.order` of the record ([] when its provider has none). */
  order: readonly number[];
  /** What a watcher compares (subscriptions/pollers.ts `changeSignature`). */
  signature: string;
  /** The `time` of the last event applied (epoch ms); null when only reads were seen. */
  time: number | null;
  /** `ProviderEvents.run` of the record: which run of the job it is of (null: unknown). */
  run: string | null;
  /** A provider read has shown the job in this run (an event alone never makes it true). */
  confirmed: boolean;
  /** The record's `Job` header fields of state, for a listed row (`overlay`). */
  header: Pick<
    JobRecord,
    'state' | 'providerStatus' | 'statusMessage' | 'terminal' | 'completedAt' | 'updatedAt'
  >;
  /** What a listed row shows of it beyond the header (`ProviderEvents.listed`). */
  listed: Partial<JobRecord>;
}

/** Element by element; a shorter equal prefix is lower. */
export function compareOrder(a: readonly number[], b: readonly number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? -1) - (b[i] ?? -1);
    if (d !== 0) return d;
  }
  return 0;
}

/** A record's order by its provider's events (`[]`: every record as new as the last). */
export function orderOf(record: JobRecord): readonly number[] {
  return providerOf(record.provider).events?.order?.(record) ?? [];
}

/** A record's run by its provider's events (null: unknown, or its provider never runs a job twice). */
function runOf(record: JobRecord): string | null {
  return providerOf(record.provider).events?.run?.(record) ?? null;
}

/** Whether `record` and `entry` are of one run (an unknown run is any run): only then are they ordered. */
function sameRun(record: JobRecord, entry: LedgerEntry): boolean {
  const run = runOf(record);
  return run === null || entry.run === null || run === entry.run;
}

/** A job's entry in the ledger's order of writes (oldest first). */
interface Written extends Linked<Written> {
  readonly id: string;
  entry: LedgerEntry;
  /** approxBytes of its ID and entry, and of its own links and map slot. */
  bytes: number;
}

/** How many jobs the ledger remembers at most (oldest first out): about 200 bytes each. */
export const LEDGER_SIZE = 50_000;

/**
 * The most bytes of entries the ledger holds (approxBytes), whatever their count: an entry's
 * state fields come from events, and a status reason is long enough that a count alone would let
 * a queue of long ones take the heap.
 */
export const LEDGER_BYTES = 16 * 1024 * 1024;

/** A map slot, a list node and its links: what a remembered key costs beyond its strings. */
const SLOT_BYTES = 64;

/**
 * The latest state the process knows of each job it has seen by event or by read, so that an
 * event never moves a job backwards (a duplicate, or an older one arriving late) and a listed row
 * is never staler than an event already applied (`overlay`). Bounded by count (LEDGER_SIZE) and by
 * bytes (LEDGER_BYTES), least recently written first out; holds no record, only state fields and
 * an order, so never a secret. The order of writes is a RecencyList, not the Map's insertion
 * order: a full ledger forgets its oldest job on every new one, and taking a Map's first key walks
 * every entry deleted before it.
 */
export class EventLedger {
  readonly #entries = new Map<string, Written>();
  readonly #order = new RecencyList<Written>();
  #bytes = 0;
  /** The CodePipeline join (`EventApplier`): learned from the same records, bounded alike. */
  readonly refs: RefJoin;

  constructor(
    private readonly size = LEDGER_SIZE,
    private readonly maxBytes = LEDGER_BYTES,
    refs = new RefJoin(),
  ) {
    this.refs = refs;
  }

  /** How full it is (`jobgraph_store_*{store="ledger"}`). */
  fill(): StoreFill {
    return {
      store: 'ledger',
      entries: this.#entries.size,
      bytes: this.#bytes,
      maxEntries: this.size,
      maxBytes: this.maxBytes,
    };
  }

  get(id: string): LedgerEntry | undefined {
    return this.#entries.get(id)?.entry;
  }

  /**
   * What an event's `record` at `time` is to the job's last known state: `applied` (newer),
   * `duplicate` (the same state again), `stale` (older: a lower order, or the same order at an
   * earlier time with another state).
   */
  judge(record: JobRecord, signature: string, time: number): 'applied' | 'duplicate' | 'stale' {
    const prev = this.get(record.id);
    if (!prev || !sameRun(record, prev)) return 'applied';
    const cmp = compareOrder(orderOf(record), prev.order);
    if (cmp !== 0) return cmp < 0 ? 'stale' : 'applied';
    if (signature === prev.signature) return 'duplicate';
    return prev.time !== null && time < prev.time ? 'stale' : 'applied';
  }

  /** Whether `record` (a read) is older than what the ledger knows: a read that raced an applied event. */
  behind(record: JobRecord): boolean {
    const prev = this.get(record.id);
    return (
      prev !== undefined && sameRun(record, prev) && compareOrder(orderOf(record), prev.order) < 0
    );
  }

  /** Whether a provider read has shown the job of `record` in its run: an event alone never does. */
  confirmed(record: JobRecord): boolean {
    const prev = this.get(record.id);
    return prev !== undefined && prev.confirmed && sameRun(record, prev);
  }

  /**
   * Keep `record` as the job's latest (an event's, with its `time`; a read's, `time` null, keeps
   * the last event's time and confirms the job's run). A record of another run replaces the entry
   * whatever its order.
   */
  note(record: JobRecord, signature: string, time: number | null): void {
    const written = this.#entries.get(record.id);
    const prev = written?.entry;
    const same = prev !== undefined && sameRun(record, prev);
    if (prev && same && compareOrder(orderOf(record), prev.order) < 0) {
      // Older news, but a read of it still shows the job exists in this run.
      if (time === null) prev.confirmed = true;
      return;
    }
    const entry: LedgerEntry = {
      order: orderOf(record),
      signature,
      time: time ?? (same ? prev.time : null),
      run: runOf(record) ?? (same ? prev.run : null),
      confirmed: time === null || (same && prev.confirmed),
      header: {
        state: record.state,
        providerStatus: record.providerStatus,
        statusMessage: record.statusMessage,
        terminal: record.terminal,
        completedAt: record.completedAt,
        updatedAt: record.updatedAt,
      },
      listed: providerOf(record.provider).events?.listed?.(record) ?? {},
    };
    const bytes = SLOT_BYTES + approxBytes(record.id) + approxBytes(entry);
    if (written) {
      // Written again: the newest, with its new state.
      this.#bytes += bytes - written.bytes;
      written.entry = entry;
      written.bytes = bytes;
      this.#order.touch(written);
    } else {
      const added: Written = { id: record.id, entry, bytes, older: undefined, newer: undefined };
      this.#entries.set(record.id, added);
      this.#order.append(added);
      this.#bytes += bytes;
    }
    // The newest entry stays even alone over the budget: its fields are bounded (envelope.ts).
    while (
      this.#entries.size > this.size ||
      (this.#bytes > this.maxBytes && this.#entries.size > 1)
    ) {
      const oldest = this.#order.shift()!;
      this.#entries.delete(oldest.id);
      this.#bytes -= oldest.bytes;
    }
  }

  /**
   * A listed job as fresh as the events applied: when an event has put the job at a higher order
   * than its row (the event came after the list snapshot was read), the row's state and the
   * fields its provider lists are the ledger's. Other rows are returned as they are.
   */
  overlay(job: ListedJob): ListedJob {
    const known = this.get(job.id);
    if (!known || known.time === null) return job;
    const row = {
      ...job.summary,
      id: job.id,
      provider: job.provider,
      state: job.state,
    } as JobRecord;
    // A row of another run is a read the ledger's run does not order: the row stands.
    if (!sameRun(row, known) || compareOrder(orderOf(row), known.order) >= 0) return job;
    return {
      ...job,
      state: known.header.state,
      summary: { ...job.summary, ...known.header, ...known.listed },
    };
  }
}

/** How many CodePipeline action executions the join remembers at most (oldest first out). */
export const MAX_REFS = 10_000;

/** The most bytes of refs and IDs the join holds (approxBytes), whatever their count. */
export const MAX_REFS_BYTES = 4 * 1024 * 1024;

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
