import { XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser';
import { MalformedBodyError } from '../../errors.ts';

/** A parsed XML element: text for leaves, an object of children otherwise. */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] } | undefined;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };
const [HASH, SEMI, LOWER_X] = [0x23, 0x3b, 0x78];

/**
 * Decode the five predefined XML entities and numeric character references, nothing else.
 * Any other `&` (an undeclared entity such as `&xxe;`, a bare `&`, `&#X41;`, `&#;`) and a
 * reference beyond U+10FFFF are not well-formed XML: MalformedBodyError, never passed through.
 * fast-xml-parser calls this for every text of a body; it reads each reference where it finds an
 * `&` and copies the text between them once (no regular expression, no callback per reference).
 */
export function decodeXmlText(text: string): string {
  let amp = text.indexOf('&');
  if (amp === -1) return text;
  let out = '';
  let copied = 0;
  while (amp !== -1) {
    const semi = referenceEnd(text, amp);
    if (semi === -1)
      throw new MalformedBodyError('XML body has an undeclared or broken entity reference');
    out += text.slice(copied, amp) + referenceText(text, amp + 1, semi);
    copied = semi + 1;
    amp = text.indexOf('&', copied);
  }
  return out + text.slice(copied);
}

/** Where the reference at `amp` ends (its `;`), or -1 when it is none of the five names nor `&#x<hex>;` / `&#<digits>;`. */
function referenceEnd(text: string, amp: number): number {
  let i = amp + 1;
  if (text.charCodeAt(i) === HASH) {
    const hex = text.charCodeAt(i + 1) === LOWER_X;
    const first = hex ? i + 2 : i + 1;
    i = first;
    while (i < text.length && (hex ? isHexDigit : isDigit)(text.charCodeAt(i))) i++;
    if (i === first) return -1;
  } else {
    const semi = text.indexOf(';', i);
    // The names are at most four characters: nothing longer is cut out of the text to look up.
    if (semi === -1 || semi - i > 4 || !Object.hasOwn(PREDEFINED, text.slice(i, semi))) return -1;
    i = semi;
  }
  return text.charCodeAt(i) === SEMI ? i : -1;
}

/** What a well-formed reference stands for: `from` is just after its `&`, `semi` is its `;`. */
function referenceText(text: string, from: number, semi: number): string {
  if (text.charCodeAt(from) !== HASH) return PREDEFINED[text.slice(from, semi)] as string;
  return text.charCodeAt(from + 1) === LOWER_X
    ? fromCodePoint(parseInt(text.slice(from + 2, semi), 16))
    : fromCodePoint(parseInt(text.slice(from + 1, semi), 10));
}

const isDigit = (c: number) => c >= 0x30 && c <= 0x39;
const isHexDigit = (c: number) =>
  isDigit(c) || (c >= 0x41 && c <= 0x46) || (c >= 0x61 && c <= 0x66);

function fromCodePoint(codePoint: number): string {
  if (!(codePoint <= 0x10ffff))
    throw new MalformedBodyError('XML body has a character reference beyond U+10FFFF');
  return String.fromCodePoint(codePoint);
}

/** Deepest element nesting a body may have; the root element is depth 1. */
export const MAX_XML_DEPTH = 100;

/**
 * fast-xml-parser's entity hook, called for the text outside CDATA: the five predefined
 * entities and character references ({@link decodeXmlText}), nothing else. A DOCTYPE is refused
 * before the parse, so no document can declare an entity; should one ever reach the parser,
 * its entities are refused here rather than added.
 */
const XML_ENTITIES = {
  decode: decodeXmlText,
  reset: () => {},
  setXmlVersion: () => {},
  setExternalEntities: () => {},
  addInputEntities: () => {
    throw new MalformedBodyError('XML body declares a DOCTYPE');
  },
};

/**
 * How fast-xml-parser reads a body into values, whatever its output: no value is typed (every
 * value stays a string; the schema types it in the parse step), text is kept as sent (not
 * trimmed), prefixes removed, the declaration and instructions skipped, entities through the hook
 * above. Exported for the oracle test that reads bodies the same way into fast-xml-parser's object
 * output (test/fuzz/xmlTree.test.ts).
 */
export const XML_READING = {
  removeNSPrefix: true,
  parseTagValue: false,
  trimValues: false,
  ignoreDeclaration: true,
  ignorePiTags: true,
  processEntities: true,
  entityDecoder: XML_ENTITIES,
  // Blank text beside child elements is the body's indentation: dropped here ('' is never
  // stored) instead of kept as a text node and joined under `#text` for every element with
  // children. A leaf's text, blank or not, and text that is not blank are kept exactly.
  tagValueProcessor: (_name, value, _path, _attributes, leaf) =>
    leaf || !isXmlSpace(value) ? undefined : '',
} satisfies X2jOptions;

