import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  arr,
  bool,
  enumValue,
  int,
  keyValues,
  obj,
  str,
} from '../../src/datasources/shared/json.ts';
import { parseJsonBody } from './jsonBody.ts';
import { toIsoTimestamp } from '../../src/datasources/shared/time.ts';
import {
  boolean,
  child,
  children,
  createXmlParser,
  decodeXmlText,
  integer,
  text,
  type XmlNode,
} from '../../src/datasources/shared/xml.ts';
import { MalformedBodyError } from '../../src/errors.ts';
import { anything, EDGE_NUMBERS, ISO_UTC, malformedOnly } from './support.ts';

/** What the predefined entities and character references must decode back to. */
const escapeXml = (s: string) =>
  s.replace(
    /[&<>"']/g,
    (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c] as string,
  );
const numericRefs = (s: string, hex: boolean) =>
  [...s]
    .map((c) => {
      const cp = c.codePointAt(0) as number;
      return hex ? `&#x${cp.toString(16)};` : `&#${cp};`;
    })
    .join('');

const xmlText = fc.oneof(
  fc.string({ unit: 'binary' }),
  fc.string({
    unit: fc.constantFrom(
      '&',
      '#',
      'x',
      ';',
      'a',
      'm',
      'p',
      'l',
      't',
      '1',
      'F',
      '0',
      '&amp;',
      '&#',
      '&#x',
      'ffffffff',
    ),
  }),
  fc.constantFrom(
    '&#x110000;',
    '&#1114112;',
    '&#99999999999;',
    `&#x${'f'.repeat(400)};`,
    `&#${'9'.repeat(400)};`,
    '&#xD800;',
    '&#0;',
    '&#;',
    '&amp;amp;',
    '&xxe;',
  ),
);

describe('The shared XML readers under fuzzing', () => {
  it('decode any text or throw MalformedBodyError, and never decode twice', () => {
    fc.assert(
      fc.property(xmlText, (s) => {
        const out = malformedOnly(() => decodeXmlText(s));
        if (!s.includes('&')) expect(out).toEqual({ ok: true, value: s });
      }),
      { seed: 0x7ead_0001, numRuns: 1000 },
    );
  });

  it('decode exactly as the regular expression it replaced: the same text or the same refusal', () => {
    // The decoder before it read each reference with this expression and a callback per match.
    const byRegex = (t: string) =>
      t.includes('&')
        ? t.replace(
            /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos)?(;)?/g,
            (_, ref: string | undefined, semi: string | undefined) => {
              if (ref === undefined || semi === undefined)
                throw new MalformedBodyError(
                  'XML body has an undeclared or broken entity reference',
                );
              if (!ref.startsWith('#'))
                return { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" }[ref]!;
              const cp = ref.startsWith('#x')
                ? parseInt(ref.slice(2), 16)
                : parseInt(ref.slice(1), 10);
              if (!(cp <= 0x10ffff))
                throw new MalformedBodyError('XML body has a character reference beyond U+10FFFF');
              return String.fromCodePoint(cp);
            },
          )
        : t;
    // Texts made of the pieces of references, right and wrong, and of the characters beside them.
    const pieces = fc.string({
      unit: fc.constantFrom(
        ...['&', '#', 'x', 'X', ';', 'a', 'm', 'p', 'l', 't', 'g', 'q', 'u', 'o', 's', 'G', 'f'],
        ...['F', '0', '1', '9', ' ', '\n', 'é', '😀', '&#x', '&#', '&amp;', '&lt', 'quot;', 'apos'],
        ...['&#x10FFFF;', '&#x110000;', '&#1114111;', '&#1114112;', '&#xD800;', '&#0;'],
      ),
      maxLength: 30,
    });
    fc.assert(
      fc.property(fc.oneof(xmlText, pieces), (s) => {
        const expected = malformedOnly(() => byRegex(s));
        const actual = malformedOnly(() => decodeXmlText(s));
        // The same text, or a refusal with the same message.
        expect(actual).toEqual(expected);
      }),
      {
        seed: 0x7ead_0011,
        numRuns: 3000,
        examples: [
          ['&#X41;'],
          ['&#x1G;'],
          ['&#;'],
          ['&#x;'],
          ['&ampx;'],
          ['&amp'],
          ['a&b'],
          ['&#65;&#x42;&lt;'],
        ],
      },
    );
  });

  it('decode what was escaped, by name or by character reference, back to the exact text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary' }), fc.boolean(), (s, hex) => {
        expect(decodeXmlText(escapeXml(s))).toBe(s);
        expect(decodeXmlText(numericRefs(s, hex))).toBe(s);
      }),
      { seed: 0x7ead_0002, numRuns: 500 },
    );
  });

  it('parse any body with any array paths into a tree or throw MalformedBodyError', () => {
    const body = fc.oneof(
      fc.string({ unit: 'binary', maxLength: 200 }),
      fc.string({
        unit: fc.constantFrom(
          '<a>',
          '</a>',
          '<b/>',
          '<__proto__>',
          '</__proto__>',
          '<constructor/>',
          'x',
          '&#x110000;',
          '&lt;',
          '<![CDATA[',
          ']]>',
          '<!--',
          '-->',
          '<?x?>',
          '<!DOCTYPE a>',
          ' ',
          '<a b="c">',
        ),
        maxLength: 30,
      }),
    );
    fc.assert(
      fc.property(
        fc.array(fc.constantFrom('a', 'a.b', 'a.a', 'a.__proto__', 'a.b.c', ''), { maxLength: 3 }),
        body,
        (paths, b) => {
          const out = malformedOnly(() => createXmlParser(paths)(b));
          if (out.ok) expect(typeof out.value).toBe('object');
        },
      ),
      { seed: 0x7ead_0003, numRuns: 1000 },
    );
  });

  it('read any node (parsed or not) without throwing anything but MalformedBodyError', () => {
    const parse = createXmlParser(['r.m']);
    const node = fc.oneof(
      anything,
      fc
        .string({
          unit: fc.constantFrom(
            '<m>',
            '</m>',
            '<k>',
            '</k>',
            '<m/>',
            '1',
            '-',
            'true',
            ' ',
            '#text',
          ),
          maxLength: 12,
        })
        .map((s) => {
          try {
            return parse(`<r>${s}</r>`).r;
          } catch {
            return undefined;
          }
        }),
    );
    fc.assert(
      fc.property(
        node,
        fc.constantFrom('m', 'k', '#text', '__proto__', 'constructor', 'toString', 'length', '0'),
        (n, name) => {
          const x = n as XmlNode;
          malformedOnly(() => child(x, name));
          const list = malformedOnly(() => children(x, name));
          if (list.ok) expect(Array.isArray(list.value)).toBe(true);
          const t = malformedOnly(() => text(x));
          if (t.ok) expect(t.value === null || typeof t.value === 'string').toBe(true);
          const i = malformedOnly(() => integer(x, 'F'));
          if (i.ok && i.value !== null) expect(Number.isInteger(i.value)).toBe(true);
          const b = malformedOnly(() => boolean(x, 'F'));
          if (b.ok) expect([null, true, false]).toContain(b.value);
        },
      ),
      { seed: 0x7ead_0004, numRuns: 1000 },
    );
  });
});

