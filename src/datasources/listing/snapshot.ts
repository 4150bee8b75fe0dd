import {
  isTerminalState,
  JOB_PROVIDERS,
  type JobProvider,
  type JobState,
} from '../../model/job.ts';
import { compareListed, type Keyed } from './merge.ts';
import type { Listed } from './summaries.ts';

/**
 * One value of every job of a snapshot: its state, a part of its key, a summary field beyond
 * those a listed job's header gives (summaries.ts `listed`: ID, provider, creation time, state,
 * `terminal`), or Import/Export's `isCanceled` — and how its rows keep it: `const` (the same for
 * every job: kept once, as JSON), `alias` (always equal to another column, or to the job's global
 * ID or creation time: not kept), `dict` (few distinct values: their index), `iso` (an ISO-8601
 * time: its ms), `raw` (as is).
 */
interface Column {
  at: 'state' | 'key' | 'summary' | 'item';
  name: string;
  as: 'const' | 'alias' | 'dict' | 'iso' | 'raw';
  /** `const`: the value's JSON. */
  json?: string;
  /** `alias`: the index of the column it equals; -1 the global ID, -2 the creation time. */
  of?: number;
  /** `dict`: the values. */
  values?: unknown[];
}

/** What every row of one snapshot shares. */
interface Layout {
  provider: JobProvider;
  keyParts: string[];
  columns: Column[];
  canceled: boolean;
}

const ISO = (ms: number) => new Date(ms).toISOString();

// duplicates: data — a constant and a set of field names
/** A dictionary column holds at most this many values (and fewer than half the jobs). */
const MAX_DICT = 256;

/** The header fields of a listed job's summary, rebuilt from the job rather than kept. */
const HEADER_FIELDS: ReadonlySet<string> = new Set([
  'id',
  'provider',
  'createdAt',
  'state',
  'terminal',
]);

/**
 * Whether `o` has exactly the own enumerable keys `keys` (any order). Counted in a for-in rather
 * than listed with Object.keys: it runs for every job of every snapshot (a watched source's list
 * pass builds one), and a list of keys a job is garbage the next moment.
 */
function keysAre(o: object, keys: ReadonlySet<string>): boolean {
  let n = 0;
  for (const k in o) {
    if (!Object.hasOwn(o, k)) continue;
    if (!keys.has(k)) return false;
    n += 1;
  }
  return n === keys.size;
}

const isPrimitive = (v: unknown) => v === null || typeof v !== 'object';

/** Whether `v` is a time as jobgraph writes them (ISO-8601 UTC with milliseconds). */
function isIso(v: unknown): boolean {
  if (typeof v !== 'string') return false;
  const ms = Date.parse(v);
  return Number.isFinite(ms) && Math.abs(ms) <= 8.64e15 && ISO(ms) === v;
}

/**
 * Strings one after the other in one string, each found by its offsets: a job costs its
 * characters and 4 bytes, not a string object of its own — and nothing it holds keeps alive the
 * upstream answer a value was cut from (V8 keeps a substring as a slice of its parent).
 */
class Strings {
  readonly #text: string;
  readonly #at: Uint32Array;

  constructor(values: readonly string[]) {
    this.#text = values.join('');
    this.#at = new Uint32Array(values.length + 1);
    let at = 0;
    values.forEach((v, i) => {
      at += v.length;
      this.#at[i + 1] = at;
    });
  }

  get length(): number {
    return this.#at.length - 1;
  }

  get(i: number): string {
    return this.#text.slice(this.#at[i], this.#at[i + 1]);
  }

