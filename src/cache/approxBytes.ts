/**
 * About how many bytes of heap `value` holds: strings at two bytes a character (V8 keeps a string
 * with any character beyond Latin-1 in two bytes each, so this is the most a string costs), plus
 * a few words for each object, array, property and element. An estimate, never a measure: it is
 * what a store fed by outside input counts against its byte budget, so that a few large values
 * cannot hold the heap that a count alone would allow. Walked with a stack of its own: a parsed
 * body may nest deeper than the call stack goes.
 */
export function approxBytes(value: unknown): number {
  let bytes = 0;
  const stack: object[] = [];
  const add = (v: unknown) => {
    if (typeof v === 'string') bytes += STRING_HEADER + 2 * v.length;
    else if (v !== null && typeof v === 'object') stack.push(v);
  };
  add(value);
  for (let v = stack.pop(); v !== undefined; v = stack.pop()) {
    // A word for each property's or element's slot: a key's name is shared by every object of
    // its shape.
    const items = Array.isArray(v) ? (v as unknown[]) : Object.values(v);
    bytes += OBJECT_HEADER + WORD * items.length;
    for (const item of items) add(item);
  }
  return bytes;
}

// duplicates: data — named constants, each its own value and reason
/** A string's header in V8 (map, hash, length), rounded up. */
const STRING_HEADER = 16;
/** An object's or array's header and its backing store's (map, properties, elements, length). */
const OBJECT_HEADER = 32;
/** A pointer or small number in a slot. */
const WORD = 8;

/** How full a bounded store is, and its bounds (`jobgraph_store_*{store}`). */
export interface StoreFill {
  store: string;
  entries: number;
  /** Its entries' approxBytes. */
  bytes: number;
  maxEntries: number;
  maxBytes: number;
}
