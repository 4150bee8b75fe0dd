/**
 * The COS XML writer of the emulator: single-quoted declaration, 4-space pretty printing,
 * empty text as `<X/>`, quotes escaped as `&quot;` (an ETag reads `&quot;…&quot;` on the wire),
 * no namespace. Written independently of the datasource's parser.
 */

/** An element's content: text, or child elements in document order (an array repeats the element). */
type WireValue = string | number | boolean | WireElement;
export interface WireElement {
  [name: string]: WireValue | WireValue[] | undefined;
}

const XML_DECLARATION = "<?xml version='1.0' encoding='utf-8' ?>";

function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;');
}

function write(name: string, value: WireValue, depth: number, out: string[]): void {
  const pad = '    '.repeat(depth);
  if (typeof value !== 'object') {
    const text = String(value);
    out.push(text === '' ? `${pad}<${name}/>` : `${pad}<${name}>${escapeXml(text)}</${name}>`);
    return;
  }
  const entries = Object.entries(value).filter(([, v]) => v !== undefined) as [
    string,
    WireValue | WireValue[],
  ][];
  if (entries.length === 0) {
    out.push(`${pad}<${name}/>`);
    return;
  }
  out.push(`${pad}<${name}>`);
  for (const [childName, childValue] of entries) {
    for (const item of Array.isArray(childValue) ? childValue : [childValue])
      write(childName, item, depth + 1, out);
  }
  out.push(`${pad}</${name}>`);
}

/** A whole document: declaration, newline, the root element pretty-printed. */
export function toXmlDocument(rootName: string, root: WireElement): string {
  const out: string[] = [XML_DECLARATION];
  write(rootName, root, 0, out);
  return out.join('\n');
}
