import { describe, expect, it } from 'vitest';
import { boundedLine, MAX_LINE_BYTES } from '../../../src/datasources/logs/cloudWatchLogs.ts';

/** A log line's bound: 64 KiB of UTF-8 kept whole, a longer line cut at a character's boundary with a mark of its size. */
describe('A log line', () => {
  it('is kept whole up to 64 KiB of UTF-8', () => {
    const ascii = 'a'.repeat(MAX_LINE_BYTES);
    expect(boundedLine(ascii)).toBe(ascii);
    const emoji = '😀'.repeat(MAX_LINE_BYTES / 4);
    expect(boundedLine(emoji)).toBe(emoji);
  });

  it('is cut at 64 KiB past it, never inside a character, with a mark saying its whole size', () => {
    expect(boundedLine('a'.repeat(MAX_LINE_BYTES + 1))).toBe(
      `${'a'.repeat(MAX_LINE_BYTES)}… [cut: 65,537 bytes]`,
    );
    // The 16,385th emoji would end 4 bytes past the bound: it is left out whole.
    expect(boundedLine('😀'.repeat(MAX_LINE_BYTES / 4 + 1))).toBe(
      `${'😀'.repeat(MAX_LINE_BYTES / 4)}… [cut: 65,540 bytes]`,
    );
    expect(boundedLine(`x${'é'.repeat(MAX_LINE_BYTES / 2)}`)).toBe(
      `x${'é'.repeat(MAX_LINE_BYTES / 2 - 1)}… [cut: 65,537 bytes]`,
    );
  });
});