describe('The shared JSON readers under fuzzing', () => {
  it('parse any body text into an object or throw MalformedBodyError', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: 'binary' }),
          fc.jsonValue().map((v) => JSON.stringify(v)),
          fc.json(),
        ),
        (body) => {
          const out = malformedOnly(() => parseJsonBody(body));
          if (out.ok)
            expect(
              out.value !== null && typeof out.value === 'object' && !Array.isArray(out.value),
            ).toBe(true);
        },
      ),
      { seed: 0x7ead_0005, numRuns: 1000 },
    );
  });

  it('read any value with the typed readers or throw MalformedBodyError', () => {
    fc.assert(
      fc.property(anything, (v) => {
        const o = malformedOnly(() => obj(v, 'F'));
        if (o.ok && o.value !== null) expect(typeof o.value).toBe('object');
        const s = malformedOnly(() => str(v, 'F'));
        if (s.ok) expect(s.value === null || typeof s.value === 'string').toBe(true);
        const b = malformedOnly(() => bool(v, 'F'));
        if (b.ok) expect([null, true, false]).toContain(b.value);
        const i = malformedOnly(() => int(v, 'F'));
        if (i.ok && i.value !== null) expect(Number.isInteger(i.value)).toBe(true);
        const a = malformedOnly(() => arr(v, 'F'));
        if (a.ok) expect(Array.isArray(a.value)).toBe(true);
        const kv = malformedOnly(() => keyValues(v, 'F'));
        if (kv.ok)
          for (const e of kv.value)
            expect([typeof e.key, typeof e.value]).toEqual(['string', 'string']);
        expect(enumValue(typeof v === 'string' ? v : null, ['A', 'B'] as const)).toBe(
          v === 'A' || v === 'B' ? v : null,
        );
      }),
      { seed: 0x7ead_0006, numRuns: 1500 },
    );
  });
});

