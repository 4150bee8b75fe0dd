import { BadUserInputError } from '../../errors.ts';

/** What the merge needs of a listed item: its place in the merged order. */
export interface Keyed {
  /** Creation time, ms since 1970. */
  createdMs: number;
  /** Global ID: the tie-break. */
  id: string;
}

/**
 * The merged order: newest first by creation time, ties by global ID ascending (code-unit order,
 * as JavaScript compares strings). Negative when `a` comes first.
 */
export function compareListed(a: Keyed, b: Keyed): number {
  if (a.createdMs !== b.createdMs) return b.createdMs - a.createdMs;
  return a.id < b.id ? -1 : a.id > b.id ? 1 : 0;
}

/**
 * Where a stream goes on after an edge: the upstream page token of the page holding the first
 * item not yet passed (null: the first page) and that item's index in the page, or `end` when
 * nothing is left. Every item before it in the provider's order is at or before the edge in the
 * merged order, whatever order the provider lists in.
 */
export type StreamPosition = { token: string | null; offset: number } | 'end';

/** One upstream page: its items in the provider's order and the next page's token (null on the last). */
export interface StreamPage<T> {
  items: T[];
  next: string | null;
}

/** One upstream list stream, as the merge reads it. */
export interface MergeStream<T extends Keyed> {
  /** Names the stream in cursors. */
  readonly id: string;
  /**
   * Known to list newest first: read page by page, only as far as the merge needs, and its
   * position kept in cursors. Other streams are read whole (every page) on each list call.
   */
  readonly newestFirst: boolean;
  /** Largest page the provider serves. */
  readonly maxPageSize: number;
  /**
   * A stream already in the merged order (a snapshot, listing/snapshotStream.ts): it starts just
   * after the page's `after` from the token this gives (null: from the top) and keeps no position
   * in cursors — the cursor's keyset is its position. Its pages cost no upstream call, so no page
   * cap applies.
   */
  startAfter?(after: Keyed | null): string | null;
  /**
   * A stream whose pages can start anywhere (a kept page handed out in windows, snapshotStream.ts
   * `pagedStream`): the token of the page that starts `offset` items into `token`'s, so a cursor's
   * page is read from where the cursor points, not from its page's first item.
   */
  at?(token: string | null, offset: number): string | null;
  /** One page; `fromCursor`: `token` came from a client's cursor (so its refusal is the client's to hear). */
  readPage(token: string | null, size: number, fromCursor: boolean): Promise<StreamPage<T>>;
  /** The items of `items` that pass the filter, possibly completed; asked only for items after the cursor. */
  select(items: T[]): Promise<T[]>;
  /**
   * For items `select` kept that it could not decide without a lookup (an Import/Export job's
   * state under a `states` filter): `run` gives each item back completed, or null when it does
   * not pass. Asked only when such an item is about to be merged, for at most as many as the page
   * still needs, so a page looks up about what it shows.
   */
  complete?: {
    needs: (item: T) => boolean;
    run: (items: T[]) => Promise<(T | null)[]>;
  };
}

export interface MergeArgs<T extends Keyed> {
  streams: readonly MergeStream<T>[];
  /** The edge the page starts after (the cursor's keyset); null for the first page. */
  after: Keyed | null;
  /** Each newest-first stream's position after that edge, by stream id (absent: from its start). */
  positions: Readonly<Record<string, StreamPosition>>;
  /** Items wanted, at least 1. */
  first: number;
}

export interface MergedEdge<T> {
  item: T;
  /** Each newest-first stream's position after this edge, for its cursor. */
  positions: Record<string, StreamPosition>;
}

export interface MergeResult<T> {
  edges: MergedEdge<T>[];
  hasNextPage: boolean;
  /** What made a stream fail, by stream id; its unmerged items are left out. */
  failures: Map<string, unknown>;
}

/**
 * Most upstream pages a stream read page by page may read in one list call: 40 pages of up to
 * 1,000 Import/Export jobs, so a newest-first stream skipping jobs a filter leaves out (or found
 * out of order, then read whole) stays bounded; one with more is FAILED with UPSTREAM_UNAVAILABLE
 * (see `PageLimitError`) and the others still list. Sources whose order is not documented are not
 * read here but whole into a snapshot (listing/snapshots.ts), without a page cap, under the
 * page's deadline; streams over a snapshot (`startAfter`) cost no call and have no cap.
 */
export const MAX_PAGES_PER_STREAM = 40;

/**
 * Rows a stream over a snapshot (`startAfter`) is read by at first, doubling while a filter
 * skips them: each row is built when read, and the page keeps only those it shows.
 */
