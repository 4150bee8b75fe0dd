import { AsyncLocalStorage } from 'node:async_hooks';
import type { ListCallContext } from './guardedCall.ts';
import type { Keyed, MergeStream } from './merge.ts';
import type { Snapshot } from './snapshot.ts';
import type { ListSnapshots, SnapshotFill } from './snapshots.ts';
import type { SnapshotKeys } from './streams.ts';
import type { Listed } from './summaries.ts';

/** Items a stream over a snapshot hands the merge at most at once (no upstream call: any size would do). */
export const SNAPSHOT_PAGE_SIZE = 1000;

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
  progress: { pages: number },
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
      const items: Listed[] = [];
      for (let i = from; i < to; i++) items.push(snap.item(i));
      return { items, next: to < snap.size ? String(to) : null };
    },
    select: (items) => stream.select(items),
    ...(stream.complete ? { complete: stream.complete } : {}),
  };
}
