import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { describe, expect, it } from 'vitest';
import { COSBATCH_ARRAY_PATHS } from '../../src/datasources/cosbatch/parse.ts';
import { child, children, createXmlParser, decodeXmlText, MAX_XML_DEPTH, text, type XmlNode } from '../../src/datasources/shared/xml.ts';
import { MalformedBodyError } from '../../src/errors.ts';

/**
 * The oracle: fast-xml-parser configured exactly as src/datasources/shared/xml.ts configured it
 * before its hand-written scanner, validator and DOCTYPE check included.
 */
function oracleParser(arrayPaths: readonly string[]): (body: string) => unknown {
  const arrays = new Set(arrayPaths);
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    processEntities: false,
    htmlEntities: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    isArray: (_name, jpath) => arrays.has(String(jpath)),
    tagValueProcessor: (_name, value) => decodeXmlText(value),
  });
  return (body) => {
    if (/<!DOCTYPE/i.test(body)) throw new MalformedBodyError('DOCTYPE');
    if (XMLValidator.validate(body) !== true) throw new MalformedBodyError('not well-formed');
    try {
      return parser.parse(body) as unknown;
    } catch {
      throw new MalformedBodyError('could not be parsed');
    }
  };
}

type Result = { ok: true; value: unknown } | { ok: false; error: unknown };
function attempt(parse: (body: string) => unknown, body: string): Result {
  try {
    return { ok: true, value: parse(body) };
  } catch (error) {
    return { ok: false, error };
  }
}

/** Both parsers accept with deep-equal output (null-prototype objects compare like plain ones). */
function expectSame(paths: readonly string[], body: string): void {
  const expected = attempt(oracleParser(paths), body);
  const actual = attempt(createXmlParser(paths), body);
  expect(actual.ok).toBe(expected.ok);
  if (actual.ok && expected.ok) expect(actual.value).toEqual(expected.value);
  if (!actual.ok) expect(actual.error).toBeInstanceOf(MalformedBodyError);
}

function expectBothReject(body: string): void {
  expect(attempt(oracleParser([]), body).ok).toBe(false);
  expect(() => createXmlParser([])(body)).toThrow(MalformedBodyError);
}

const FIXTURES = join(import.meta.dirname, '..', 'fixtures');
const fixtureFiles = readdirSync(FIXTURES, { recursive: true, encoding: 'utf8' })
  .filter((name) => name.endsWith('.xml') || name.endsWith('.html'))
  .sort();
const FIXTURE_PATHS = [...COSBATCH_ARRAY_PATHS, 'GetStatusResponse.GetStatusResult.ArtifactList.member', 'Response.Errors.Error'];

// ---- generated documents -------------------------------------------------------------------

type Tree = { name: string; attrs: string; selfClose: boolean; content: (Tree | string)[] };
const NAMES = ['a', 'b', 'm', 'Job', 'ns:a', 'x:m', 'Key', 'é', 'a-b.c_d'];
const ATTRS = ['', ' a="1"', " b='x&amp;y'", ' xmlns="urn:x"', ' xmlns:ns="urn:ns" ns:c="2"', ' a = "1" b="&#65;"', '\n\tq="&lt;&gt;"'];
const TEXT = [
  'x',
  'Hello world',
  ' ',
  '\n  ',
  '\t',
  '\r\n',
  '\r',
  '&amp;',
  '&lt;',
  '&gt;',
  '&quot;',
  '&apos;',
  '&#65;',
  '&#x1F600;',
  '&#x10FFFF;',
  '&#0010;',
  '>',
  '"\'',
  'é€😀',
  '#text',
];
const MISC = ['<!-- c -->', '<!---->', '<?pi data?>', '<?pi?>'];
const CDATA = ['<![CDATA[a<b>]]>', '<![CDATA[]]>', '<![CDATA[ x ]]>'];
const PATHS = ['r', 'r.a', 'r.m', 'r.a.m', 'r.a.b', 'r.b.a', 'r.b.m', 'r.a.a', 'r.m.a', 'r.Job.Key'];
const PROLOG = ['', '<?xml version="1.0" encoding="UTF-8"?>', '<?xml version="1.0"?>\n', '\ufeff', ' \n', '<!-- c -->'];
const EPILOG = ['', '\n', '<!-- end -->', '\n<!-- end -->\n', ' \r\n'];