/**
 * The names an element may have that are also properties of every object (`__proto__`,
 * `constructor`, `toString`, …) or `prototype`. fast-xml-parser refuses the first three and
 * renames the others (`__toString`), so before it sees them they are marked, through its
 * documented `transformTagName`, with a space (which no XML name holds) that {@link TreeBuilder}
 * takes off again: such an element reads under its own name, as an own property.
 */
const PROTOTYPE_NAMES: ReadonlySet<string> = new Set([
  ...Object.getOwnPropertyNames(Object.prototype),
  'prototype',
]);
const MARK = ' ';
const markName = (name: string): string => (PROTOTYPE_NAMES.has(name) ? name + MARK : name);

/**
 * fast-xml-parser's options, all documented ones: {@link XML_READING}, no attribute kept, no path
 * string built for callbacks (`jPath: false`), the ordered output (read by {@link TreeBuilder}),
 * the nesting bound, and prototype names marked. The parse steps use {@link createXmlParser}.
 */
const XML_PARSER_OPTIONS = {
  ...XML_READING,
  ignoreAttributes: true,
  // fast-xml-parser refuses an element with more than this many elements open above it.
  maxNestedTags: MAX_XML_DEPTH - 1,
  jPath: false,
  preserveOrder: true,
  transformTagName: markName,
} satisfies X2jOptions;

/** One item of fast-xml-parser's ordered output: `{ name: items }` for an element, `{ '#text': text }` for text. */
type OrderedItem = Record<string, OrderedItem[] | string>;

/**
 * The parsed tree (see {@link createXmlParser}) from fast-xml-parser's ordered output. It is the
 * tree fast-xml-parser's own object output gives (`preserveOrder: false`, with `isArray` on the
 * array paths), built without the work that output does per element for attributes and paths
 * jobgraph never reads: a path matcher pushed and popped, an attribute map copied, the keys listed
 * three times (its cost: docs/performance.md). An oracle test holds it to fast-xml-parser's object
 * output on every fixture and on generated bodies.
 */
class TreeBuilder {
  /** Names of the elements open above the one being built, from the root. */
  private readonly path: string[] = [];
  private readonly arrays: ReadonlySet<string>;
  /** The last names of the array paths: the path is joined only for an element with one of them. */
  private readonly lastNames: ReadonlySet<string>;

  constructor(arrayPaths: readonly string[]) {
    this.arrays = new Set(arrayPaths);
    this.lastNames = new Set(arrayPaths.map((path) => path.slice(path.lastIndexOf('.') + 1)));
  }

  build(items: OrderedItem[]): Record<string, XmlNode | XmlNode[]> {
    this.path.length = 0;
    return this.children(items);
  }

  /** An element's children and text as an object: a repeated name (or one on an array path) an array, text joined under `#text`. */
  private children(items: OrderedItem[]): Record<string, XmlNode | XmlNode[]> {
    const node: Record<string, XmlNode | XmlNode[]> = {};
    let text = '';
    for (const item of items) {
      const key = firstKey(item);
      if (key === undefined) continue;
      if (key === '#text') {
        text += item[key] as string;
        continue;
      }
      const name = key.endsWith(MARK) ? key.slice(0, -MARK.length) : key;
      this.path.push(name);
      const value = this.value(item[key] as OrderedItem[]);
      const held = Object.hasOwn(node, name) ? node[name] : undefined;
      if (Array.isArray(held)) held.push(value);
      else if (held !== undefined) setOwn(node, name, [held, value]);
      else if (this.lastNames.has(name) && this.arrays.has(this.path.join('.')))
        setOwn(node, name, [value]);
      else setOwn(node, name, value);
      this.path.pop();
    }
    if (text !== '') node['#text'] = text;
    return node;
  }

  /** An element: its text when it has no child element (`''` when empty), else its object. */
  private value(items: OrderedItem[]): XmlNode {
    const node = this.children(items);
    const first = firstKey(node);
    if (first === undefined) return '';
    // `#text` is set last, so it comes first only when it is the one key.
    return first === '#text' ? (node[first] as string) : node;
  }
}

/**
 * `node[name] = value` as an own property for every name: assigning `__proto__` would set the
 * object's prototype instead (Object.prototype's accessor), so that one name is defined.
 */
function setOwn(
  node: Record<string, XmlNode | XmlNode[]>,
  name: string,
  value: XmlNode | XmlNode[],
) {
  if (name === '__proto__')
    Object.defineProperty(node, name, {
      value,
      writable: true,
      enumerable: true,
      configurable: true,
    });
  else node[name] = value;
}

/** An object's first own enumerable key (an ordered item has exactly one), or undefined for `{}`. */
function firstKey(object: object): string | undefined {
  for (const key in object) return key;
  return undefined;
}

