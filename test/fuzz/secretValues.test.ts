import { inspect } from 'node:util';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  formsOf,
  MIN_SECRET_LENGTH,
  REDACTED,
  SecretValueRegistry,
} from '../../src/auth/secretValues.ts';

/**
 * What the registry must do, written the slow way: the values an LRU of `maxLearned` values and
 * `maxLearnedChars` characters of forms still holds, every occurrence of every form of theirs
 * found by `indexOf`, overlapping and touching runs made one `[REDACTED]`.
 */
class NaiveRegistry {
  private readonly held = new Map<string, number>(); // value → its forms' characters, oldest first

  constructor(
    private readonly maxLearned: number,
    private readonly maxLearnedChars: number,
  ) {}

  learn(value: string): void {
    if (value.length < MIN_SECRET_LENGTH) return;
    const cost = formsOf(value).reduce((sum, form) => sum + form.length, 0);
    if (this.held.delete(value)) return void this.held.set(value, cost);
    if (cost > this.maxLearnedChars) return;
    this.held.set(value, cost);
    const chars = () => [...this.held.values()].reduce((a, b) => a + b, 0);
    while (this.held.size > this.maxLearned || chars() > this.maxLearnedChars)
      this.held.delete(this.held.keys().next().value as string);
  }

  scrub(text: string): string {
    const ranges: [number, number][] = [];
    for (const form of new Set([...this.held.keys()].flatMap(formsOf))) {
      for (let at = text.indexOf(form); at !== -1; at = text.indexOf(form, at + 1))
        ranges.push([at, at + form.length]);
    }
    ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let out = '';
    let cursor = 0;
    for (let i = 0; i < ranges.length;) {
      const [start] = ranges[i] as [number, number];
      let end = (ranges[i] as [number, number])[1];
      for (i++; i < ranges.length && (ranges[i] as [number, number])[0] <= end; i++)
        end = Math.max(end, (ranges[i] as [number, number])[1]);
      out += text.slice(cursor, start) + REDACTED;
      cursor = end;
    }
    return out + text.slice(cursor);
  }
}

// A small alphabet, so values share windows, endings and beginnings, and texts hold them by chance.
// No `e`, `y`, `J` or `=`: the secret shapes (JWTs, signatures) stay out of it.
const piece = fc.string({
  unit: fc.constantFrom('a', 'b', '0', '-', '"', '\n', 'é'),
  minLength: 0,
  maxLength: 14,
});
const value = fc.oneof(
  piece.filter((s) => s.length >= 4),
  fc.tuple(piece, fc.constantFrom('', '-00000000', 'aaaaaaaa-shared-end')).map(([a, b]) => a + b),
  fc.tuple(fc.constantFrom('', 'shared-start-bbbbbbbb'), piece).map(([a, b]) => a + b),
);

/**
 * A value's forms written the slow way (as formsOf was written before it kept them in an array):
 * as is, JSON-escaped and as util.inspect quotes it; each of those JSON-escaped again; each of
 * those with non-ASCII as `\\uXXXX`; distinct, in the order first made. Plain values are themselves.
 */