function treeArbitrary(pieces: fc.Arbitrary<string>): fc.Arbitrary<Tree> {
  return fc.letrec<{ tree: Tree }>((tie) => ({
    tree: fc.record({
      name: fc.constantFrom(...NAMES),
      attrs: fc.constantFrom(...ATTRS),
      selfClose: fc.boolean(),
      content: fc.array(fc.oneof({ maxDepth: 5 }, pieces, tie('tree')), { maxLength: 5 }),
    }),
  })).tree;
}

function serialise(tree: Tree | string): string {
  if (typeof tree === 'string') return tree;
  if (tree.selfClose && tree.content.length === 0) return `<${tree.name}${tree.attrs}/>`;
  return `<${tree.name}${tree.attrs}>${tree.content.map(serialise).join('')}</${tree.name}>`;
}

function documentArbitrary(pieces: fc.Arbitrary<string>): fc.Arbitrary<string> {
  return fc
    .tuple(fc.constantFrom(...PROLOG), treeArbitrary(pieces), fc.constantFrom(...EPILOG))
    .map(([prolog, tree, epilog]) => `${prolog}${serialise({ ...tree, name: 'r' })}${epilog}`);
}

const wellFormed = documentArbitrary(fc.constantFrom(...TEXT, ...MISC, ...CDATA));
// No CDATA here: a mutation could stretch one over text with references, which the oracle decodes (see below).
const mutable = documentArbitrary(fc.constantFrom(...TEXT, ...MISC));
const TOKENS = [
  '<',
  '>',
  '/',
  '"',
  "'",
  '=',
  ' ',
  '&',
  ';',
  '#',
  ':',
  '!',
  '?',
  '-',
  'x',
  '1',
  '<a>',
  '</a>',
  '<b/>',
  '<!--',
  '-->',
  '<![CDATA[',
  ']]>',
  '&#x110000;',
  '<!DOCTYPE r>',
];
const mutation = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), at: fc.nat(), length: fc.integer({ min: 1, max: 3 }) }),
  fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), token: fc.constantFrom(...TOKENS) }),
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
);
function mutate(body: string, m: typeof mutation extends fc.Arbitrary<infer T> ? T : never): string {
  const at = body.length === 0 ? 0 : m.at % body.length;
  if (m.kind === 'delete') return body.slice(0, at) + body.slice(at + m.length);
  if (m.kind === 'insert') return body.slice(0, at) + m.token + body.slice(at);
  return body.slice(0, at);
}

