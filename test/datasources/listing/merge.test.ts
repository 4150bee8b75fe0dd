import { describe, expect, it } from 'vitest';
import { BadUserInputError } from '../../../src/errors.ts';
import {
  MAX_PAGES_PER_STREAM,
  PageLimitError,
  SNAPSHOT_CHUNK,
  compareListed,
  mergeStreams,
  type Keyed,
  type MergeResult,
  type MergeStream,
  type MergedEdge,
  type StreamPosition,
} from '../../../src/datasources/listing/merge.ts';

/** A provider's list in memory: its items in its own order, paged by index tokens, every call recorded. */
interface Fake extends MergeStream<Keyed> {
  calls: { token: string | null; size: number; fromCursor: boolean }[];
}

function fake(
  id: string,
  items: Keyed[],
  options: {
    newestFirst?: boolean;
    maxPageSize?: number;
    fail?: (token: string | null) => Error | undefined;
    keep?: (item: Keyed) => boolean;
    /** A stream over a snapshot: `items` in the merged order, started just after the page's edge. */
    snapshot?: boolean;
  } = {},
): Fake {
  const calls: Fake['calls'] = [];
  const startAfter = (after: Keyed | null) => {
    const at = after === null ? 0 : items.findIndex((item) => compareListed(item, after) > 0);
    return String(at < 0 ? items.length : at);
  };
  return {
    ...(options.snapshot ? { startAfter } : {}),
    id,
    newestFirst: options.newestFirst ?? false,
    maxPageSize: options.maxPageSize ?? 1000,
    calls,
    readPage(token, size, fromCursor) {
      calls.push({ token, size, fromCursor });
      const failure = options.fail?.(token);
      if (failure !== undefined) return Promise.reject(failure);
      const from = token === null ? 0 : Number(token);
      const to = from + Math.min(size, options.maxPageSize ?? 1000);
      return Promise.resolve({
        items: items.slice(from, to),
        next: to < items.length ? String(to) : null,
      });
    },
    select: (found) => Promise.resolve(found.filter(options.keep ?? (() => true))),
  };
}

/** Items a stream handed out over its calls (a snapshot's rows are built as they are handed out). */
const handedOut = (stream: Fake, length: number) =>
  stream.calls.reduce((n, c) => n + Math.max(0, Math.min(c.size, length - Number(c.token))), 0);

const job = (createdMs: number, id: string): Keyed => ({ createdMs, id });
const newestFirst = (items: Keyed[]) => [...items].sort(compareListed);
const oldestFirst = (items: Keyed[]) => newestFirst(items).reverse();
const ids = (items: { id: string }[]) => items.map((i) => i.id);

/** `n` jobs of stream `name`, created every `step` ms from `start` down. */
function series(name: string, n: number, start: number, step: number): Keyed[] {
  return Array.from({ length: n }, (_, i) =>
    job(start - i * step, `${name}-${String(i).padStart(3, '0')}`),
  );
}

/** Walk every page of `size`, as a client does: each page after the previous page's last edge, with its positions. */
async function walk(make: () => MergeStream<Keyed>[], size: number) {
  const out: Keyed[] = [];
  let after: Keyed | null = null;
  let positions: Record<string, StreamPosition> = {};
  for (let i = 0; i < 1000; i++) {
    const page: MergeResult<Keyed> = await mergeStreams({
      streams: make(),
      after,
      positions,
      first: size,
    });
    out.push(...page.edges.map((e) => e.item));
    if (!page.hasNextPage) return out;
    const last: MergedEdge<Keyed> = page.edges.at(-1)!;
    after = last.item;
    positions = last.positions;
  }
  throw new Error('never ended');
}

describe('The merged order', () => {
  it('is newest first, ties by global ID ascending', () => {
    const items = [job(1, 'b'), job(2, 'z'), job(1, 'a'), job(2, 'y')];
    expect(ids([...items].sort(compareListed))).toEqual(['y', 'z', 'a', 'b']);
  });
});

