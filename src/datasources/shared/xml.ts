import { MalformedBodyError } from '../../errors.ts';

/** A parsed XML element: text for leaves, an object of children otherwise. */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] } | undefined;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Decode the five predefined XML entities and numeric character references, nothing else.
 * A reference beyond U+10FFFF is not well-formed XML: MalformedBodyError.
 */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos);/g, (_, ref: string) => {
    if (ref.startsWith('#')) return fromCodePoint(ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10));
    return PREDEFINED[ref] as string;
  });
}

function fromCodePoint(codePoint: number): string {
  if (!(codePoint <= 0x10ffff)) throw new MalformedBodyError('XML body has a character reference beyond U+10FFFF');
  return String.fromCodePoint(codePoint);
}

/** Deepest element nesting a body may have; the root element is depth 1. */
export const MAX_XML_DEPTH = 100;

/** Names that are Object.prototype machinery: refused, so none can reach an object as a key. */
const RESERVED_NAMES = new Set(['__proto__', 'constructor', 'prototype']);

type XmlElement = { [name: string]: XmlNode | XmlNode[] };

/**
 * The prototype of every parsed element: an empty object with no prototype of its own, so no
 * Object.prototype member (`toString`, `hasOwnProperty`) reads as a child. (Objects made with
 * Object.create(null) itself would be dictionary-mode in V8, slower to build and read.)
 */
const NO_MEMBERS: object = Object.freeze(Object.create(null) as object);

/**
 * Build a parser for one response shape. `arrayPaths` are dotted element paths from the root,
 * by local name (e.g. `DescribeJobResult.Job.FailureReasons.JobFailure`), that are always lists,
 * so one child is still a list. Entities are never expanded beyond the predefined five (a DOCTYPE
 * is rejected outright), attributes and namespace prefixes are ignored, and every value stays a
 * string: types come from the schema in the parse step, never from guessing.
 *
 * An element without child elements is its text ('' when empty); one with children is an object
 * that inherits nothing, a child name repeated (or on an array path) becoming an array, and any text
 * around the children (whitespace included) kept under `#text`, as fast-xml-parser did. Anything
 * not well-formed, a reserved name (`__proto__`, `constructor`, `prototype`) or nesting beyond
 * {@link MAX_XML_DEPTH} is a MalformedBodyError that gives a line number, never body text.
 */
export function createXmlParser(arrayPaths: readonly string[]): (body: string) => Record<string, XmlNode> {
  const arrays = new Set(arrayPaths);
  // The path is joined only for an element whose name ends one of the array paths.
  const lastNames = new Set(arrayPaths.map((path) => path.slice(path.lastIndexOf('.') + 1)));
  return (body: string) => scanDocument(body, arrays, lastNames);
}

const GT = 0x3e;
const SLASH = 0x2f;
const BANG = 0x21;
const QUESTION = 0x3f;
const EQUALS = 0x3d;
const DQUOTE = 0x22;
const SQUOTE = 0x27;
const HASH = 0x23;

/*
 * One pass over the body with indexOf/charCodeAt: no tokens and no node tree, only a stack of
 * the open elements (raw name for the end-tag check, local name for array paths, text so far and
 * the children object, created at the first child).
 */
