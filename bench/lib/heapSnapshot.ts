import { readFileSync } from 'node:fs';

/** Objects of one constructor (or one kind of heap value), counted in two snapshots. */
export interface Grower {
  /** Constructor or function name; for values named by their content (strings…), the kind. */
  name: string;
  /** V8's node type: object, closure, array, string, code… */
  type: string;
  countBefore: number;
  countAfter: number;
  countDelta: number;
  /** Bytes of the objects themselves (not what they retain), after − before. */
  selfSizeDelta: number;
}

/** Node types whose name is the value itself: grouped under the type alone. */
const VALUE_TYPES = new Set([
  'string',
  'concatenated string',
  'sliced string',
  'number',
  'heap number',
  'bigint',
  'symbol',
  'regexp',
]);

interface Group {
  type: string;
  name: string;
  count: number;
  selfSize: number;
}

/**
 * Counts and self sizes per (type, name) of a `.heapsnapshot` file (what `--heapsnapshot-signal`
 * writes). Reads the `nodes` numbers straight from the bytes and `JSON.parse`s only the header
 * and the `strings` table, so a snapshot of a few hundred MB needs no more than its own size.
 */
export function groupSnapshot(file: string): Map<string, Group> {
  const buf = readFileSync(file);
  const nodesAt = buf.indexOf('"nodes":[');
  if (nodesAt < 0) throw new Error(`${file}: no nodes array`);
  const header = JSON.parse(`${buf.toString('utf8', 0, nodesAt).trim().replace(/,$/, '')}}`) as {
    snapshot: {
      meta: { node_fields: string[]; node_types: [string[], ...unknown[]] };
      node_count: number;
    };
  };
  const { node_fields: fields, node_types: nodeTypes } = header.snapshot.meta;
  const typeNames = nodeTypes[0];
  const width = fields.length;
  const [typeAt, nameAt, sizeAt] = ['type', 'name', 'self_size'].map((f) => fields.indexOf(f)) as [
    number,
    number,
    number,
  ];
  const count = header.snapshot.node_count;
  const nodes = new Float64Array(count * width);
  let n = 0;
  let value = 0;
  let inNumber = false;
  for (let i = nodesAt + '"nodes":['.length; n < nodes.length; i++) {
    const c = buf[i] as number;
    if (c >= 48 && c <= 57) {
      value = value * 10 + (c - 48);
      inNumber = true;
    } else {
      if (inNumber) nodes[n++] = value;
      value = 0;
      inNumber = false;
      if (c === 93 /* ] */) break;
    }
  }
  if (n !== nodes.length)
    throw new Error(`${file}: read ${n} node fields, expected ${nodes.length}`);
  const stringsAt = buf.lastIndexOf('"strings":[');
  const strings = JSON.parse(
    buf
      .toString('utf8', stringsAt + '"strings":'.length)
      .trim()
      .replace(/}$/, ''),
  ) as string[];
  const groups = new Map<string, Group>();
  for (let i = 0; i < nodes.length; i += width) {
    const type = typeNames[nodes[i + typeAt] as number] ?? 'unknown';
    const name = VALUE_TYPES.has(type)
      ? `(${type})`
      : (strings[nodes[i + nameAt] as number] ?? '?');
    const key = `${type}\u0000${name}`;
    const g = groups.get(key) ?? { type, name, count: 0, selfSize: 0 };
    g.count++;
    g.selfSize += nodes[i + sizeAt] as number;
    groups.set(key, g);
  }
  return groups;
}

/** The `top` groups that grew most in self size from `before` to `after` (then by count). */
export function compareSnapshots(before: string, after: string, top: number): Grower[] {
  const a = groupSnapshot(before);
  const b = groupSnapshot(after);
  const out: Grower[] = [];
  for (const [key, g] of b) {
    const old = a.get(key);
    out.push({
      name: g.name.length > 80 ? `${g.name.slice(0, 77)}…` : g.name,
      type: g.type,
      countBefore: old?.count ?? 0,
      countAfter: g.count,
      countDelta: g.count - (old?.count ?? 0),
      selfSizeDelta: g.selfSize - (old?.selfSize ?? 0),
    });
  }
  return out
    .sort((x, y) => y.selfSizeDelta - x.selfSizeDelta || y.countDelta - x.countDelta)
    .slice(0, top);
}
