import { readFileSync } from 'node:fs';
import { describe, expect, it, vi } from 'vitest';
import {
  boolean,
  child,
  children,
  createXmlParser,
  decodeXmlText,
  integer,
  MAX_XML_DEPTH,
  text,
} from '../../../src/datasources/shared/xml.ts';
import { MalformedBodyError } from '../../../src/errors.ts';
import { thrownBy } from '../../support/thrownBy.ts';

/**
 * The XML parse step every COS Batch and Import/Export answer goes through: fast-xml-parser as
 * configured in src/datasources/shared/xml.ts, with the refusals around it. What the parse.ts
 * files rely on, independent of the library underneath.
 */

const parse = createXmlParser(['r.m', 'r.a.m', 'r.list']);

function refusal(body: string, p: (body: string) => unknown = parse): Error {
  return thrownBy(MalformedBodyError, () => p(body));
}

describe('The XML parser: values', () => {
  it('makes a leaf its decoded text and an empty element ""', () => {
    expect(parse('<r><a>x &amp; &#x41;&#66;</a><b/><c></c><d><!-- c --></d></r>')).toEqual({
      r: { a: 'x & AB', b: '', c: '', d: '' },
    });
  });

  it('keeps every value a string: numbers, booleans and dates are typed by the parse step, not guessed', () => {
    const root = parse(
      '<r><a>007</a><b>true</b><c>1e3</c><d>0x1F</d><e>-0</e><f>2026-03-02T08:15:30Z</f><g>99999999999999999999999</g></r>',
    );
    expect(root).toEqual({
      r: {
        a: '007',
        b: 'true',
        c: '1e3',
        d: '0x1F',
        e: '-0',
        f: '2026-03-02T08:15:30Z',
        g: '99999999999999999999999',
      },
    });
    const r = root['r'];
    expect([integer(child(r, 'a'), 'a'), boolean(child(r, 'b'), 'b')]).toEqual([7, true]);
    expect(() => integer(child(r, 'c'), 'C')).toThrow(
      new MalformedBodyError('C is not an integer'),
    );
  });

  it('keeps whitespace exactly: around text, inside it, and line breaks (CRLF and CR read as LF)', () => {
    expect(parse('<r><a>  x  y \n</a><b> </b><c>a\r\nb\rc</c></r>')).toEqual({
      r: { a: '  x  y \n', b: ' ', c: 'a\nb\nc' },
    });
  });

  it('makes repeated names and array paths arrays, and keeps text around children under #text', () => {
    expect(parse('<r><m>1</m><a><m>2</m></a><x>1</x><x><y/></x>t</r>')).toEqual({
      r: { m: ['1'], a: { m: ['2'] }, x: ['1', { y: '' }], '#text': 't' },
    });
    expect(parse('<r>\n  x <list/>\n</r>')).toEqual({ r: { list: [''], '#text': '\n  x ' } });
  });

  it('drops blank text beside child elements (indentation), never a leaf text or other blanks', () => {
    expect(parse('<r>\n  <list/>\r\n\t<a> </a>\n</r>')).toEqual({ r: { list: [''], a: ' ' } });
    expect(parse('<r>\u00a0<a/></r>')).toEqual({ r: { a: '', '#text': '\u00a0' } });
    expect(parse('<r>&#32;<a/>&#x20;</r>')).toEqual({ r: { a: '' } });
  });

  it('reads one child as a one-element list, with or without an array path', () => {
    const plain = createXmlParser([]);
    for (const p of [parse, plain]) {
      const r = p('<r><list><member><Key>k</Key></member></list><m>1</m></r>')['r'];
      expect(children(r, 'm')).toEqual(['1']);
      expect(children(child(r, 'list'), 'member')).toEqual([{ Key: 'k' }]);
      expect(children(child(r, 'none'), 'member')).toEqual([]);
      expect(children(child(p('<r><list/></r>')['r'], 'list'), 'member')).toEqual([]);
    }
  });

  it('removes namespace prefixes and ignores attributes, xmlns included', () => {
    expect(
      parse('<p:r xmlns:p="urn:p" xmlns="urn:d" a="1"><p:m q:b="2">1</p:m><m/></p:r>'),
    ).toEqual({ r: { m: ['1', ''] } });
  });

  it('keeps CDATA literal: markup and references inside it are text, not decoded', () => {
    expect(parse('<r>a<![CDATA[<x>&amp;&#x110000;&foo; & ]]>&#x10FFFF;</r>')).toEqual({
      r: 'a<x>&amp;&#x110000;&foo; & \u{10FFFF}',
    });
  });

  it('skips the XML declaration (COS sends single quotes), comments, processing instructions and a byte-order mark', () => {
    const body =
      "\ufeff<?xml version='1.0' encoding='utf-8' ?>\n<!-- c --><?pi x?><r>a<?pi?>b<!-- c -->c</r>\n<!-- end -->\n";
    expect(parse(body)['r']).toBe('abc');
  });

  it('reads #text as text only when it is the sole key', () => {
    expect(text({ '#text': 'x' })).toBe('x');
    expect(text(parse('<r>t<a/></r>')['r'])).toBeNull();
    expect(text(undefined)).toBeNull();
    expect(text(parse('<r><a/></r>')['r'])).toBeNull();
  });

  it('never reads an inherited property as a child', () => {
    const r = parse('<r><a><b>1</b></a></r>')['r'];
    const a = child(r, 'a');
    expect(child(a, 'toString')).toBeUndefined();
    expect(child(a, 'constructor')).toBeUndefined();
    expect(children(a, '__proto__')).toEqual([]);
    expect(child({ a: '1' }, 'valueOf')).toBeUndefined();
  });
});