function slowForms(v: string): string[] {
  if (v.length <= 10_000 && /^[ !#-&(-[\]-_a-~]*$/.test(v)) return [v];
  const jsonInner = (t: string) => JSON.stringify(t).slice(1, -1);
  const escapeNonAscii = (t: string) =>
    t.replace(/[\u007f-\uffff]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
  return [
    ...new Set(
      [...new Set([v, jsonInner(v), inspect(v).slice(1, -1)])]
        .flatMap((q) => [q, jsonInner(q)])
        .flatMap((f) => [f, escapeNonAscii(f)]),
    ),
  ];
}

/**
 * Values of one template, as a gateway reading many jobs of a provider holds them: one beginning,
 * one ending and one middle, an ID between (at its end or its start for some templates), IDs of
 * one width or not, so forms of a kind share their beginnings, their endings and their lengths.
 */
const templated = fc
  .record({
    head: fc.constantFrom('', 'manifestVersion:2.0\ndeviceId:', 'https://b.s3/'),
    middle: fc.constantFrom('', '\nreturnAddress:\n  name:Demo Storage Team', '/log.txt?X-Amz-'),
    tail: fc.constantFrom('', '\ncountry:USA', '&X-Amz-Signature=00000000', 'é"end"'),
    ids: fc.array(
      fc.string({ unit: fc.constantFrom('0', '1', '2', 'a'), minLength: 1, maxLength: 5 }),
      {
        minLength: 1,
        maxLength: 120,
      },
    ),
  })
  .map(({ head, middle, tail, ids }) => ids.map((id) => `${head}${id}${middle}${id}${tail}`));

/** A registry and its naive reference, of the same bounds, each having learned `values` in order. */
function bothLearning(
  values: readonly string[],
  maxLearned: number,
  maxLearnedChars: number,
): [SecretValueRegistry, NaiveRegistry] {
  // Every value learned as it is: the index is what is tested here, not which values qualify.
  const registry = new SecretValueRegistry(maxLearned, maxLearnedChars, (v) => [v]);
  const naive = new NaiveRegistry(maxLearned, maxLearnedChars);
  for (const v of values) {
    registry.learn(v);
    naive.learn(v);
  }
  return [registry, naive];
}

describe('SecretValueRegistry under fuzzing', () => {
  it('lists the same forms as the slow way, for values of every awkward character', () => {
    const awkward = fc.string({
      unit: fc.constantFrom(
        'a',
        '0',
        '"',
        "'",
        '`',
        '\\',
        '\n',
        '\t',
        '\u001b',
        '\u0085',
        'é',
        '✓',
        '\ud83d',
        '\ude00',
        '\u2028',
      ),
      maxLength: 20,
    });
    fc.assert(
      fc.property(awkward, (v) => {
        expect(formsOf(v)).toEqual(slowForms(v));
      }),
      { numRuns: 2_000 },
    );
  });

  it('scrubs exactly what a naive search finds when many values of one template come and go', () => {
    fc.assert(
      fc.property(
        templated,
        fc.array(fc.nat({ max: 119 }), { minLength: 1, maxLength: 6 }),
        fc.integer({ min: 4, max: 60 }),
        fc.integer({ min: 200, max: 4_000 }),
        (values, picks, maxLearned, maxLearnedChars) => {
          const [registry, naive] = bothLearning(values, maxLearned, maxLearnedChars);
          // Every picked value in each of its forms, held or forgotten, whole and cut at either side.
          for (const pick of picks) {
            for (const form of formsOf(values[pick % values.length] as string)) {
              for (const text of [form, `<${form}>${form}`, form.slice(1), form.slice(0, -1)])
                expect(registry.scrub(text)).toBe(naive.scrub(text));
            }
          }
        },
      ),
      { numRuns: 300 },
    );
  });

  it('scrubs exactly what a naive search for every held form finds, through learning, touching and forgetting', () => {
    fc.assert(
      fc.property(
        fc.array(value, { minLength: 1, maxLength: 60 }),
        fc.array(fc.oneof(piece, fc.nat({ max: 59 })), { maxLength: 12 }),
        fc.integer({ min: 2, max: 80 }),
        fc.integer({ min: 20, max: 2_000 }),
        (values, parts, maxLearned, maxLearnedChars) => {
          const [registry, naive] = bothLearning(values, maxLearned, maxLearnedChars);
          // A text of random pieces and of learned values in their forms, whole or cut.
          const text = parts
            .map((p, i) => {
              if (typeof p === 'string') return p;
              const forms = formsOf(values[p % values.length] as string);
              const form = forms[i % forms.length] as string;
              return i % 3 === 2 ? form.slice(1) : form;
            })
            .join('');
          expect(registry.scrub(text)).toBe(naive.scrub(text));
        },
      ),
      { numRuns: 400 },
    );
  });
});