/** Whether a text is only XML white space (space, tab, line ends): the other blanks (U+00A0…) are text. */
function isXmlSpace(text: string): boolean {
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c !== 0x20 && c !== 0x0a && c !== 0x09 && c !== 0x0d) return false;
  }
  return true;
}

const DOCTYPE = /<!DOCTYPE/i;

/**
 * Build a parser for one response shape: fast-xml-parser's validator, then its parser, with the
 * refusals around them. `arrayPaths` are dotted element paths from the root, by local name (e.g.
 * `DescribeJobResult.Job.FailureReasons.JobFailure`), that are always lists, so one child is
 * still a list ({@link children} makes any element a list too). A list answer's members are read
 * in the same pass: its list element is one of `arrayPaths`.
 *
 * Refused, as MalformedBodyError (UPSTREAM_BAD_RESPONSE), never quoting the body:
 * - a DOCTYPE anywhere (even in a comment or CDATA), checked before the parse: no entity can be
 *   declared, so no custom entity, external entity or entity expansion (billion laughs) exists;
 * - a body that is not well-formed: what fast-xml-parser's validator reports (mismatched, stray or
 *   unclosed tags, a body cut short, text before the root, an attribute without a quoted value),
 *   with its line; and what the validator lets through, found by the shape of the body and of the
 *   parsed tree ({@link treeShapeIsDocument}): no root or a second one, text after the root;
 * - an undeclared entity, a bare `&` or a reference beyond U+10FFFF ({@link decodeXmlText});
 * - nesting beyond {@link MAX_XML_DEPTH}.
 * An oversized body never gets here: the HTTP layer's cap (shared/bodyCap.ts) refuses it first.
 *
 * An element without child elements is its text ('' when empty); one with children is an object,
 * a child name repeated (or on an array path) becoming an array, and text around the children
 * kept under `#text` unless it is only XML white space (indentation). Every element name is read,
 * Object.prototype's names and `prototype` included, as an own property. Attributes and namespace
 * prefixes are ignored, CDATA is literal text and line ends are normalised to `\n`.
 */
export function createXmlParser(
  arrayPaths: readonly string[],
): (body: string) => Record<string, XmlNode> {
  const parser = new XMLParser(XML_PARSER_OPTIONS);
  const tree = new TreeBuilder(arrayPaths);
  return (body: string) => {
    if (DOCTYPE.test(body)) throw new MalformedBodyError('XML body declares a DOCTYPE');
    if (!markupAtBothEnds(body)) throw notWellFormed();
    // The validator is fast-xml-parser's documented report of a body that is not well-formed (its
    // 5.x types point to the separate fast-xml-validator package, not a dependency: the ~5.12 pin
    // in package.json keeps this one); the parser alone closes any open element at any end tag.
    const valid = XMLValidator.validate(body);
    if (valid !== true) throw notWellFormed(valid.err.line);
    let items: OrderedItem[];
    try {
      items = parser.parse(body) as OrderedItem[];
    } catch (err) {
      throw parseError(err);
    }
    if (!treeShapeIsDocument(items)) throw notWellFormed();
    return tree.build(items) as Record<string, XmlNode>;
  };
}

/** The body, blanks and a byte-order mark aside, begins with `<` and ends with `>`: no text before or after the root. */
function markupAtBothEnds(body: string): boolean {
  const first = body.search(/[^\s\ufeff]/);
  if (first === -1 || body[first] !== '<') return false;
  let last = body.length - 1;
  while (last > first && /\s/.test(body[last] as string)) last--;
  return body[last] === '>';
}

/**
 * The top of the ordered output is one document: exactly one element (the validator lets a
 * second empty-element root through), and beside it only blanks and a byte-order mark (text
 * between the root and a later processing instruction is kept there; the validator lets it by).
 * Text after the root that only comments follow is neither reported nor kept by fast-xml-parser:
 * it is outside the document, so nothing of it is read either.
 */
function treeShapeIsDocument(items: OrderedItem[]): boolean {
  let roots = 0;
  for (const item of items) {
    const key = firstKey(item);
    if (key === undefined) continue;
    if (key !== '#text') roots += 1;
    else if ((item[key] as string).replace(/^\ufeff/, '').trim() !== '') return false;
  }
  return roots === 1;
}

/** A not-well-formed refusal, with the line the validator names when it names one. */
function notWellFormed(line?: number): MalformedBodyError {
  return new MalformedBodyError(
    line === undefined
      ? 'XML body is not well-formed'
      : `XML body is not well-formed (line ${line})`,
  );
}

/** The parser's own refusals are plain Errors whose text may quote the body: keep only the kind. */
function parseError(err: unknown): MalformedBodyError {
  if (err instanceof MalformedBodyError) return err;
  const message = err instanceof Error ? err.message : '';
  if (message.startsWith('Maximum nested tags'))
    return new MalformedBodyError(`XML body nests elements deeper than ${MAX_XML_DEPTH}`);
  return notWellFormed();
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