describe('The XML parser: entities', () => {
  it('decodes the five predefined entities and decimal and hex character references up to U+10FFFF', () => {
    expect(parse('<r>&lt;&gt;&amp;&quot;&apos;&#0065;&#x0041;&#x1F600;&#x10FFFF;</r>')).toEqual({
      r: '<>&"\'AA\u{1F600}\u{10FFFF}',
    });
  });

  it('decodes each reference where it finds an &: no regular expression pass, no callback per reference', () => {
    // fast-xml-parser hands the hook every text of every body; the hook used to run a replace
    // with a callback per reference over each text that held an &.
    const replace = vi.spyOn(String.prototype, 'replace');
    const decoded = decodeXmlText('a &amp; b &lt;c&gt; &#65;&#x42; &quot;&apos;');
    const calls = replace.mock.calls.length;
    replace.mockRestore();
    expect(decoded).toBe('a & b <c> AB "\'');
    expect(calls).toBe(0);
  });

  it('decodes once: an escaped reference stays a reference', () => {
    expect(parse('<r>&amp;lt; &amp;#65; &amp;amp;</r>')).toEqual({ r: '&lt; &#65; &amp;' });
  });

  it('refuses an undeclared entity, a bare & and a broken reference instead of passing them through', () => {
    for (const ref of [
      '&xxe;',
      '&nbsp;',
      '&AMP;',
      '&#;',
      '&#x;',
      '&#X41;',
      '&#12a;',
      '&#xG;',
      '&',
      '&amp',
      '& amp;',
    ]) {
      expect(refusal(`<r>a${ref}b</r>`).message, ref).toMatch(/^XML body /);
    }
    expect(refusal('<r>&xxe;</r>')).toEqual(
      new MalformedBodyError('XML body has an undeclared or broken entity reference'),
    );
  });

  it('refuses a character reference beyond U+10FFFF', () => {
    for (const ref of ['&#x110000;', '&#1114112;', '&#99999999999;', `&#x${'f'.repeat(400)};`]) {
      expect(refusal(`<r>${ref}</r>`)).toEqual(
        new MalformedBodyError('XML body has a character reference beyond U+10FFFF'),
      );
    }
  });
});

