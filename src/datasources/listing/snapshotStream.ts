import { AsyncLocalStorage } from 'node:async_hooks';
import { createHash } from 'node:crypto';
import type { ListCallContext } from './guardedCall.ts';
import type { Keyed, MergeStream } from './merge.ts';
import type { Snapshot } from './snapshot.ts';
import type { ListSnapshots, ReadProgress, SnapshotFill } from './snapshots.ts';
import type { SnapshotKeys } from './streams.ts';
import type { Listed } from './summaries.ts';

/** Items a stream over a snapshot hands the merge at most at once (no upstream call: any size would do). */
const SNAPSHOT_PAGE_SIZE = 1000;

/** The context of the snapshot read running now, if any: its list calls run in it, not in the page's. */
const reads = new AsyncLocalStorage<ListCallContext>();

/**
 * The context a provider's list call runs in: the snapshot read's that makes it (its own signal
 * and deadline, shared by every page waiting for it), else the page's.
 */
export function callContextOf(page: ListCallContext): ListCallContext {
  return reads.getStore() ?? page;
}

/** Every page of `stream` from the first, at its largest page size, through `ctx`. */
async function readWhole(
  stream: MergeStream<Listed>,
  ctx: ListCallContext,
  progress: ReadProgress,
): Promise<Listed[]> {
  const items: Listed[] = [];
  let token: string | null = null;
  do {
    const page = await reads.run(ctx, () => stream.readPage(token, stream.maxPageSize, false));
    progress.pages += 1;
    for (const item of page.items) items.push(item);
    token = page.next;
  } while (token !== null);
  return items;
}

/** What a page's streams over snapshots share: the snapshots, the page's context and deadline. */
export interface SnapshotPageEnv {
  snapshots: ListSnapshots;
  ctx: ListCallContext;
  /** A read's deadline from its start, in ms (JOBGRAPH_UPSTREAM_BUDGET_MS). */
  budgetMs: number;
  /** Asked before the page starts a read of its own (the request's cold sources); absent: always. */
  admit?: (() => boolean) | undefined;
}

/**
 * `stream`, a source read whole, as the merge reads it in one page: its snapshot (listing/
 * snapshots.ts) — held, another replica's, one being read, or read now, in every page at once
 * through `stream.readPage` — looked up once for the page, then handed over in the merged order
 * from just after the page's `after`, so a walk goes on by keyset whatever snapshot the next page
 * finds: a renewed one (jobs added, some gone) gives no repeat and skips no job that is still
 * listed. The filter is applied by `stream.select`, as before. A snapshot without the provider's
 * filter (`keys.base`) serves a filtered stream when one is at hand; else the filtered read is its
 * own snapshot. The page counts the calls of a read it started, and asks `env.admit` before
 * starting one (a snapshot that serves the page costs it nothing).
 */
export function snapshotStream(
  stream: MergeStream<Listed>,
  keys: SnapshotKeys,
  env: SnapshotPageEnv,
): MergeStream<Listed> {
  const { snapshots, ctx, budgetMs, admit } = env;
  const { provider, key, base } = keys;
  const fill: SnapshotFill = {
    provider,
    caller: ctx.caller,
    budgetMs,
    read: (readCtx, progress) => readWhole(stream, readCtx, progress),
    ...(admit ? { admit } : {}),
  };
  let snapshot: Promise<Snapshot> | undefined;
  let after: Keyed | null = null;
  const acquire = async (): Promise<Snapshot> => {
    const taken = await snapshots.take(key, snapshots.ttlMs, fill, ctx.signal, base);
    ctx.calls += taken.calls;
    return taken.snapshot;
  };
  return {
    id: stream.id,
    newestFirst: true,
    maxPageSize: SNAPSHOT_PAGE_SIZE,
    startAfter(from) {
      after = from;
      return null;
    },
    async readPage(token, size) {
      const snap = await (snapshot ??= acquire());
      const from = token === null ? snap.indexAfter(after) : Number(token);
      const to = Math.min(snap.size, from + size);
      return { items: itemsOf(snap, from, to), next: to < snap.size ? String(to) : null };
    },
    select: (items) => stream.select(items),
    ...(stream.complete ? { complete: stream.complete } : {}),
  };
}

/** The items of a snapshot from index `from` up to `to`, in its order, each built anew and dated by its read. */
function itemsOf(snapshot: Snapshot, from = 0, to = snapshot.size): Listed[] {
  const items: Listed[] = [];
  for (let i = from; i < to; i++) {
    const item = snapshot.item(i);
    item.readAt = snapshot.takenAt;
    items.push(item);
  }
  return items;
}