describe('The XML parser, against fast-xml-parser as configured before it', () => {
  it.each(fixtureFiles)('parses the fixture %s to the same value (or both refuse it)', (name) => {
    expectSame(FIXTURE_PATHS, readFileSync(join(FIXTURES, name), 'utf8'));
  });

  it('parses generated well-formed documents to the same value', () => {
    fc.assert(
      fc.property(wellFormed, fc.subarray(PATHS), (body, paths) => {
        const expected = oracleParser(paths)(body);
        expect(createXmlParser(paths)(body)).toEqual(expected);
      }),
      { seed: 0x0c0b_a7c1, numRuns: 1500 },
    );
  });

  it('accepts a mutated document only if fast-xml-parser did, with the same value', () => {
    fc.assert(
      fc.property(mutable, mutation, fc.subarray(PATHS), (source, m, paths) => {
        const body = mutate(source, m);
        const actual = attempt(createXmlParser(paths), body);
        if (!actual.ok) {
          expect(actual.error).toBeInstanceOf(MalformedBodyError);
          return;
        }
        const expected = attempt(oracleParser(paths), body);
        expect(expected.ok).toBe(true);
        if (expected.ok) expect(actual.value).toEqual(expected.value);
      }),
      { seed: 0x0c0b_a7c2, numRuns: 3000 },
    );
  });

  it.each([
    ['a mismatched end tag', '<r><a>1</b></r>'],
    ['an end tag in another case', '<r></R>'],
    ['an unclosed element', '<r><a>1</a>'],
    ['an end tag without a start', '</r>'],
    ['an empty body', ''],
    ['a blank body', ' \n '],
    ['text alone', 'hello'],
    ['only an XML declaration', '<?xml version="1.0"?>'],
    ['text after the root', '<r>1</r>x'],
    ['a second root element', '<r>1</r><r>2</r>'],
    ['text before the root', 'x<r>1</r>'],
    ['a name starting with a digit', '<1r>1</1r>'],
    ['a space after <', '< r>1</r>'],
    ['a space after </', '<r>1</ r>'],
    ['an unquoted attribute value', '<r a=1>1</r>'],
    ['an attribute without a value', '<r a>1</r>'],
    ['attributes without a space between them', '<r a="1"b="2">1</r>'],
    ['a repeated attribute', '<r a="1" a="2">1</r>'],
    ['an unterminated attribute value', '<r a="1>1</r>'],
    ['a space inside />', '<r/ >'],
    ['an unterminated comment', '<r><!-- c </r>'],
    ['an unterminated comment after the root', '<r/><!--'],
    ['an unterminated CDATA section', '<r><![CDATA[x</r>'],
    ['an unterminated processing instruction', '<r><?pi</r>'],
    ['a processing instruction with an unbalanced quote', '<r><?pi "x?></r>'],
    ['a broken XML declaration', '<?xml "version="1.0"?><r/>'],
    ['a bare &', '<r>a & b</r>'],
    ['a reference without ;', '<r>&amp</r>'],
    ['a hex reference with a bad digit', '<r>&#xZ;</r>'],
    ['an upper-case X in a hex reference', '<r>&#X41;</r>'],
    ['a character reference beyond U+10FFFF', '<r>&#x110000;</r>'],
    ['a DOCTYPE', '<!DOCTYPE r><r/>'],
    ['a lower-case doctype', '<!doctype r><r/>'],
    ['a DOCTYPE inside a comment', '<r><!-- <!DOCTYPE r> --></r>'],
    ['a DOCTYPE inside CDATA', '<r><![CDATA[<!DOCTYPE r>]]></r>'],
    ['an element named __proto__', '<r><__proto__>1</__proto__></r>'],
    ['an element named constructor', '<r><constructor>1</constructor></r>'],
    ['a prefixed element named __proto__', '<r><a:__proto__>1</a:__proto__></r>'],
    ['a root named __proto__', '<__proto__/>'],
    ['an XML declaration after whitespace', '\n<?xml version="1.0"?><r/>'],
    ['elements nested 150 deep', `${'<a>'.repeat(150)}x${'</a>'.repeat(150)}`],
  ])('refuses %s, as fast-xml-parser did', (_name, body) => {
    expectBothReject(body);
  });

  // Where the new parser is deliberately stricter: fast-xml-parser (with its validator) accepted these.
  it.each([
    ['an unknown entity (it was passed through as text)', '<r>&foo;</r>'],
    ['an upper-case predefined entity name', '<r>&AMP;</r>'],
    ['an empty character reference', '<r>&#;</r>'],
    ['an unknown entity in an attribute value', '<r a="&foo;">1</r>'],
    ['< inside an attribute value', '<r a="<">1</r>'],
    ['an element name ending in a colon (it became the key "")', '<r:>1</r:>'],
    ['an element name starting with a colon', '<:r>1</:r>'],
    ['an element name with two colons', '<a:b:c>1</a:b:c>'],
    ['a markup declaration other than a DOCTYPE (it became a child "!ELEMENT")', '<r><!ELEMENT x></r>'],
    ['an XML declaration after the root', '<r>1</r><?xml version="1.0"?>'],
    ['an XML declaration inside an element', '<r><?xml version="1.0"?></r>'],
    ['a processing instruction without a target', '<r><??></r>'],
    ['an XML declaration without a version', '<?xml?><r/>'],
    ['an XML declaration with an unknown pseudo-attribute', '<?xml foo="1"?><r/>'],
    ['an XML declaration of version 2.0', '<?xml version="2.0"?><r/>'],
    ['an XML declaration with an unquoted version', '<?xml version=1.0?><r/>'],
    ['an XML declaration with its pseudo-attributes out of order', '<?xml encoding="UTF-8" version="1.0"?><r/>'],
    ['a space before a processing instruction target', '<r><? pi?></r>'],
    ['elements nested 101 deep (fast-xml-parser allowed a little more)', `${'<a>'.repeat(101)}x${'</a>'.repeat(101)}`],
  ])('refuses %s, where fast-xml-parser did not', (_name, body) => {
    expect(attempt(oracleParser([]), body).ok).toBe(true);
    expect(() => createXmlParser([])(body)).toThrow(MalformedBodyError);
  });

  // Where the new parser deliberately gives another value.
  it('keeps CDATA literal (fast-xml-parser decoded references inside it)', () => {
    const body = '<r>a<![CDATA[&lt;&#x110000;]]>b</r>';
    expect(attempt(oracleParser([]), body).ok).toBe(false);
    expect(createXmlParser([])(body)).toEqual({ r: 'a&lt;&#x110000;b' });
    expect(oracleParser([])('<r><![CDATA[&lt;]]></r>')).toEqual({ r: '<' });
  });

  it('keeps the names of Object.prototype members (fast-xml-parser prefixed them with __)', () => {
    expect(oracleParser([])('<r><toString>1</toString></r>')).toEqual({ r: { __toString: '1' } });
    expect(createXmlParser([])('<r><toString>1</toString></r>')).toEqual({ r: { toString: '1' } });
  });

  it('keeps no #text at the top level (fast-xml-parser kept whitespace around a processing instruction there)', () => {
    expect(oracleParser([])('<r/>\n<?pi?>')).toEqual({ r: '', '#text': '\n' });
    expect(createXmlParser([])('<r/>\n<?pi?>')).toEqual({ r: '' });
    expect(oracleParser([])('\ufeff<?xml version="1.0"?><r/>')).toEqual({ r: '', '#text': '\ufeff' });
    expect(createXmlParser([])('\ufeff<?xml version="1.0"?><r/>')).toEqual({ r: '' });
  });
});