describe('The XML parser: refusals', () => {
  const laughs = `<!DOCTYPE lolz [<!ENTITY lol "lol">${Array.from({ length: 9 }, (_, i) => `<!ENTITY lol${i + 1} "${`&lol${i === 0 ? '' : i};`.repeat(10)}">`).join('')}]><r>&lol9;</r>`;

  it('refuses every DOCTYPE, wherever it is written: no entity can be declared, expanded or fetched', () => {
    for (const body of [
      '<!DOCTYPE r [<!ENTITY e "x">]><r>&e;</r>',
      '<!DOCTYPE r [<!ENTITY e SYSTEM "file:///etc/passwd">]><r>&e;</r>',
      '<!DOCTYPE r [<!ENTITY % p SYSTEM "http://127.0.0.1:1/x.dtd">%p;]><r/>',
      '<!DOCTYPE r SYSTEM "http://127.0.0.1:1/x.dtd"><r/>',
      laughs,
      '<?xml version="1.0"?><!doctype r><r/>',
      '<r><!DOCTYPE r></r>',
      '<r><!-- <!DocType r> --></r>',
      '<r><![CDATA[<!DOCTYPE]]></r>',
      '<r><?pi <!DOCTYPE r>?></r>',
    ]) {
      expect(refusal(body)).toEqual(new MalformedBodyError('XML body declares a DOCTYPE'));
    }
  });

  it.each([
    ['an empty body', ''],
    ['a blank body', ' \n '],
    ['text alone', 'hello'],
    [
      'an HTML error page',
      '<html><head><title>502 Bad Gateway</title></head><body><hr><center>nginx</center></body></html',
    ],
    ['a body cut inside text', '<r><a>12'],
    ['a body cut inside a tag', '<r><a>1</a'],
    ['a body cut after a child', '<r><a>1</a>'],
    ['an unclosed element', '<r><a>1</r>'],
    ['a mismatched end tag', '<r><a>1</b></r>'],
    ['an end tag in another case', '<r></R>'],
    ['an end tag without a start', '</r>'],
    ['text after the root', '<r>1</r>x'],
    ['a second root element', '<r>1</r><r>2</r>'],
    ['text before the root', 'x<r>1</r>'],
    ['an unterminated comment', '<r><!-- c </r>'],
    ['an unterminated CDATA section', '<r><![CDATA[x</r>'],
    ['an unquoted attribute value', '<r a=1>1</r>'],
  ])('refuses %s as not well-formed', (_name, body) => {
    expect(refusal(body).message).toMatch(/^XML body (is not well-formed|could not be parsed)/);
  });

  it('refuses every prefix of a real answer cut before the end of its root element', () => {
    const body = readFileSync(
      new URL('../../fixtures/importexport/success-full.xml', import.meta.url),
      'utf8',
    );
    const rootEnd = body.lastIndexOf('</GetStatusResponse>') + '</GetStatusResponse>'.length;
    for (let cut = 0; cut < rootEnd; cut++) refusal(body.slice(0, cut));
    expect(parse(body.slice(0, rootEnd))).toHaveProperty('GetStatusResponse');
  });

  it('refuses a second root, text after the root and a mismatched end tag, which the validator alone lets by or names', () => {
    for (const body of [
      '<r/><s/>',
      '<r></r><s/>',
      '<r/>x<?pi?>',
      '<r/><!-- c -->x',
      '<r>\n<a></b></r>',
    ])
      expect(refusal(body).message, body).toMatch(/^XML body is not well-formed/);
  });

  it(`allows nesting ${MAX_XML_DEPTH} deep and refuses one more, without deep recursion`, () => {
    const plain = createXmlParser([]);
    const nest = (depth: number) => `${'<a>'.repeat(depth)}x${'</a>'.repeat(depth)}`;
    expect(() => plain(nest(MAX_XML_DEPTH))).not.toThrow();
    expect(refusal(nest(MAX_XML_DEPTH + 1), plain)).toEqual(
      new MalformedBodyError(`XML body nests elements deeper than ${MAX_XML_DEPTH}`),
    );
    refusal(nest(100_000), plain);
    refusal('<a>'.repeat(200_000), plain);
  });

  it('never quotes the body in an error, at most a line number', () => {
    const secret = 'SECRET_VALUE_42';
    for (const body of [
      `<r>\n<${secret}>\n</r>`,
      `<r>${secret} &${secret}; </r>`,
      `<r>\n\n<a x="${secret}"</r>`,
      `<r>${secret}</r>${secret}`,
      `<r><!-- ${secret}`,
      `<r><${secret}:__proto__></r>`,
      `<!DOCTYPE ${secret}><r/>`,
      `${'<a>'.repeat(150)}${secret}${'</a>'.repeat(150)}`,
    ]) {
      const message = refusal(body).message;
      expect(message).not.toContain(secret);
      expect(message).toMatch(/^XML body [a-z -]+( [A-Z0-9+]+)?( \(line \d+\))?$/);
    }
    expect(refusal('<r>\n<a>\n</b>\n</r>')).toEqual(
      new MalformedBodyError('XML body is not well-formed (line 3)'),
    );
  });
});