/**
 * Where one upstream page of a stream read page by page is kept: the stream's key, then `#page:`
 * and `top` (its first page) or a digest of the page's token — an upstream token is opaque text
 * that neither a key nor a log line needs. (`#` is in no source's key: `@` is, for accounts.)
 */
export function pageKey(keys: SnapshotKeys, token: string | null): string {
  const at =
    token === null ? 'top' : createHash('sha256').update(token).digest('base64url').slice(0, 22);
  return `${keys.key}#page:${at}`;
}

/** Starts a token that names a window of a kept page: no upstream token does (they are IDs and base64). */
const WINDOW = '\u001fwindow:';

/**
 * The token of the window of upstream page `token` (null: the first page) that starts at `row`:
 * the upstream token itself for row 0, else `WINDOW`, the row, `:` and the token (nothing for the
 * first page's, `=` before any other, so the two never read alike). Carried in cursors, which are
 * integrity-protected (cursor.ts): a client cannot make one up.
 */
function windowToken(token: string | null, row: number): string | null {
  if (row === 0) return token;
  return `${WINDOW}${row}:${token === null ? '' : `=${token}`}`;
}

/** The upstream page and first row a window's token names ({@link windowToken}); any other token is its page's row 0. */
function windowOf(window: string | null): { token: string | null; row: number } {
  if (window === null || !window.startsWith(WINDOW)) return { token: window, row: 0 };
  const colon = window.indexOf(':', WINDOW.length);
  const row = Number(window.slice(WINDOW.length, colon));
  const rest = window.slice(colon + 1);
  return {
    token: rest === '' ? null : rest.slice(1),
    row: Number.isSafeInteger(row) && row >= 0 ? row : 0,
  };
}

/**
 * `stream`, a source read page by page in its documented order (newest first: Import/Export,
 * AWS Batch's queues), with its upstream pages shared: each page is read at the provider's
 * largest page size, kept compactly (a `Snapshot` of one page, its next token with it) in
 * `env.snapshots` under `pageKey` for the snapshots' lifetime, and shared by every page and
 * caller that wants it, in flight too — so one walk's read serves its next pages and every other
 * reader (20 dashboards on one filter cost one dashboard's reads). A page's items come in the
 * merged order (the snapshot's); a kept page is handed out in windows of the rows the merge asks
 * for (`size`), each row built only when handed out, the window after it named by a token of the
 * upstream page's token and the row it starts at ({@link windowToken}); a cursor goes on from a
 * window's token and an offset into it, so the next page of a walk is the kept page again, from
 * where the last one stopped. The page counts the calls of a read it started, and asks
 * `env.admit` once, before the first read it starts (a kept page costs it nothing).
 */
export function pagedStream(
  stream: MergeStream<Listed>,
  keys: SnapshotKeys,
  env: SnapshotPageEnv,
): MergeStream<Listed> {
  const { snapshots, ctx, budgetMs, admit } = env;
  let admitted = false;
  return {
    id: stream.id,
    newestFirst: stream.newestFirst,
    maxPageSize: stream.maxPageSize,
    at(window, offset) {
      const { token, row } = windowOf(window);
      return windowToken(token, row + offset);
    },
    async readPage(window, size, fromCursor) {
      const { token, row } = windowOf(window);
      const fill: SnapshotFill = {
        provider: keys.provider,
        caller: ctx.caller,
        budgetMs,
        async read(readCtx, progress) {
          const page = await reads.run(readCtx, () =>
            stream.readPage(token, stream.maxPageSize, fromCursor && token !== null),
          );
          progress.pages = 1;
          progress.next = page.next;
          return page.items;
        },
        admit: () => admitted || (admitted = admit ? admit() : true),
      };
      const taken = await snapshots.take(pageKey(keys, token), snapshots.ttlMs, fill, ctx.signal);
      ctx.calls += taken.calls;
      const page = taken.snapshot;
      const from = Math.min(row, page.size);
      const to = Math.min(page.size, from + Math.max(1, size));
      return {
        items: itemsOf(page, from, to),
        next: to < page.size ? windowToken(token, to) : page.next,
      };
    },
    select: (items) => stream.select(items),
    ...(stream.complete ? { complete: stream.complete } : {}),
  };
}
