import { XMLParser, XMLValidator } from 'fast-xml-parser';
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

/**
 * Build a parser for one response shape. `arrayPaths` are dotted element paths from the root
 * (e.g. `DescribeJobResult.Job.FailureReasons.JobFailure`) that are always lists, so one child
 * is still a list. Entities are never expanded beyond the predefined five (a DOCTYPE is
 * rejected outright), attributes and namespaces are ignored, and every value stays a string:
 * types come from the schema in the parse step, never from guessing.
 */
export function createXmlParser(arrayPaths: readonly string[]): (body: string) => Record<string, XmlNode> {
  const arrays = new Set(arrayPaths);
  // The parser asks `isArray` about every element; the path is built only for an element whose
  // name ends one of the array paths (`jPath: false` hands over the path matcher, not a string
  // built for every element).
  const lastNames = new Set(arrayPaths.map((path) => path.slice(path.lastIndexOf('.') + 1)));
  const parser = new XMLParser({
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    processEntities: false,
    htmlEntities: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    jPath: false,
    isArray: (name, jpath) => lastNames.has(name) && arrays.has(String(jpath)),
    tagValueProcessor: (_name, value) => decodeXmlText(value),
  });
  return (body: string) => {
    if (/<!DOCTYPE/i.test(body)) throw new MalformedBodyError('XML body declares a DOCTYPE');
    const valid = XMLValidator.validate(body);
    if (valid !== true) throw new MalformedBodyError(`XML body is not well-formed (line ${valid.err.line})`);
    let parsed: unknown;
    try {
      parsed = parser.parse(body);
    } catch (err) {
      // The validator passes some bodies the parser refuses (reserved names such as
      // `__proto__`, nesting beyond its limit); those throw plain Errors whose text may quote
      // the body, so only the fact is kept.
      if (err instanceof MalformedBodyError) throw err;
      throw new MalformedBodyError('XML body could not be parsed');
    }
    if (parsed === null || typeof parsed !== 'object') throw new MalformedBodyError('XML body has no root element');
    return parsed as Record<string, XmlNode>;
  };
}

function isElement(node: unknown): node is Record<string, XmlNode | XmlNode[]> {
  return node !== null && typeof node === 'object' && !Array.isArray(node);
}

/** The child element `name` of `node` (first one if repeated), or undefined. */
export function child(node: XmlNode | XmlNode[], name: string): XmlNode {
  if (!isElement(node)) return undefined;
  const value = node[name];
  return Array.isArray(value) ? value[0] : value;
}

/** The repeated child elements `name` of `node`, always an array; an empty or absent wrapper is []. */
export function children(node: XmlNode | XmlNode[], name: string): XmlNode[] {
  if (!isElement(node)) return [];
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