describe('The XML parser: element names that are also prototype names', () => {
  const NAMES = ['toString', '__proto__', 'constructor', 'hasOwnProperty', 'prototype', 'valueOf'];

  it('reads `<a><toString>1</toString></a>` as the element toString', () => {
    const doc = parse('<a><toString>1</toString></a>');
    expect(doc).toEqual({ a: { toString: '1' } });
    expect(text(child(doc['a'], 'toString'))).toBe('1');
  });

  it.each(NAMES)(
    'reads an element named %s under its own name, as an own property, prefixed or not',
    (name) => {
      const doc = parse(
        `<r><${name}><polluted>1</polluted></${name}><p:${name}>2</p:${name}><k>3</k></r>`,
      );
      const r = doc['r'];
      expect(Object.keys(r as object)).toEqual([name, 'k']);
      expect(Object.hasOwn(r as object, name)).toBe(true);
      expect(Object.getPrototypeOf(r)).toBe(Object.prototype);
      expect(children(r, name)).toEqual([{ polluted: '1' }, '2']);
      expect(text(child(r, 'k'))).toBe('3');
      expect(({} as Record<string, unknown>)['polluted']).toBeUndefined();
    },
  );

  it.each(NAMES)('reads a root, a leaf and an array-path member named %s', (name) => {
    const plain = createXmlParser([`r.${name}`]);
    expect(Object.hasOwn(plain(`<${name}>x</${name}>`), name)).toBe(true);
    expect(text(child(plain(`<${name}>x</${name}>`), name))).toBe('x');
    expect(children(plain(`<r><${name}/></r>`)['r'], name)).toEqual(['']);
    expect(child(plain(`<r><${name}/></r>`)['r'], name)).toBe('');
  });

  it('still never reads an inherited property of a node that has no such element', () => {
    const r = parse('<r><a>1</a></r>')['r'];
    for (const name of NAMES) expect(child(r, name)).toBeUndefined();
  });
});

describe('A list answer', () => {
  const list = createXmlParser(['r.l.m']);
  const members = (body: string) => children(child(list(body)['r'], 'l'), 'm');

  it('gives every member in the same pass as the rest of the answer', () => {
    const body = [
      '<?xml version=\'1.0\'?>\n<r xmlns="urn:x">\n  <l>\n',
      '    <m>\n      <id>a &amp; &#x41;</id>\n      <p><q>1</q><q>2</q></p>\n    </m>\n',
      '    <x:m a="1"><id><![CDATA[<m>not markup</m> &amp;]]></id><!-- </m> --></x:m>\n',
      '    <m/><m></m><m>text only</m>\n  </l>\n  <next>t</next>\n</r>',
    ].join('');
    expect(members(body)).toEqual([
      { id: 'a & A', p: { q: ['1', '2'] } },
      { id: '<m>not markup</m> &amp;' },
      '',
      '',
      'text only',
    ]);
    expect(child(list(body)['r'], 'next')).toBe('t');
    // One member is a one-element list.
    expect(members('<r><l><m><id>a</id></m></l></r>')).toEqual([{ id: 'a' }]);
  });

  it('refuses what a whole body refuses, inside a member too', () => {
    const member = (inner: string) => `<r><l><m>${inner}</m></l></r>`;
    for (const body of [
      '<!DOCTYPE r><r/>',
      '<r><l><m><id>a</id></l></r>',
      member('<id>a</id'),
      member('<id>&xxe;</id>'),
      member('<id>&#x110000;</id>'),
      member('<__proto__>1</__proto_>'),
    ])
      expect(() => members(body), body).toThrow(MalformedBodyError);
  });

  it(`counts a member's depth from the root: ${MAX_XML_DEPTH} deep allowed, one more refused`, () => {
    // r, l and m are three of them.
    const nest = (depth: number) =>
      `<r><l><m>${'<a>'.repeat(depth - 3)}x${'</a>'.repeat(depth - 3)}</m></l></r>`;
    expect(() => members(nest(MAX_XML_DEPTH))).not.toThrow();
    expect(() => members(nest(MAX_XML_DEPTH + 1))).toThrow(
      new MalformedBodyError(`XML body nests elements deeper than ${MAX_XML_DEPTH}`),
    );
  });
});
