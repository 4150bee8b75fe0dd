import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.ts';

/**
 * Every whole-number variable docs/configuration.md (the variables' reference, which the README
 * links to) gives bounds for, as it writes them: `` `NAME` (min–max ``.
 */
const DOC = readFileSync(new URL('../docs/configuration.md', import.meta.url), 'utf8');
const documented = [
  ...new Map(
    [...DOC.matchAll(/`(JOBGRAPH_[A-Z_]+)` \((\d+)–(\d+)/g)].map((m) => [
      m[1] as string,
      { min: m[2] as string, max: m[3] as string },
    ]),
  ),
];

describe('The documented bounds of the whole-number settings (docs/configuration.md)', () => {
  it('are read from docs/configuration.md (a table that lost its bounds would pass every check below)', () => {
    expect(documented.length).toBeGreaterThan(20);
  });

  it.each(documented)('%s: the bounds the configuration holds a value to', (name, { min, max }) => {
    // A value that is not a number is refused with the variable's bounds, whatever the others are.
    expect(() => loadConfig({ mode: 'live' }, { [name]: 'not-a-number' })).toThrow(
      new RegExp(`${name}\\b.*between ${min} and ${max}$`),
    );
    expect(() => loadConfig({ mode: 'live' }, { [name]: String(BigInt(max) + 1n) })).toThrow(
      `between ${min} and ${max}`,
    );
  });
});