describe('Merging list streams', () => {
  const a = series('a', 30, 10_000, 70); // whole, listed oldest first
  const b = series('b', 45, 9_990, 45); // newest first, read lazily
  const c = [job(9_000, 'c-tie-1'), job(9_000, 'a-tie'), job(5_000, 'c-2')]; // ties with a/b
  const all = newestFirst([...a, ...b, ...c]);
  const streams = () => [
    fake('a', oldestFirst(a), { maxPageSize: 7 }),
    fake('b', b, { newestFirst: true, maxPageSize: 10 }),
    fake('c', c),
  ];

  it('gives one list in the merged order across streams, ties included', async () => {
    const page = await mergeStreams({ streams: streams(), after: null, positions: {}, first: 100 });
    expect(ids(page.edges.map((e) => e.item))).toEqual(ids(all).slice(0, 78));
    expect(page.hasNextPage).toBe(false);
    expect(page.failures.size).toBe(0);
  });

  it('reads a stream of unknown order whole, at its largest page, and a newest-first one only as far as the page needs', async () => {
    const made = streams();
    const [sa, sb] = made as [Fake, Fake, Fake];
    const page = await mergeStreams({ streams: made, after: null, positions: {}, first: 5 });
    expect(ids(page.edges.map((e) => e.item))).toEqual(ids(all).slice(0, 5));
    expect(page.hasNextPage).toBe(true);
    expect(sa.calls.map((c) => c.size)).toEqual([7, 7, 7, 7, 7]);
    // first + 1 items: enough to place the page and see that more follow.
    expect(sb.calls).toEqual([{ token: null, size: 6, fromCursor: false }]);
  });

  it.each([1, 2, 3, 7, 10, 29, 100])(
    'pages by %i without gaps or repeats: the same list as one page',
    async (size) => {
      expect(ids(await walk(streams, size))).toEqual(ids(all));
    },
  );

  it('resumes a newest-first stream from the position in the cursor, not from its start', async () => {
    const first = await mergeStreams({ streams: streams(), after: null, positions: {}, first: 20 });
    const last = first.edges.at(-1)!;
    expect(last.positions.b).toMatchObject({ token: expect.any(String) as string });
    const made = streams();
    const sb = made[1] as Fake;
    const next = await mergeStreams({
      streams: made,
      after: last.item,
      positions: last.positions,
      first: 5,
    });
    expect(ids(next.edges.map((e) => e.item))).toEqual(ids(all).slice(20, 25));
    const position = last.positions.b as { token: string; offset: number };
    expect(sb.calls[0]).toEqual({
      token: position.token,
      size: position.offset + 6,
      fromCursor: true,
    });
    // Nothing before the position is asked for again.
    expect(sb.calls.every((c) => c.token !== null)).toBe(true);
  });

  it('never merges an item while an unread item of a newest-first stream could come first (same time, smaller ID)', async () => {
    // The lazy stream's first page ends at t=50; its next page starts with t=50 and a smaller ID.
    const lazy = [job(90, 'l-1'), job(50, 'l-9'), job(50, 'l-0'), job(10, 'l-x')];
    const other = [job(50, 'm-5'), job(40, 'm-4')];
    const page = await mergeStreams({
      streams: [fake('lazy', lazy, { newestFirst: true, maxPageSize: 2 }), fake('other', other)],
      after: null,
      positions: {},
      first: 4,
    });
    expect(ids(page.edges.map((e) => e.item))).toEqual(['l-1', 'l-0', 'l-9', 'm-5']);
  });

  it('reads a stream said to list newest first whole once its pages show otherwise', async () => {
    const flipped = fake('b', oldestFirst(b), { newestFirst: true, maxPageSize: 10 });
    const page = await mergeStreams({
      streams: [fake('a', oldestFirst(a)), flipped, fake('c', c)],
      after: null,
      positions: {},
      first: 10,
    });
    expect(ids(page.edges.map((e) => e.item))).toEqual(ids(all).slice(0, 10));
    expect(flipped.calls.at(-1)!.token).toBe('40');
    expect(
      ids(
        await walk(
          () => [
            fake('a', oldestFirst(a)),
            fake('b', oldestFirst(b), { newestFirst: true, maxPageSize: 10 }),
            fake('c', c),
          ],
          7,
        ),
      ),
    ).toEqual(ids(all));
  });

  it('leaves out what the filter drops and still pages without gaps, reading larger pages while a filter skips', async () => {
    const keep = (item: Keyed) => item.createdMs % 3 !== 0;
    const make = () => [
      fake('a', oldestFirst(a), { keep }),
      fake('b', b, { newestFirst: true, keep }),
    ];
    const expected = newestFirst([...a, ...b]).filter(keep);
    expect(ids(await walk(make, 4))).toEqual(ids(expected));
    // Everything in b (45 jobs) dropped: its pages grow (6, 12, 24, 48) until it is read through.
    const dropping = fake('b', b, { newestFirst: true, keep: () => false });
    const page = await mergeStreams({
      streams: [dropping],
      after: null,
      positions: {},
      first: 5,
    });
    expect(page.edges).toEqual([]);
    expect(dropping.calls.map((c) => c.size)).toEqual([6, 12, 24, 48]);
  });

  it(`reads streams over snapshots ${SNAPSHOT_CHUNK} rows at a time: a page builds about the rows it shows, not \`first\` rows of every source`, async () => {
    const sources = ['p', 'q', 'r', 's', 't'].map((name, i) => series(name, 300, 100_000 - i, 5));
    const make = () =>
      sources.map((items, i) =>
        fake(`s${i}`, newestFirst(items), { newestFirst: true, snapshot: true }),
      );
    const made = make();
    const page = await mergeStreams({ streams: made, after: null, positions: {}, first: 100 });
    expect(ids(page.edges.map((e) => e.item))).toEqual(
      ids(newestFirst(sources.flat())).slice(0, 100),
    );
    const rows = made.reduce((n, s) => n + handedOut(s, 300), 0);
    // The 100 rows shown and, at most, one read of each source beyond them (it was 5 × 101).
    expect(rows).toBeLessThanOrEqual(100 + sources.length * SNAPSHOT_CHUNK);
    expect(ids(await walk(make, 100))).toEqual(ids(newestFirst(sources.flat())));
  });

  it('completes an item that needs a lookup only as it is about to be merged, no more than the page needs', async () => {
    const looked: string[] = [];
    const withLookup = (): MergeStream<Keyed> => ({
      ...fake('b', b, { newestFirst: true }),
      complete: {
        needs: (item) => !item.id.endsWith('!'),
        run: (items) => {
          looked.push(...ids(items));
          // Every third job is gone (left out); the others come back completed.
          return Promise.resolve(
            items.map((item) =>
              Number(item.id.slice(2)) % 3 === 0 ? null : { ...item, id: `${item.id}!` },
            ),
          );
        },
      },
    });
    const page = await mergeStreams({
      streams: [withLookup(), fake('c', c)],
      after: null,
      positions: {},
      first: 4,
    });
    expect(ids(page.edges.map((e) => e.item))).toEqual(['b-001!', 'b-002!', 'b-004!', 'b-005!']);
    expect(page.hasNextPage).toBe(true);
    // first + 1 for the page (b-000…b-004: two gone), then as many as the page still needs (b-005,
    // b-006: one gone), then one to see that more follow (b-007).
    expect(looked).toEqual([
      'b-000',
      'b-001',
      'b-002',
      'b-003',
      'b-004',
      'b-005',
      'b-006',
      'b-007',
    ]);

    const failing = await mergeStreams({
      streams: [
        {
          ...withLookup(),
          complete: { needs: () => true, run: () => Promise.reject(new Error('x')) },
        },
        fake('c', c),
      ],
      after: null,
      positions: {},
      first: 10,
    });
    expect([...failing.failures.keys()]).toEqual(['b']);
    expect(ids(failing.edges.map((e) => e.item))).toEqual(ids(newestFirst(c)));
  });

  it('says whether a next page exists exactly', async () => {
    const two = [job(2, 'x'), job(1, 'y')];
    const exact = await mergeStreams({
      streams: [fake('s', two, { newestFirst: true, maxPageSize: 1 })],
      after: null,
      positions: {},
      first: 2,
    });
    expect(exact.hasNextPage).toBe(false);
    expect(exact.edges.at(-1)!.positions.s).toBe('end');
    const more = await mergeStreams({
      streams: [fake('s', two)],
      after: null,
      positions: {},
      first: 1,
    });
    expect(more.hasNextPage).toBe(true);
  });

  it('reads nothing of a stream whose position is the end', async () => {
    const ended = fake('b', b, { newestFirst: true });
    const page = await mergeStreams({
      streams: [ended, fake('c', c)],
      after: job(9_500, 'x'),
      positions: { b: 'end' },
      first: 10,
    });
    expect(ended.calls).toEqual([]);
    expect(ids(page.edges.map((e) => e.item))).toEqual(['a-tie', 'c-tie-1', 'c-2']);
  });

  it('records a failing stream and merges the others', async () => {
    const boom = new Error('upstream down');
    const page = await mergeStreams({
      streams: [
        fake('a', oldestFirst(a), { maxPageSize: 7, fail: (t) => (t === '14' ? boom : undefined) }),
        fake('c', c),
      ],
      after: null,
      positions: {},
      first: 10,
    });
    expect(page.failures).toEqual(new Map([['a', boom]]));
    expect(ids(page.edges.map((e) => e.item))).toEqual(ids(newestFirst(c)));
  });

  it('fails the whole list for a BadUserInputError (a refused cursor position)', async () => {
    const refused = new BadUserInputError('expired');
    await expect(
      mergeStreams({
        streams: [fake('b', b, { newestFirst: true, fail: () => refused }), fake('c', c)],
        after: job(9_500, 'x'),
        positions: { b: { token: '3', offset: 1 } },
        first: 10,
      }),
    ).rejects.toBe(refused);
  });

  it(`fails a stream with more than ${MAX_PAGES_PER_STREAM} pages to read`, async () => {
    const long = fake('long', series('l', 41, 1000, 1), { maxPageSize: 1 });
    const page = await mergeStreams({
      streams: [long, fake('c', c)],
      after: null,
      positions: {},
      first: 3,
    });
    expect(long.calls).toHaveLength(MAX_PAGES_PER_STREAM);
    expect(page.failures.get('long')).toBeInstanceOf(PageLimitError);
    expect(ids(page.edges.map((e) => e.item))).toEqual(ids(newestFirst(c)));
    // 40 pages exactly still list.
    const forty = fake('forty', series('f', 40, 1000, 1), { maxPageSize: 1 });
    const ok = await mergeStreams({ streams: [forty], after: null, positions: {}, first: 100 });
    expect(ok.edges).toHaveLength(40);
    expect(ok.failures.size).toBe(0);
  });
});