describe('toIsoTimestamp under fuzzing', () => {
  const numericText = fc
    .tuple(
      fc.constantFrom('', '+', '-'),
      fc.stringMatching(/^\d{1,20}$/),
      fc.option(fc.stringMatching(/^\.\d{1,8}$/), { nil: '' }),
      fc.option(fc.stringMatching(/^[eE][+-]?\d{1,4}$/), { nil: '' }),
      fc.constantFrom('', ' ', '\n'),
    )
    .map((parts) => parts.join(''));
  const dateText = fc
    .tuple(fc.date({ noInvalidDate: true }), fc.constantFrom('Z', '+00:00', '+05:30', '-08:00', ''))
    .map(([d, zone]) => d.toISOString().replace('Z', zone));
  const value = fc.oneof(
    anything,
    fc.double(),
    fc.constantFrom(...EDGE_NUMBERS, Number.MAX_VALUE, Number.MIN_VALUE),
    numericText,
    dateText,
    fc.string({ unit: 'binary' }),
    fc.constantFrom(
      '',
      ' ',
      'now',
      'Mon, 01 Jul 2024 09:30:00 GMT',
      '2024-02-30T00:00:00Z',
      '+275760-09-13T00:00:00.000Z',
      '+275760-09-13T00:00:00.001Z',
    ),
  );

  it('returns null, an ISO-8601 UTC string, or throws MalformedBodyError naming the field', () => {
    fc.assert(
      fc.property(value, (v) => {
        const out = malformedOnly(() => toIsoTimestamp(v, 'SomeField'));
        if (out.ok) {
          if (out.value !== null) expect(out.value).toMatch(ISO_UTC);
          else expect([null, undefined, '']).toContain(v);
        } else expect(out.error.message).toContain('SomeField');
      }),
      { seed: 0x7ead_0007, numRuns: 2000 },
    );
  });

  it('keeps every representable instant sent as ISO text', () => {
    fc.assert(
      fc.property(fc.date({ noInvalidDate: true }), (d) => {
        const iso = d.toISOString();
        expect(toIsoTimestamp(iso, 'T')).toBe(iso);
      }),
      { seed: 0x7ead_0008, numRuns: 1000 },
    );
  });

  it('answers UTC text of any day, hour and fraction as the Date round trip does', () => {
    // The canonical text is returned without a Date (time.ts): it must agree with parsing and
    // printing, including the days a month lacks (rolled over) and leap seconds (refused).
    const two = (max: number) => fc.integer({ min: 0, max }).map((n) => String(n).padStart(2, '0'));
    const utcText = fc
      .tuple(
        fc.integer({ min: 0, max: 9999 }).map((n) => String(n).padStart(4, '0')),
        two(13),
        two(32),
        two(24),
        two(60),
        two(61),
        fc.constantFrom('', '.000', '.5', '.123', '.999', '.1234'),
        fc.constantFrom('Z', 'z', '+00:00', ' Z', 'Z '),
      )
      .map(([y, mo, d, h, mi, s, frac, zone]) => `${y}-${mo}-${d}T${h}:${mi}:${s}${frac}${zone}`);
    const roundTrip = (text: string) => {
      const ms = Date.parse(text.trim());
      return Number.isFinite(ms) ? new Date(Math.round(ms)).toISOString() : 'refused';
    };
    fc.assert(
      fc.property(utcText, (text) => {
        const out = malformedOnly(() => toIsoTimestamp(text, 'T'));
        expect(out.ok ? out.value : 'refused').toBe(roundTrip(text));
      }),
      { seed: 0x7ead_000a, numRuns: 3000 },
    );
  });

  it('keeps the millisecond of epoch seconds for years 1900-2200', () => {
    // Beyond about year 30000 a double no longer holds seconds with three exact decimals, so
    // the wire value itself has lost the millisecond; that range is not checked.
    const realistic = fc.date({
      min: new Date('1900-01-01T00:00:00Z'),
      max: new Date('2200-01-01T00:00:00Z'),
      noInvalidDate: true,
    });
    fc.assert(
      fc.property(realistic, (d) => {
        const iso = d.toISOString();
        expect(toIsoTimestamp(d.getTime() / 1000, 'T')).toBe(iso);
        expect(toIsoTimestamp(String(d.getTime() / 1000), 'T')).toBe(iso);
        expect(toIsoTimestamp((d.getTime() / 1000).toExponential(), 'T')).toBe(iso);
      }),
      { seed: 0x7ead_0009, numRuns: 1000 },
    );
  });
});

/** Counterexamples the properties above found, kept as plain tests (fixed in src/datasources/shared/xml.ts). */
describe('The shared XML readers (fuzzing regressions)', () => {
  it.each([
    ['&#x110000;', '&#x110000;'],
    ['&#1114112;', '&#1114112;'],
    ['&#99999999999;', '&#99999999999;'],
    ['&#xfff…; (400 digits)', `&#x${'f'.repeat(400)};`],
  ])('refuse the character reference %s with MalformedBodyError', (_name, ref) => {
    expect(() => decodeXmlText(`a${ref}b`)).toThrow(MalformedBodyError);
  });

  it('still decodes the largest code point', () => {
    expect(decodeXmlText('&#x10FFFF;&#1114111;')).toBe('\u{10FFFF}\u{10FFFF}');
  });

  it.each([
    ['an unclosed comment after the root', '<b/><!--'],
    ['a root named __proto__ that is not closed', '<__proto__>'],
    ['an element named constructor closed as another', '<a><constructor></prototype></a>'],
    ['elements nested 150 deep', `${'<a>'.repeat(150)}x${'</a>'.repeat(150)}`],
  ])('refuse %s with MalformedBodyError', (_name, body) => {
    expect(() => createXmlParser([])(body)).toThrow(MalformedBodyError);
  });
});
