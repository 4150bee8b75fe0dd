/** Bytes the scan of jsonElements stops at. */
const [QUOTE, BACKSLASH, OPEN_BRACE, CLOSE_BRACE, OPEN_BRACKET, CLOSE_BRACKET, COMMA, COLON] = [
  0x22, 0x5c, 0x7b, 0x7d, 0x5b, 0x5d, 0x2c, 0x3a,
];

/** JSON's whitespace: space, tab, LF, CR. */
function isSpace(c: number | undefined): boolean {
  return c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;
}

/** The index of the first byte at or after `i` that is not whitespace. */
function skipSpace(body: Uint8Array, i: number): number {
  while (isSpace(body[i])) i++;
  return i;
}

/**
 * The end (exclusive) of the object that starts at `start` (its `{`): the `}` that closes it, found
 * by following nesting and strings (their escapes) only; -1 when the body ends first. The text in
 * between is not checked: a caller that reads an element parses it with JSON.parse.
 */
function objectEnd(body: Uint8Array, start: number): number {
  let depth = 0;
  for (let i = start; i < body.length; i++) {
    const c = body[i];
    if (c === QUOTE) {
      for (i++; i < body.length && body[i] !== QUOTE; i++) if (body[i] === BACKSLASH) i++;
    } else if (c === OPEN_BRACE || c === OPEN_BRACKET) depth++;
    else if ((c === CLOSE_BRACE || c === CLOSE_BRACKET) && --depth === 0) return i + 1;
  }
  return -1;
}

/**
 * Where each element of `member` lies in a body that is exactly `{"<member>": [ {…}, {…}, … ]}`
 * (whitespace allowed between tokens, the elements objects): `[start, end)` byte ranges in order,
 * or null for a body of any other shape (another member, a member name written with escapes, an
 * element that is not an object, anything after the closing brace). Only the text outside the
 * elements is checked here, exactly; what is inside each element is left to JSON.parse of that
 * element. So a body this accepts, whose every element is valid JSON, is valid JSON, and
 * `JSON.parse` of it is `{ [member]: elements.map(JSON.parse) }`.
 *
 * Why: AWS Batch's DescribeJobs answers many jobs in one body; a watched job whose element is
 * byte-identical to its last one needs no parse (batch/client.ts), and the others are parsed
 * alone, without parsing the whole body.
 */
export function jsonElements(body: Uint8Array, member: string): [number, number][] | null {
  const name = `"${member}"`;
  let i = skipSpace(body, 0);
  if (body[i] !== OPEN_BRACE) return null;
  i = skipSpace(body, i + 1);
  for (let k = 0; k < name.length; k++, i++) if (body[i] !== name.charCodeAt(k)) return null;
  i = skipSpace(body, i);
  if (body[i] !== COLON) return null;
  i = skipSpace(body, i + 1);
  if (body[i] !== OPEN_BRACKET) return null;
  i = skipSpace(body, i + 1);
  const elements: [number, number][] = [];
  if (body[i] !== CLOSE_BRACKET) {
    for (;;) {
      if (body[i] !== OPEN_BRACE) return null;
      const end = objectEnd(body, i);
      if (end < 0) return null;
      elements.push([i, end]);
      i = skipSpace(body, end);
      if (body[i] === CLOSE_BRACKET) break;
      if (body[i] !== COMMA) return null;
      i = skipSpace(body, i + 1);
    }
  }
  i = skipSpace(body, i + 1);
  if (body[i] !== CLOSE_BRACE) return null;
  return skipSpace(body, i + 1) === body.length ? elements : null;
}
