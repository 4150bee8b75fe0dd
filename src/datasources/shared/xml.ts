import { XMLParser, XMLValidator, type X2jOptions } from 'fast-xml-parser';
import { MalformedBodyError } from '../../errors.ts';

/** A parsed XML element: text for leaves, an object of children otherwise. */
export type XmlNode = string | { [name: string]: XmlNode | XmlNode[] } | undefined;

const PREDEFINED: Record<string, string> = { lt: '<', gt: '>', amp: '&', quot: '"', apos: "'" };

/**
 * Decode the five predefined XML entities and numeric character references, nothing else.
 * Any other `&` (an undeclared entity such as `&xxe;`, a bare `&`, `&#X41;`, `&#;`) and a
 * reference beyond U+10FFFF are not well-formed XML: MalformedBodyError, never passed through.
 */
export function decodeXmlText(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(
    /&(#x[0-9a-fA-F]+|#[0-9]+|lt|gt|amp|quot|apos)?(;)?/g,
    (_, ref: string | undefined, semi: string | undefined) => {
      if (ref === undefined || semi === undefined)
        throw new MalformedBodyError('XML body has an undeclared or broken entity reference');
      if (ref.startsWith('#'))
        return fromCodePoint(
          ref.startsWith('#x') ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10),
        );
      return PREDEFINED[ref] as string;
    },
  );
}

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
 * fast-xml-parser's options for one response shape, set for speed: no attribute is read, no
 * value is typed (every value stays a string; the schema types it in the parse step), text is
 * kept as sent (not trimmed), no path string is built for callbacks (`jPath: false`), and the only
 * callbacks are the entity hook above and, with `arrayPaths`, `isArray` for the known list
 * elements. The parse steps use {@link createXmlParser}.
 */
function xmlParserOptions(arrayPaths: readonly string[]): X2jOptions {
  const options: X2jOptions = {
    ignoreAttributes: true,
    removeNSPrefix: true,
    parseTagValue: false,
    trimValues: false,
    ignoreDeclaration: true,
    ignorePiTags: true,
    processEntities: true,
    entityDecoder: XML_ENTITIES,
    // fast-xml-parser refuses an element with more than this many elements open above it.
    maxNestedTags: MAX_XML_DEPTH - 1,
    jPath: false,
  };
  if (arrayPaths.length > 0) {
    const arrays = new Set(arrayPaths);
    // The path is joined only for an element whose name ends one of the array paths.
    const lastNames = new Set(arrayPaths.map((path) => path.slice(path.lastIndexOf('.') + 1)));
    options.isArray = (name, jpath) => lastNames.has(name) && arrays.has(String(jpath));
  }
  return options;
}

const DOCTYPE = /<!DOCTYPE/i;

/**
 * Build a parser for one response shape: fast-xml-parser, with the refusals around it.
 * `arrayPaths` are dotted element paths from the root, by local name (e.g.
 * `DescribeJobResult.Job.FailureReasons.JobFailure`), that are always lists, so one child is
 * still a list ({@link children} makes any element a list too).
 *
 * Refused, as MalformedBodyError (UPSTREAM_BAD_RESPONSE), never quoting the body:
 * - a DOCTYPE anywhere (even in a comment or CDATA), checked before the parse: no entity can be
 *   declared, so no custom entity, external entity or entity expansion (billion laughs) exists;
 * - a body that is not well-formed (cut short, mismatched or unclosed tags, text beside the root):
 *   fast-xml-parser's validator, since its parser alone reads a truncated body as a shorter one;
 * - an undeclared entity, a bare `&` or a reference beyond U+10FFFF ({@link decodeXmlText});
 * - element names `__proto__`, `constructor`, `prototype` (fast-xml-parser refuses them);
 * - nesting beyond {@link MAX_XML_DEPTH}.
 * An oversized body never gets here: the HTTP layer's cap (shared/bodyCap.ts) refuses it first.
 *
 * An element without child elements is its text ('' when empty); one with children is an object,
 * a child name repeated (or on an array path) becoming an array, and any text around the children
 * (whitespace included) kept under `#text`. Attributes and namespace prefixes are ignored, CDATA
 * is literal text and line ends are normalised to `\n`.
 */
export function createXmlParser(
  arrayPaths: readonly string[],
): (body: string) => Record<string, XmlNode> {
  const parser = new XMLParser(xmlParserOptions(arrayPaths));
  return (body: string) => parseWhole(parser, body);
}

/** `body` checked (no DOCTYPE, well-formed) and parsed by `parser`, refusals as createXmlParser's. */
function parseWhole(parser: XMLParser, body: string): Record<string, XmlNode> {
  if (DOCTYPE.test(body)) throw new MalformedBodyError('XML body declares a DOCTYPE');
  const valid = XMLValidator.validate(body);
  if (valid !== true)
    throw new MalformedBodyError(`XML body is not well-formed (line ${valid.err.line})`);
  try {
    return parser.parse(body) as Record<string, XmlNode>;
  } catch (err) {
    throw parseError(err);
  }
}

/** A list answer's parser from {@link createXmlListParser}. */
export interface XmlListParser {
  /** The answer, refused as createXmlParser's parse refuses it; each list element left as its text. */
  parse(body: string): Record<string, XmlNode>;
  /** One list element (its text from `parse`) as createXmlParser would have parsed it in place. */
  member(node: XmlNode): XmlNode;
}

/**
 * A parser for a list answer (`listPath`: the dotted local names of its repeated element from the
 * root, e.g. `ListJobsResult.Jobs.member`) that makes its elements one at a time: `parse` checks
 * and reads the answer whole with each list element kept as its raw text (fast-xml-parser's
 * `stopNodes`), and `member` parses one of them when its reader wants it. A page of a thousand
 * jobs is then never one tree of a thousand elements: each element's tree is let go once read,
 * so a page's parse leaves little alive for the scavenges during it to copy. The result is the
 * one createXmlParser gives, refusals included: the depth bound is counted from the root as
 * before, and entities and CDATA are read in `member`, once.
 */
export function createXmlListParser(listPath: string): XmlListParser {
  const name = listPath.slice(listPath.lastIndexOf('.') + 1);
  const page = new XMLParser({ ...xmlParserOptions([listPath]), stopNodes: [listPath] });
  const one = new XMLParser({
    ...xmlParserOptions([]),
    // The element sits `listPath`'s length deep: fewer may open inside it.
    maxNestedTags: MAX_XML_DEPTH - listPath.split('.').length,
  });
  return {
    parse: (body) => parseWhole(page, body),
    member(node) {
      if (typeof node !== 'string') return node;
      try {
        return (one.parse(`<${name}>${node}</${name}>`) as Record<string, XmlNode>)[name];
      } catch (err) {
        throw parseError(err);
      }
    },
  };
}

/** fast-xml-parser's own refusals are plain Errors whose text may quote the body: keep only the kind. */
function parseError(err: unknown): MalformedBodyError {
  if (err instanceof MalformedBodyError) return err;
  const message = err instanceof Error ? err.message : '';
  if (message.startsWith('Maximum nested tags'))
    return new MalformedBodyError(`XML body nests elements deeper than ${MAX_XML_DEPTH}`);
  if (message.startsWith('[SECURITY]'))
    return new MalformedBodyError('XML body has a reserved element name');
  return new MalformedBodyError('XML body could not be parsed');
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