describe('The XML parser', () => {
  const parse = createXmlParser(['r.m', 'r.a.m', 'r.list']);

  it('makes a leaf its decoded text and an empty element ""', () => {
    expect(parse('<r><a>x &amp; &#x41;&#66;</a><b/><c></c><d><!-- c --></d></r>')).toEqual({ r: { a: 'x & AB', b: '', c: '', d: '' } });
  });

  it('makes repeated names and array paths arrays, and keeps text around children under #text', () => {
    expect(parse('<r><m>1</m><a><m>2</m></a><x>1</x><x><y/></x>t</r>')).toEqual({ r: { m: ['1'], a: { m: ['2'] }, x: ['1', { y: '' }], '#text': 't' } });
    expect(parse('<r>\n  <list/>\n</r>')).toEqual({ r: { list: [''], '#text': '\n  \n' } });
  });

  it('removes namespace prefixes and ignores attributes, xmlns included', () => {
    expect(parse('<p:r xmlns:p="urn:p" xmlns="urn:d" a="1"><p:m q:b="2">1</p:m><m/></p:r>')).toEqual({ r: { m: ['1', ''] } });
  });

  it('normalises line ends and keeps CDATA and the largest code point', () => {
    expect(parse('<r>a\r\nb\rc<![CDATA[<x>&amp;]]>&#x10FFFF;</r>')).toEqual({ r: 'a\nb\nc<x>&amp;\u{10FFFF}' });
  });

  it('skips the XML declaration, comments, processing instructions and a byte-order mark', () => {
    expect(parse('\ufeff<?xml version="1.0"?>\n<!-- c --><?pi x?><r>a<?pi?>b<!-- c -->c</r>\n<!-- end -->\n')).toEqual({ r: 'abc' });
  });

  it('refuses every DOCTYPE, wherever it is written', () => {
    for (const body of [
      '<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>',
      '<?xml version="1.0"?><!doctype r><r/>',
      '<r><!DOCTYPE r></r>',
      '<r><!-- <!DocType r> --></r>',
      '<r><![CDATA[<!DOCTYPE]]></r>',
      '<r><?pi <!DOCTYPE r>?></r>',
    ]) {
      expect(() => parse(body)).toThrow(new MalformedBodyError('XML body declares a DOCTYPE'));
    }
  });

  it('decodes only the five predefined entities and character references up to U+10FFFF', () => {
    expect(parse('<r>&lt;&gt;&amp;&quot;&apos;&#0065;&#x0041;</r>')).toEqual({ r: '<>&"\'AA' });
    for (const ref of ['&nbsp;', '&AMP;', '&#;', '&#x;', '&#X41;', '&#12a;', '&#xG;', '&', '&amp', '& amp;']) {
      expect(() => parse(`<r>a${ref}b</r>`)).toThrow(MalformedBodyError);
    }
    for (const ref of ['&#x110000;', '&#1114112;', `&#x${'f'.repeat(400)};`]) {
      expect(() => parse(`<r>${ref}</r>`)).toThrow(new MalformedBodyError('XML body has a character reference beyond U+10FFFF'));
    }
  });

  it('refuses < or a bad reference in an attribute value', () => {
    expect(() => parse('<r a="<b>">1</r>')).toThrow(MalformedBodyError);
    expect(() => parse('<r a="&x;">1</r>')).toThrow(MalformedBodyError);
    expect(parse('<r a="&lt;&#65;">1</r>')).toEqual({ r: '1' });
  });

  it('never quotes the body in an error, only a line number', () => {
    const secret = 'SECRET_VALUE_42';
    for (const body of [
      `<r>\n<${secret}>\n</r>`,
      `<r>${secret} &${secret}; </r>`,
      `<r>\n\n<a x="${secret}<"/></r>`,
      `<r>${secret}</r>${secret}`,
      `<r><!-- ${secret}`,
    ]) {
      const error = attempt(parse, body);
      expect(error.ok).toBe(false);
      if (!error.ok) {
        expect(error.error).toBeInstanceOf(MalformedBodyError);
        expect((error.error as Error).message).not.toContain(secret);
        expect((error.error as Error).message).toMatch(/^XML body [a-z -]+( \(line \d+\))?$/);
      }
    }
    expect(() => parse('<r>\n<a>\n</b>\n</r>')).toThrow(new MalformedBodyError('XML body is not well-formed (line 3)'));
  });

  it('refuses names that are prototype keys, and never changes Object.prototype', () => {
    for (const name of ['__proto__', 'constructor', 'prototype', 'p:__proto__']) {
      expect(() => parse(`<r><${name}><polluted>1</polluted></${name}></r>`)).toThrow(new MalformedBodyError('XML body has a reserved element name'));
      expect(() => parse(`<${name}/>`)).toThrow(MalformedBodyError);
    }
    expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
  });

  it('makes objects that inherit nothing, so no Object.prototype key reads as a child', () => {
    const root = parse('<r><a><b>1</b></a><toString>2</toString><hasOwnProperty/></r>');
    const r = root['r'] as XmlNode & object;
    for (const node of [root, r]) {
      expect(Object.getPrototypeOf(Object.getPrototypeOf(node))).toBeNull();
      expect('valueOf' in node).toBe(false);
      expect('__proto__' in node).toBe(false);
    }
    const a = child(r, 'a');
    expect(child(a, 'toString')).toBeUndefined();
    expect(child(a, 'valueOf')).toBeUndefined();
    expect(children(a, 'constructor')).toEqual([]);
    expect(child(r, 'toString')).toBe('2');
    expect(text(child(r, 'hasOwnProperty'))).toBe('');
    // The readers ignore inherited keys on plain objects too.
    expect(child({ a: '1' }, 'toString')).toBeUndefined();
    expect(children({ a: '1' }, '__proto__')).toEqual([]);
  });

  it(`allows nesting ${MAX_XML_DEPTH} deep and refuses one more, without deep recursion`, () => {
    const nest = (depth: number) => `${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`;
    expect(() => createXmlParser([])(nest(MAX_XML_DEPTH))).not.toThrow();
    expect(() => createXmlParser([])(nest(MAX_XML_DEPTH + 1))).toThrow(new MalformedBodyError(`XML body nests elements deeper than ${MAX_XML_DEPTH}`));
    expect(() => createXmlParser([])('<a>'.repeat(200_000))).toThrow(MalformedBodyError);
  });

  it('reads #text as text only when it is the sole key', () => {
    expect(text({ '#text': 'x' })).toBe('x');
    expect(text(parse('<r>t<a/></r>')['r'])).toBeNull();
  });
});