export const SNAPSHOT_CHUNK = 16;

/** A stream had more than MAX_PAGES_PER_STREAM pages to read in one list call. */
export class PageLimitError extends Error {
  constructor(readonly pages: number) {
    super(`more than ${pages} upstream pages to read`);
    this.name = 'PageLimitError';
  }
}

interface ReadPage<T> {
  token: string | null;
  items: T[];
  next: string | null;
  /** Index of the first item considered (a cursor's offset on its first page). */
  from: number;
}

/** One stream's state during a merge, and how it reads, fails and completes its items. */
class StreamState<T extends Keyed> {
  readonly pages: ReadPage<T>[] = [];
  /** Selected items after the cursor, not yet merged, in merged order from `head`. */
  buffer: T[] = [];
  head = 0;
  /** Creation time of the last item read, in the provider's order (the newest an unread item can be when the stream lists newest first). */
  frontierMs = Infinity;
  /** Read whole: not newest first, or found not to be. */
  whole: boolean;
  done: boolean;
  failure: unknown = undefined;
  /** Pages in a row that added nothing to the buffer (a filter skipping jobs): the next page is larger. */
  barren = 0;

  constructor(
    readonly stream: MergeStream<T>,
    readonly start: StreamPosition | undefined,
    /** The edge the page starts after: only items after it are selected. */
    readonly after: Keyed | null,
    /** Items the merge wants: one more than the page's `first` (see `mergeStreams`). */
    readonly need: number,
  ) {
    if (stream.startAfter) this.start = { token: stream.startAfter(after), offset: 0 };
    this.whole = !stream.newestFirst;
    this.done = start === 'end';
  }

  get failed(): boolean {
    return this.failure !== undefined;
  }

  peek(): T | undefined {
    return this.buffer[this.head];
  }

  /** Readable, read lazily, and an unread item could come at or before `item` in the merged order. */
  blocks(item: T | undefined): boolean {
    return (
      !this.whole &&
      !this.done &&
      !this.failed &&
      (item === undefined || item.createdMs <= this.frontierMs)
    );
  }

  /** Whether `item`, the stream's next, must be completed before it can be merged. */
  incomplete(item: T | undefined): boolean {
    return item !== undefined && this.stream.complete?.needs(item) === true;
  }

  /** Read the stream's next page, or every page left when it is read whole; a failure is recorded. */
  async read(): Promise<void> {
    try {
      do await this.#readOne();
      while (this.whole && !this.done);
    } catch (err) {
      this.#fail(err);
    }
  }

  /** Complete up to `count` of the stream's next items that need it (see `MergeStream.complete`). */
  async complete(count: number): Promise<void> {
    const { needs, run } = this.stream.complete!;
    const rest = this.buffer.slice(this.head);
    const at = rest.flatMap((item, i) => (needs(item) ? [i] : [])).slice(0, count);
    let done: (T | null)[];
    try {
      done = await run(at.map((i) => rest[i]!));
    } catch (err) {
      this.#fail(err);
      return;
    }
    at.forEach((i, j) => {
      rest[i] = done[j] ?? (null as unknown as T);
    });
    this.buffer = rest.filter((item) => item !== null);
    this.head = 0;
  }

  async #readOne(): Promise<void> {
    const start = this.start === 'end' ? undefined : this.start;
    const last = this.pages[this.pages.length - 1];
    const { stream } = this;
    let token = last ? last.next : (start?.token ?? null);
    let offset = last ? 0 : (start?.offset ?? 0);
    if (offset > 0 && stream.at) {
      token = stream.at(token, offset);
      offset = 0;
    }
    // A stream over a snapshot costs no call a read: it hands out a few rows at a time, so a page
    // builds about the rows it shows, not `need` rows of every source.
    const base = stream.startAfter ? Math.min(this.need, SNAPSHOT_CHUNK) : this.need;
    const size = this.whole
      ? stream.maxPageSize
      : Math.min(stream.maxPageSize, offset + base * 2 ** Math.min(this.barren, 10));
    if (!stream.startAfter && this.pages.length >= MAX_PAGES_PER_STREAM)
      throw new PageLimitError(MAX_PAGES_PER_STREAM);
    const page = await stream.readPage(token, size, !last && token !== null);
    const from = Math.min(offset, page.items.length);
    this.pages.push({ token, items: page.items, next: page.next, from });
    this.done = page.next === null;
    const fresh = page.items.slice(from);
    for (const item of fresh) {
      if (item.createdMs > this.frontierMs) this.whole = true; // not newest first after all
      this.frontierMs = item.createdMs;
    }
    const { after } = this;
    const selected = await stream.select(
      fresh.filter((item) => after === null || compareListed(item, after) > 0),
    );
    this.barren = selected.length === 0 ? this.barren + 1 : 0;
    if (selected.length > 0) {
      const rest = this.buffer.slice(this.head).concat(selected).sort(compareListed);
      this.buffer = rest;
      this.head = 0;
    }
  }

  /** Record the stream's failure (a BadUserInputError fails the whole list) and drop its unmerged items. */
  #fail(err: unknown): void {
    if (err instanceof BadUserInputError) throw err;
    this.failure = err ?? new Error('stream failed');
    this.buffer = [];
    this.head = 0;
  }
}