  /** Bytes held: one a character (two when any is beyond Latin-1), four an offset. */
  get bytes(): number {
    // eslint-disable-next-line no-control-regex
    const wide = /[^\u0000-\u00ff]/.test(this.#text) ? 2 : 1;
    return this.#text.length * wide + this.#at.byteLength;
  }
}

/**
 * One source's list as it was read whole at `takenAt`: its jobs' summaries in the merged order
 * (newest first, ties by global ID), duplicates dropped, kept compactly — per job its creation
 * time (a Float64Array slot), its global ID and one short JSON row of the values its columns keep
 * (see `Column`), the IDs and the rows each in one string; a page builds the `Listed` again when
 * it reads it (`item`). A job whose item does not have the layout's shape (it never happens with
 * the providers' `listed()`, but nothing depends on it) is kept as its whole item in JSON.
 * Summaries only: no summary field is a secret (summaries.ts), and nothing of who read it.
 */
export class Snapshot {
  /** Its size in memory, in bytes: its strings' characters and offsets, its times, its layout. */
  readonly bytes: number;
  readonly #ids: Strings;
  readonly #rows: Strings;
  #index: Map<string, number> | null = null;

  private constructor(
    /** Clock ms when the read began: nothing in it is older news than that. */
    readonly takenAt: number,
    /** Upstream pages the read took. */
    readonly pages: number,
    private readonly layout: Layout,
    private readonly created: Float64Array,
    ids: readonly string[] | Strings,
    rows: readonly string[] | Strings,
    /**
     * One upstream page of a source read page by page (snapshotStream.ts `pagedStream`): the
     * token of the page after it (null: the last). Null for a source read whole.
     */
    readonly next: string | null = null,
  ) {
    this.#ids = ids instanceof Strings ? ids : new Strings(ids);
    this.#rows = rows instanceof Strings ? rows : new Strings(rows);
    this.bytes =
      this.#ids.bytes + this.#rows.bytes + created.byteLength + JSON.stringify(layout).length + 256;
  }

  /**
   * The snapshot of a source's items, read from `takenAt` in `pages` upstream pages; `next`: the
   * token after them, when they are one page of a source read page by page.
   */
  static of(
    items: readonly Listed[],
    takenAt: number,
    pages: number,
    next: string | null = null,
  ): Snapshot {
    const seen = new Set<string>();
    const sorted = [...items]
      .sort(compareListed)
      .filter((item) => !seen.has(item.id) && Boolean(seen.add(item.id)));
    const shape = shapeOf(sorted);
    const values = sorted.map((item) => (fits(shape, item) ? valuesOf(shape, item) : null));
    const fitting = sorted.filter((_, i) => values[i] !== null);
    const layout = layoutOf(
      shape,
      fitting,
      values.filter((v): v is unknown[] => v !== null),
    );
    const dicts = layout.columns.map((c) =>
      c.values ? new Map(c.values.map((v, i) => [v, i])) : null,
    );
    return new Snapshot(
      takenAt,
      pages,
      layout,
      Float64Array.from(sorted, (i) => i.createdMs),
      sorted.map((i) => i.id),
      sorted.map((item, i) => {
        const v = values[i];
        return v ? encodeRow(layout, dicts, v) : JSON.stringify(item);
      }),
      next,
    );
  }

  /**
   * The same jobs read again from `takenAt` (a pass whose every page came back unchanged): a new
   * snapshot that shares this one's rows, IDs, times and index instead of encoding them again.
   */
  retaken(takenAt: number): Snapshot {
    const again = new Snapshot(
      takenAt,
      this.pages,
      this.layout,
      this.created,
      this.#ids,
      this.#rows,
      this.next,
    );
    // Built here if not yet: every pass's snapshot is looked up by ID (the watch's `seen`).
    again.#index = this.#indexed();
    return again;
  }

  /** Jobs in it. */
  get size(): number {
    return this.#rows.length;
  }