function scanDocument(body: string, arrays: ReadonlySet<string>, lastNames: ReadonlySet<string>): Record<string, XmlNode> {
  const end = body.length;
  const rawNames: string[] = [];
  const localNames: string[] = [];
  const texts: string[] = [];
  const elements: (XmlElement | undefined)[] = [];
  let depth = 0;
  let root: XmlElement | undefined;
  const start = body.charCodeAt(0) === 0xfeff ? 1 : 0;
  let pos = start;

  /** Attach a finished element to its parent (or as the root), at `depth` once popped. */
  const attach = (name: string, value: XmlNode): void => {
    const asArray = lastNames.has(name) && arrays.has(depth === 0 ? name : `${localNames.slice(0, depth).join('.')}.${name}`);
    let parent: XmlElement;
    if (depth === 0) parent = root = Object.create(NO_MEMBERS) as XmlElement;
    else parent = elements[depth - 1] ?? (elements[depth - 1] = Object.create(NO_MEMBERS) as XmlElement);
    const existing = parent[name];
    if (existing === undefined) parent[name] = asArray ? [value] : value;
    else if (Array.isArray(existing)) existing.push(value);
    else parent[name] = [existing, value];
  };

  while (pos < end) {
    const lt = body.indexOf('<', pos);
    const textEnd = lt === -1 ? end : lt;
    if (textEnd > pos) {
      if (depth > 0) texts[depth - 1] += characterData(body, pos, textEnd);
      else if (!isBlank(body, pos, textEnd)) fail(body, pos);
    }
    if (lt === -1) break;
    const next = body.charCodeAt(lt + 1);
    if (next === SLASH) {
      if (depth === 0) fail(body, lt);
      const rawName = rawNames[depth - 1] as string;
      const nameEnd = scanName(body, lt + 2);
      if (nameEnd - lt - 2 !== rawName.length || !body.startsWith(rawName, lt + 2)) fail(body, lt);
      pos = skipSpace(body, nameEnd);
      if (body.charCodeAt(pos) !== GT) fail(body, lt);
      pos++;
      depth--;
      const element = elements[depth];
      const text = ownString(texts[depth] as string);
      let value: XmlNode = text;
      if (element !== undefined) {
        if (text !== '') element['#text'] = text;
        value = element;
        elements[depth] = undefined;
      }
      attach(localNames[depth] as string, value);
    } else if (next === BANG) {
      if (body.startsWith('!--', lt + 1)) {
        const close = body.indexOf('-->', lt + 4);
        if (close === -1) fail(body, lt);
        refuseDoctype(body, lt + 4, close);
        pos = close + 3;
      } else if (body.startsWith('![CDATA[', lt + 1)) {
        if (depth === 0) fail(body, lt);
        const close = body.indexOf(']]>', lt + 9);
        if (close === -1) fail(body, lt);
        refuseDoctype(body, lt + 9, close);
        // CDATA is literal text: only line ends are normalised, no reference is decoded.
        texts[depth - 1] += normaliseLineEnds(body.slice(lt + 9, close));
        pos = close + 3;
      } else {
        if (body.slice(lt + 2, lt + 9).toUpperCase() === 'DOCTYPE') throw new MalformedBodyError('XML body declares a DOCTYPE');
        fail(body, lt);
      }
    } else if (next === QUESTION) {
      const targetEnd = scanName(body, lt + 2);
      if (targetEnd === lt + 2) fail(body, lt);
      if (targetEnd - lt === 5 && body.slice(lt + 2, targetEnd).toLowerCase() === 'xml') {
        // The XML declaration: only as the very first thing in the body, and only in its own syntax.
        XML_DECLARATION.lastIndex = lt;
        if (lt !== start || !XML_DECLARATION.test(body)) fail(body, lt);
        pos = XML_DECLARATION.lastIndex;
      } else {
        const close = processingInstructionEnd(body, targetEnd);
        if (close === -1 || (targetEnd !== close && !isSpace(body.charCodeAt(targetEnd)))) fail(body, lt);
        refuseDoctype(body, targetEnd, close);
        pos = close + 2;
      }
    } else {
      const nameEnd = scanName(body, lt + 1);
      if (nameEnd === lt + 1 || (depth === 0 && root !== undefined)) fail(body, lt);
      if (depth >= MAX_XML_DEPTH) throw new MalformedBodyError(`XML body nests elements deeper than ${MAX_XML_DEPTH}`);
      const rawName = body.slice(lt + 1, nameEnd);
      const localName = localNameOf(rawName, body, lt);
      pos = skipAttributes(body, nameEnd);
      if (body.charCodeAt(pos - 2) === SLASH) {
        attach(localName, '');
      } else {
        rawNames[depth] = rawName;
        localNames[depth] = localName;
        texts[depth] = '';
        depth++;
      }
    }
  }
  if (depth > 0) fail(body, end);
  if (root === undefined) throw new MalformedBodyError('XML body has no root element');
  return root as Record<string, XmlNode>;
}

const XML_DECLARATION =
  /<\?xml[ \t\r\n]+version[ \t\r\n]*=[ \t\r\n]*(["'])1\.[0-9]+\1(?:[ \t\r\n]+encoding[ \t\r\n]*=[ \t\r\n]*(["'])[A-Za-z][\w.-]*\2)?(?:[ \t\r\n]+standalone[ \t\r\n]*=[ \t\r\n]*(["'])(?:yes|no)\3)?[ \t\r\n]*\?>/y;

/**
 * Index of the `?>` that ends a processing instruction, -1 if none: a quoted `?>` does not end
 * it, and an unbalanced quote is an error, as fast-xml-parser had it.
 */
