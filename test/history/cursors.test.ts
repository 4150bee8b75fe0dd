import { describe, expect, it } from 'vitest';
import { CursorSeal } from '../../src/cache/cursorSeal.ts';
import { BadUserInputError } from '../../src/errors.ts';
import { sealedHistoryCursors } from '../../src/history/requestHistory.ts';

// jobHistory's cursors name a keyset position, (sort_at, seq) since history migration 4, and the
// store that made it since migration 9 (key label "… v3"); before, (sort_at, job ID) under "… v1".
const SECRET = 'a-cursor-secret-of-at-least-32-characters!';
const STORE = 'store-a';

describe("jobHistory's sealed cursors", () => {
  const cursors = sealedHistoryCursors(SECRET, STORE);

  it('give back the position they were made from', () => {
    const cursor = cursors.encode('2026-11-27T07:00:00.000Z', 41_007);
    expect(cursors.decode(cursor)).toEqual(['2026-11-27T07:00:00.000Z', 41_007]);
    // Another gateway with the same secret (a replica) reads it too.
    expect(sealedHistoryCursors(SECRET, STORE).decode(cursor)).toEqual([
      '2026-11-27T07:00:00.000Z',
      41_007,
    ]);
  });

  it('refuse, in words, a cursor another store made under the same secret', () => {
    const other = sealedHistoryCursors(SECRET, 'store-b').encode('2026-11-27T07:00:00.000Z', 1);
    expect(() => cursors.decode(other)).toThrow(BadUserInputError);
    expect(() => cursors.decode(other)).toThrow(
      /is a cursor of another history store: .*JOBGRAPH_HISTORY_URL.*ask again without `after`/,
    );
  });

  it.each(['v1', 'v2'])('refuse a cursor of the %s key as the caller’s mistake', (v) => {
    const old = new CursorSeal(SECRET, `jobgraph jobHistory cursor ${v}`, 1024).seal(
      Buffer.from(JSON.stringify(['2026-11-27T07:00:00.000Z', 1])),
    );
    expect(() => cursors.decode(old)).toThrow(/not a cursor of jobHistory; ask again/);
  });

  it('refuse a cursor of the version before seq (sort_at and job ID, the v1 key) as the caller’s mistake', () => {
    const v1 = new CursorSeal(SECRET, 'jobgraph jobHistory cursor v1', 1024).seal(
      Buffer.from(JSON.stringify(['2026-11-27T07:00:00.000Z', 'batch:us-east-1:j1'])),
    );
    expect(() => cursors.decode(v1)).toThrow(BadUserInputError);
    expect(() => cursors.decode(v1)).toThrow(
      /not a cursor of jobHistory; ask again without `after`/,
    );
  });

  it.each([
    ['a job ID where seq goes', ['2026-11-27T07:00:00.000Z', 'batch:us-east-1:j1', STORE]],
    ['seq as text', ['2026-11-27T07:00:00.000Z', '41007', STORE]],
    ['a fractional seq', ['2026-11-27T07:00:00.000Z', 1.5, STORE]],
    ['a negative seq', ['2026-11-27T07:00:00.000Z', -1, STORE]],
    ['no store', ['2026-11-27T07:00:00.000Z', 1]],
    ['a store that is no text', ['2026-11-27T07:00:00.000Z', 1, 2]],
    ['a fourth element', ['2026-11-27T07:00:00.000Z', 1, STORE, 4]],
  ])('refuse a position holding %s, even sealed with the current key', (_, position) => {
    const sealed = new CursorSeal(SECRET, 'jobgraph jobHistory cursor v3', 1024).seal(
      Buffer.from(JSON.stringify(position)),
    );
    expect(() => cursors.decode(sealed)).toThrow(BadUserInputError);
  });

  it('refuse an unsealed position', () => {
    const bare = Buffer.from(JSON.stringify(['2026-11-27T07:00:00.000Z', 1])).toString('base64url');
    expect(() => cursors.decode(bare)).toThrow(BadUserInputError);
  });
});