  /** The `i`th job in the merged order, built anew (callers may keep or change it). */
  item(i: number): Listed {
    const row = this.#rows.get(i);
    if (row.startsWith('{')) return JSON.parse(row) as Listed;
    return decodeRow(this.layout, this.created[i] as number, this.#ids.get(i), row);
  }

  /** Index of the first job after `after` in the merged order (0 for null; `size` when none). */
  indexAfter(after: Keyed | null): number {
    if (after === null) return 0;
    let lo = 0;
    let hi = this.size;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const at = { createdMs: this.created[mid] as number, id: this.#ids.get(mid) };
      if (compareListed(at, after) > 0) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  }

  /** Index of the job with this global ID, or undefined (an index built on first use). */
  indexOf(id: string): number | undefined {
    return this.#indexed().get(id);
  }

  #indexed(): Map<string, number> {
    if (!this.#index) {
      this.#index = new Map();
      for (let i = 0; i < this.size; i++) this.#index.set(this.#ids.get(i), i);
    }
    return this.#index;
  }

  /**
   * The text another replica reads it from (`fromWire`): a JSON header line, then one line a
   * job, `createdMs<TAB>global ID<TAB>row` (IDs hold no tab or newline: their patterns; rows are
   * JSON, which escapes both).
   */
  toWire(): string {
    const header = JSON.stringify({
      v: 1,
      takenAt: this.takenAt,
      pages: this.pages,
      ...(this.next === null ? {} : { next: this.next }),
      ...this.layout,
    });
    const lines = [header];
    for (let i = 0; i < this.size; i++)
      lines.push(`${this.created[i]}\t${this.#ids.get(i)}\t${this.#rows.get(i)}`);
    return lines.join('\n');
  }

  /** A snapshot from `toWire`'s text; null when the text is not one (another version, damage). */
  static fromWire(text: string): Snapshot | null {
    const lines = text.split('\n');
    let header: unknown;
    try {
      header = JSON.parse(lines[0] as string);
    } catch {
      return null;
    }
    const h = header as Partial<
      Layout & { v: number; takenAt: number; pages: number; next: unknown }
    >;
    if (
      h === null ||
      typeof h !== 'object' ||
      h.v !== 1 ||
      !Number.isFinite(h.takenAt) ||
      !Number.isInteger(h.pages) ||
      !JOB_PROVIDERS.includes(h.provider as JobProvider) ||
      !Array.isArray(h.keyParts) ||
      !h.keyParts.every((k) => typeof k === 'string') ||
      !Array.isArray(h.columns) ||
      !h.columns.every(isColumn) ||
      typeof h.canceled !== 'boolean' ||
      (h.next !== undefined && typeof h.next !== 'string')
    )
      return null;
    const n = lines.length - 1;
    const created = new Float64Array(n);
    const ids: string[] = [];
    const rows: string[] = [];
    for (let i = 0; i < n; i++) {
      const line = lines[i + 1] as string;
      const a = line.indexOf('\t');
      const b = line.indexOf('\t', a + 1);
      const ms = Number(line.slice(0, a));
      if (a < 1 || b < 0 || !Number.isFinite(ms)) return null;
      created[i] = ms;
      ids.push(line.slice(a + 1, b));
      rows.push(line.slice(b + 1));
    }
    const layout: Layout = {
      provider: h.provider as JobProvider,
      keyParts: h.keyParts,
      columns: h.columns,
      canceled: h.canceled,
    };
    const next = typeof h.next === 'string' ? h.next : null;
    return new Snapshot(h.takenAt as number, h.pages as number, layout, created, ids, rows, next);
  }
}

function isColumn(c: unknown): c is Column {
  const x = c as Partial<Column> | null;
  return (
    x !== null &&
    typeof x === 'object' &&
    ['state', 'key', 'summary', 'item'].includes(x.at as string) &&
    typeof x.name === 'string' &&
    ['const', 'alias', 'dict', 'iso', 'raw'].includes(x.as as string) &&
    (x.as !== 'const' || typeof x.json === 'string') &&
    (x.as !== 'alias' || Number.isInteger(x.of)) &&
    (x.as !== 'dict' || Array.isArray(x.values))
  );
}

/** The shape every job of a snapshot shares: the first one's provider, key parts and summary fields. */
interface Shape {
  provider: JobProvider;
  keyParts: string[];
  fields: string[];
  canceled: boolean;
  /** The own keys of each part of a job that fits, made once a snapshot, not once a job (`fits`). */
  keys: ReturnType<typeof keysOf>;
}

function keysOf(keyParts: readonly string[], fields: readonly string[], canceled: boolean) {
  return {
    item: new Set(['createdMs', 'id', 'job', ...(canceled ? ['isCanceled'] : [])]),
    job: new Set(['key', 'id', 'provider', 'createdAt', 'state', 'summary']),
    key: new Set(['provider', ...keyParts]),
    summary: new Set([...HEADER_FIELDS, ...fields]),
    /** A job whose state is not known: no `state` nor `terminal` in its summary. */
    stateless: new Set(['id', 'provider', 'createdAt', ...fields]),
  };
}

function shapeOf(items: readonly Listed[]): Shape {
  const first = items[0];
  const keyParts = first ? Object.keys(first.job.key).filter((k) => k !== 'provider') : [];
  const fields = first ? Object.keys(first.job.summary).filter((k) => !HEADER_FIELDS.has(k)) : [];
  const canceled = first?.isCanceled !== undefined;
  const provider = first?.job.provider ?? 'AWS_PANORAMA';
  return { provider, keyParts, fields, canceled, keys: keysOf(keyParts, fields, canceled) };
}

/** Whether `item` has `shape` exactly, so that `decodeRow` gives it back from its row. */
function fits(shape: Shape, item: Listed): boolean {
  const { job } = item;
  const iso = ISO(item.createdMs);
  const key = job.key as unknown as Record<string, unknown>;
  const s = job.summary as Record<string, unknown>;
  const { keys } = shape;
  return (
    keysAre(item, keys.item) &&
    keysAre(job, keys.job) &&
    job.id === item.id &&
    job.provider === shape.provider &&
    key.provider === shape.provider &&
    keysAre(key, keys.key) &&
    shape.keyParts.every((k) => typeof key[k] === 'string') &&
    keysAre(s, job.state === null ? keys.stateless : keys.summary) &&
    shape.fields.every((f) => s[f] !== undefined) &&
    (!shape.canceled || item.isCanceled !== undefined) &&
    job.createdAt === iso &&
    s.id === item.id &&
    s.provider === shape.provider &&
    s.createdAt === iso &&
    (job.state === null || (s.state === job.state && s.terminal === isTerminalState(job.state)))
  );
}

/** The columns' values of `item`, in layout order: state, key parts, summary fields, isCanceled. */
function valuesOf(shape: Shape, item: Listed): unknown[] {
  const key = item.job.key as unknown as Record<string, unknown>;
  const summary = item.job.summary as Record<string, unknown>;
  // Pushed one by one, not spread from mapped arrays: three arrays a job fewer, for every job of
  // every snapshot.
  const values: unknown[] = [item.job.state];
  for (const k of shape.keyParts) values.push(key[k]);
  for (const f of shape.fields) values.push(summary[f]);
  if (shape.canceled) values.push(item.isCanceled);
  return values;
}

/** How each column of `items` (all of `shape`) is kept: the cheapest way that holds for every job. */
function layoutOf(shape: Shape, items: readonly Listed[], values: readonly unknown[][]): Layout {
  const names: [Column['at'], string][] = [
    ['state', 'state'],
    ...shape.keyParts.map((k): [Column['at'], string] => ['key', k]),
    ...shape.fields.map((f): [Column['at'], string] => ['summary', f]),
    ...(shape.canceled ? [['item', 'isCanceled'] as [Column['at'], string]] : []),
  ];
  const byColumn = names.map((_, c) => values.map((v) => v[c]));
  const virtual: unknown[][] = [items.map((i) => i.id), items.map((i) => i.job.createdAt)];
  const same = (a: unknown[], b: unknown[]) => a.every((v, i) => v === b[i]);
  const columns = names.map(([at, name], c): Column => {
    const vs = byColumn[c] as unknown[];
    const first = JSON.stringify(vs[0] ?? null);
    if (vs.length > 0 && vs.every((v) => JSON.stringify(v) === first))
      return { at, name, as: 'const', json: first };
    for (let d = 0; d < c; d++)
      if (same(vs, byColumn[d] as unknown[])) return { at, name, as: 'alias', of: d };
    for (let v = 0; v < virtual.length; v++)
      if (same(vs, virtual[v] as unknown[])) return { at, name, as: 'alias', of: -1 - v };
    if (vs.every((v) => v === null || isIso(v))) return { at, name, as: 'iso' };
    if (vs.every(isPrimitive)) {
      const distinct = [...new Set(vs)];
      if (distinct.length <= MAX_DICT && distinct.length * 2 < vs.length)
        return { at, name, as: 'dict', values: distinct };
    }
    return { at, name, as: 'raw' };
  });
  return { provider: shape.provider, keyParts: shape.keyParts, columns, canceled: shape.canceled };
}

/** A job's row: the values of its `dict`, `iso` and `raw` columns, in order. */
function encodeRow(
  layout: Layout,
  dicts: readonly (Map<unknown, number> | null)[],
  values: readonly unknown[],
): string {
  const row: unknown[] = [];
  layout.columns.forEach((c, i) => {
    const v = values[i];
    if (c.as === 'dict') row.push((dicts[i] as Map<unknown, number>).get(v));
    else if (c.as === 'iso') row.push(v === null ? null : Date.parse(v as string));
    else if (c.as === 'raw') row.push(v);
  });
  return JSON.stringify(row);
}

const PRIMITIVE_CONSTS = new WeakMap<Column, unknown>();

/** A `const` column's value: a primitive parsed once, an object parsed for each job (its own copy). */
function constValue(c: Column): unknown {
  if (PRIMITIVE_CONSTS.has(c)) return PRIMITIVE_CONSTS.get(c);
  const value = JSON.parse(c.json as string) as unknown;
  if (isPrimitive(value)) PRIMITIVE_CONSTS.set(c, value);
  return value;
}

function decodeRow(layout: Layout, createdMs: number, id: string, text: string): Listed {
  const row = JSON.parse(text) as unknown[];
  const { provider, columns } = layout;
  const createdAt = ISO(createdMs);
  const values: unknown[] = [];
  let at = 0;
  for (const c of columns) {
    switch (c.as) {
      case 'const':
        values.push(constValue(c));
        break;
      case 'alias':
        values.push(c.of === -1 ? id : c.of === -2 ? createdAt : values[c.of as number]);
        break;
      case 'dict':
        values.push((c.values as unknown[])[row[at++] as number]);
        break;
      case 'iso': {
        const ms = row[at++] as number | null;
        values.push(ms === null ? null : ISO(ms));
        break;
      }
      default:
        values.push(row[at++]);
    }
  }
  const state = values[0] as JobState | null;
  const key: Record<string, unknown> = { provider };
  const summary: Record<string, unknown> = {
    id,
    provider,
    ...(state === null ? {} : { state, terminal: isTerminalState(state) }),
    createdAt,
  };
  let isCanceled: unknown;
  columns.forEach((c, i) => {
    if (c.at === 'key') key[c.name] = values[i];
    else if (c.at === 'summary') summary[c.name] = values[i];
    else if (c.at === 'item') isCanceled = values[i];
  });
  const job = { key, id, provider, createdAt, state, summary };
  return {
    createdMs,
    id,
    job: job as unknown as Listed['job'],
    ...(layout.canceled ? { isCanceled: isCanceled as boolean | null } : {}),
  };
}