function processingInstructionEnd(body: string, i: number): number {
  for (;;) {
    const close = body.indexOf('?>', i);
    if (close === -1) return -1;
    let quote = 0;
    for (let j = i; j < close; j++) {
      const c = body.charCodeAt(j);
      if (quote === 0 && (c === DQUOTE || c === SQUOTE)) quote = c;
      else if (c === quote) quote = 0;
    }
    if (quote === 0) return close;
    const reopen = body.indexOf(String.fromCharCode(quote), close);
    if (reopen === -1) return -1;
    i = reopen + 1;
  }
}

function fail(body: string, at: number): never {
  let line = 1;
  for (let i = body.indexOf('\n'); i !== -1 && i < at; i = body.indexOf('\n', i + 1)) line++;
  throw new MalformedBodyError(`XML body is not well-formed (line ${line})`);
}

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x09 || c === 0x0d;
}

function isBlank(body: string, from: number, to: number): boolean {
  for (let i = from; i < to; i++) if (!isSpace(body.charCodeAt(i))) return false;
  return true;
}

function skipSpace(body: string, i: number): number {
  while (isSpace(body.charCodeAt(i))) i++;
  return i;
}

/** XML NameStartChar, with every code unit from U+00C0 up taken as a letter (except × and ÷). */
function isNameStart(c: number): boolean {
  return (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || c === 0x5f || c === 0x3a || (c >= 0xc0 && c !== 0xd7 && c !== 0xf7);
}

function isNameChar(c: number): boolean {
  return isNameStart(c) || (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2e || c === 0xb7;
}

/** End of the name starting at `i`; `i` itself when there is none. */
function scanName(body: string, i: number): number {
  if (!isNameStart(body.charCodeAt(i))) return i;
  i++;
  while (isNameChar(body.charCodeAt(i))) i++;
  return i;
}

/** `ns:Name` → `Name`; a name that is not a qualified name (`:a`, `a:`, `a:b:c`) or is reserved is refused. */
function localNameOf(rawName: string, body: string, at: number): string {
  let local = rawName;
  const colon = rawName.indexOf(':');
  if (colon !== -1) {
    local = rawName.slice(colon + 1);
    if (colon === 0 || local.includes(':') || !isNameStart(local.charCodeAt(0))) fail(body, at);
  }
  if ((local.length === 9 || local.length === 11) && RESERVED_NAMES.has(local)) throw new MalformedBodyError('XML body has a reserved element name');
  return local;
}

/**
 * Check the attributes after an element name and return the index just past the tag's `>`.
 * Attributes are checked (quoted, unique, no `<`, references well-formed) but not kept.
 */
function skipAttributes(body: string, i: number): number {
  let seen: string[] | undefined;
  for (;;) {
    const at = skipSpace(body, i);
    const c = body.charCodeAt(at);
    if (c === GT) return at + 1;
    if (c === SLASH) {
      if (body.charCodeAt(at + 1) !== GT) fail(body, at);
      return at + 2;
    }
    const nameEnd = scanName(body, at);
    if (at === i || nameEnd === at) fail(body, at);
    const name = body.slice(at, nameEnd);
    if (seen === undefined) seen = [name];
    else if (seen.includes(name)) fail(body, at);
    else seen.push(name);
    let j = skipSpace(body, nameEnd);
    if (body.charCodeAt(j) !== EQUALS) fail(body, j);
    j = skipSpace(body, j + 1);
    const quote = body.charCodeAt(j);
    if (quote !== DQUOTE && quote !== SQUOTE) fail(body, j);
    const close = body.indexOf(quote === DQUOTE ? '"' : "'", j + 1);
    if (close === -1) fail(body, j);
    const value = body.slice(j + 1, close);
    if (value.includes('<')) fail(body, j);
    if (value.includes('&')) decodeReferences(value, body, j + 1);
    i = close + 1;
  }
}

/**
 * The text as a string of its own. A piece cut from the body (13 characters or more) is a V8
 * sliced string that keeps the whole body alive as long as anything holds the piece: every record
 * would hold its provider's whole answer (≈ 5 KB for COS Batch) while its request is in flight.
 * Concatenating and cutting again flattens it into a fresh copy of its own characters.
 */
function ownString(text: string): string {
  return text.length < 13 ? text : (' ' + text).slice(1);
}

/** Decoded text between two pieces of markup. */
function characterData(body: string, from: number, to: number): string {
  const raw = normaliseLineEnds(body.slice(from, to));
  return raw.includes('&') ? decodeReferences(raw, body, from) : raw;
}

function normaliseLineEnds(text: string): string {
  return text.includes('\r') ? text.replace(/\r\n?/g, '\n') : text;
}

/** Strict decoding: every `&` must start one of the five predefined entities or a character reference. */
function decodeReferences(text: string, body: string, offset: number): string {
  let out = '';
  let last = 0;
  for (let amp = text.indexOf('&'); amp !== -1; amp = text.indexOf('&', last)) {
    const semi = text.indexOf(';', amp + 1);
    const decoded = semi === -1 ? undefined : reference(text, amp + 1, semi);
    if (decoded === undefined) fail(body, offset + amp);
    out += text.slice(last, amp) + decoded;
    last = semi + 1;
  }
  return out + text.slice(last);
}

function reference(text: string, from: number, to: number): string | undefined {
  if (text.charCodeAt(from) !== HASH) {
    switch (text.slice(from, to)) {
      case 'lt':
        return '<';
      case 'gt':
        return '>';
      case 'amp':
        return '&';
      case 'quot':
        return '"';
      case 'apos':
        return "'";
      default:
        return undefined;
    }
  }
  const hex = text.charCodeAt(from + 1) === 0x78;
  let i = hex ? from + 2 : from + 1;
  if (i === to) return undefined;
  let codePoint = 0;
  for (; i < to; i++) {
    const digit = digitValue(text.charCodeAt(i), hex);
    if (digit < 0) return undefined;
    codePoint = codePoint * (hex ? 16 : 10) + digit;
    if (codePoint > 0x10ffff) return fromCodePoint(codePoint);
  }
  return String.fromCodePoint(codePoint);
}

function digitValue(c: number, hex: boolean): number {
  if (c >= 0x30 && c <= 0x39) return c - 0x30;
  if (!hex) return -1;
  if (c >= 0x61 && c <= 0x66) return c - 0x57;
  if (c >= 0x41 && c <= 0x46) return c - 0x37;
  return -1;
}

/** A DOCTYPE is refused wherever it is written, even inside a comment, CDATA or processing instruction. */
function refuseDoctype(body: string, from: number, to: number): void {
  const at = body.indexOf('<!', from);
  if (at !== -1 && at < to && /<!DOCTYPE/i.test(body.slice(from, to))) throw new MalformedBodyError('XML body declares a DOCTYPE');
}

function isElement(node: unknown): node is Record<string, XmlNode | XmlNode[]> {
  return node !== null && typeof node === 'object' && !Array.isArray(node);
}

/** The child element `name` of `node` (first one if repeated), or undefined; never an inherited property. */
export function child(node: XmlNode | XmlNode[], name: string): XmlNode {
  if (!isElement(node) || !Object.hasOwn(node, name)) return undefined;
  const value = node[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The repeated child elements `name` of `node`, always an array; an empty or absent wrapper is []. */
export function children(node: XmlNode | XmlNode[], name: string): XmlNode[] {
  if (!isElement(node) || !Object.hasOwn(node, name)) return [];
  const value = node[name];
  if (value === undefined) return [];
  return Array.isArray(value) ? value : [value];
}

/** Text of a leaf element; absent is null, `<X/>` is "". */
export function text(node: XmlNode | XmlNode[]): string | null {
  if (node === undefined) return null;
  if (typeof node === 'string') return node;
  if (isElement(node)) {
    const inner = node['#text'];
    return typeof inner === 'string' && Object.keys(node).length === 1 ? inner : null;
  }
  return null;
}

/** Integer leaf typed by schema; absent or empty is null, non-integers are a MalformedBodyError naming the field. */
export function integer(node: XmlNode | XmlNode[], field: string): number | null {
  const value = text(node);
  if (value === null || value.trim() === '') return null;
  if (!/^\s*[+-]?\d+\s*$/.test(value)) throw new MalformedBodyError(`${field} is not an integer`);
  return Number(value);
}

/** Boolean leaf typed by schema (`true`/`false`); absent or empty is null. */
export function boolean(node: XmlNode | XmlNode[], field: string): boolean | null {
  const value = text(node);
  if (value === null || value.trim() === '') return null;
  const v = value.trim().toLowerCase();
  if (v === 'true') return true;
  if (v === 'false') return false;
  throw new MalformedBodyError(`${field} is not a boolean`);
}