/**
 * Merge the streams into one page of `first` items after `after`, in the merged order
 * (`compareListed`), with the position of each newest-first stream after every edge.
 *
 * Streams not known to list newest first are read whole, at their largest page size (their order
 * is not documented, so any unread page could hold the newest job). Newest-first streams are read
 * one page at a time, from their position in the cursor, and an item is merged only when no unread
 * item of such a stream could come before it: while a newest-first stream's last read item is as
 * new as the next candidate (or newer — ties included, since an unread item with the same time may
 * have a smaller ID), that stream's next page is read first. A newest-first stream whose pages turn
 * out not to be in that order is read whole from there on. Whatever the order, an item is taken
 * only if it comes after `after`, so positions only save reading, never decide what is shown.
 *
 * A stream that fails (any error but BadUserInputError, which fails the whole list) is recorded
 * in `failures` and its unmerged items are dropped; the others go on.
 */
export async function mergeStreams<T extends Keyed>(args: MergeArgs<T>): Promise<MergeResult<T>> {
  // One more than `first`, so a newest-first stream's page also tells whether a next page exists.
  const need = args.first + 1;
  const states = args.streams.map(
    (s) => new StreamState(s, args.positions[s.id], args.after, need),
  );
  await Promise.all(states.filter((s) => !s.done).map((s) => s.read()));
  const { edges, hasNextPage } = await mergeEdges(states, args.first);
  const failures = new Map<string, unknown>();
  for (const s of states) if (s.failed) failures.set(s.stream.id, s.failure);
  const tracked = states.filter((s) => s.stream.newestFirst && !s.stream.startAfter);
  return {
    edges: edges.map((item) => ({
      item,
      positions: Object.fromEntries(tracked.map((s) => [s.stream.id, positionAfter(s, item)])),
    })),
    hasNextPage,
    failures,
  };
}

/** The first `first` items of the streams in the merged order, reading and completing as each is due, and whether more follow. */
async function mergeEdges<T extends Keyed>(
  states: StreamState<T>[],
  first: number,
): Promise<{ edges: T[]; hasNextPage: boolean }> {
  const edges: T[] = [];
  for (;;) {
    const head = headOf(states);
    const candidate = head?.peek();
    if (edges.length === first) {
      // Only whether anything follows matters now: any (complete) candidate does.
      if (head?.incomplete(candidate)) {
        await head.complete(1);
        continue;
      }
      if (candidate !== undefined) return { edges, hasNextPage: true };
      const pending = states.find((s) => s.blocks(undefined));
      if (!pending) break;
      await pending.read();
      continue;
    }
    const blocking = states.find((s) => s.blocks(candidate));
    if (blocking) {
      await blocking.read();
      continue;
    }
    if (head?.incomplete(candidate)) {
      await head.complete(head.need - edges.length);
      continue;
    }
    if (!head || candidate === undefined) break;
    head.head += 1;
    edges.push(candidate);
  }
  return { edges, hasNextPage: false };
}

/** The stream whose next item comes first in the merged order (undefined: none has one). */
function headOf<T extends Keyed>(states: StreamState<T>[]): StreamState<T> | undefined {
  let head: StreamState<T> | undefined;
  for (const s of states) {
    const item = s.peek();
    if (item !== undefined && (!head || compareListed(item, head.peek()!) < 0)) head = s;
  }
  return head;
}

/** The first item of the stream's pages, in the provider's order, that comes after `edge`; else the next page, or `end`. */
function positionAfter<T extends Keyed>(state: StreamState<T>, edge: Keyed): StreamPosition {
  if (state.start === 'end') return 'end';
  for (const page of state.pages) {
    for (let i = page.from; i < page.items.length; i++) {
      if (compareListed(page.items[i]!, edge) > 0) return { token: page.token, offset: i };
    }
  }
  const last = state.pages[state.pages.length - 1];
  if (!last) return state.start ?? { token: null, offset: 0 };
  return last.next === null ? 'end' : { token: last.next, offset: 0 };
}
