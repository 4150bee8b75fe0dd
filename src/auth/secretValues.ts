import { inspect } from 'node:util';
import type { JobRecord } from '../model/job.ts';

/** What a scrubbed secret becomes, in log lines and error messages alike. */
export const REDACTED = '[REDACTED]';
/** Values shorter than this are not registered: they would scrub ordinary words and numbers. */
export const MIN_SECRET_LENGTH = 6;
/** Learned values (record secrets, verified bearer tokens) kept at most; the oldest are forgotten first. */
export const DEFAULT_MAX_LEARNED = 50_000;
/**
 * And at most this many characters of the forms held for them (see {@link formsOf}: a value is
 * held as up to a dozen strings, so a multi-line manifest costs about six times its length). The
 * bound is on what the registry holds, so it is its memory: about 10 MB of heap when full.
 */
export const DEFAULT_MAX_LEARNED_CHARS = 8 * 1024 * 1024;

/** Length of the window the index keys on: a pattern's last characters (its whole text when shorter). */
const WINDOW = 8;
const HASH_BITS = 20;
const HASH_MASK = (1 << HASH_BITS) - 1;

/**
 * A registered form and where it is indexed: the window of `length` characters ({@link WINDOW},
 * fewer for a shorter form) ending `end` characters into it (see SecretValueRegistry.place for
 * which one), in the bucket of that window's hash.
 */
interface IndexedForm {
  readonly text: string;
  readonly end: number;
  readonly bucket: number;
  readonly length: number;
  /** How many registered values produce this form. */
  count: number;
  /** Its slot in SecretValueRegistry's form table. */
  readonly slot: number;
  /** The slot of the next form indexed in the same bucket, plus one (0: none). */
  next: number;
}

/**
 * A learned value's forms and their characters, linked in recency order (see
 * SecretValueRegistry.learn): a list, not a Map's insertion order, because taking a Map's oldest
 * entry walks over every entry deleted before it until the table is rebuilt, and a full registry
 * deletes its oldest entry on every learn.
 */
interface LearnedValue {
  readonly value: string;
  readonly forms: readonly IndexedForm[];
  readonly cost: number;
  older: LearnedValue | undefined;
  newer: LearnedValue | undefined;
}

/**
 * Secrets recognised by their shape, whether or not the process has read them: JWTs
 * (`eyJ…`.`…`.`…`), SigV4 signatures (`Signature=<64 hex>`, in headers and presigned URLs)
 * and COS signatures (`q-signature=<40 hex>`).
 */
const SHAPES: readonly [RegExp, string][] = [
  [/eyJ[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]{2,}\.[A-Za-z0-9_-]*/g, REDACTED],
  [/(signature=)[0-9a-f]{40}(?:[0-9a-f]{24})?(?![0-9a-f])/gi, `$1${REDACTED}`],
];

const BASE = 0x01000193;
/** BASE^(length-1), per window length, for the rolling hash. */
const TOP = Array.from({ length: WINDOW + 1 }, (_, n) => {
  let p = 1;
  for (let i = 1; i < n; i++) p = Math.imul(p, BASE);
  return p;
});

/** Polynomial hash of `length` characters from `start`; the scan rolls it one character at a time. */
function hashWindow(text: string, start: number, length: number): number {
  let h = 0;
  for (let i = start; i < start + length; i++) h = (Math.imul(h, BASE) + text.charCodeAt(i)) | 0;
  return h;
}

const bucket = (h: number) => (h ^ (h >>> HASH_BITS)) & HASH_MASK;

/** A character escapeNonAscii rewrites. */
const NON_ASCII = /[\u007f-\uffff]/;
const EVERY_NON_ASCII = new RegExp(NON_ASCII.source, 'g');
const escapeNonAscii = (s: string) =>
  s.replace(EVERY_NON_ASCII, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, '0')}`);
const jsonInner = (s: string) => JSON.stringify(s).slice(1, -1);
/** Text no form changes: printable ASCII except quotes (`"`, `'`, `` ` ``) and backslash. */
const PLAIN = /^[ !#-&(-[\]-_a-~]*$/;
/** Text util.inspect quotes exactly as JSON.stringify does (see formsOf). */
// eslint-disable-next-line no-control-regex -- the control characters are the point
const INSPECT_AS_JSON = /^[^\x00-\x07\x0b\x0e-\x1f"'\x7f-\x9f\ud800-\udfff]*$/;

/**
 * The forms in which a value can appear in a log line or message: as is; quoted inside a message
 * (JSON-style as graphql-js quotes record values, or the way `util.inspect` quotes strings);
 * then each of those JSON-escaped as a string field of a JSON line; and each with non-ASCII
 * characters as `\uXXXX` escapes.
 */
export function formsOf(value: string): string[] {
  // Printable ASCII without quotes or backslashes reads the same in every form (most values),
  // unless util.inspect cuts it (longer than its default maxStringLength, 10 000).
  if (value.length <= 10_000 && PLAIN.test(value)) return [value];
  const json = jsonInner(value);
  // util.inspect quotes as JSON does unless the value holds a quote, a control character other
  // than \b \t \n \f \r, a C1 character or a surrogate (or is longer than it shows): skip it then.
  const quoted = new Set([
    value,
    json,
    value.length <= 10_000 && INSPECT_AS_JSON.test(value) ? json : inspect(value).slice(1, -1),
  ]);
  // Each distinct quoted form escaped once (the value's own escape is `json`, made above).
  const inLine = [...quoted].flatMap((q) => [q, q === value ? json : jsonInner(q)]);
  // JSON.stringify and util.inspect escape into ASCII: the forms of an ASCII value have nothing to rewrite.
  return [
    ...new Set(NON_ASCII.test(value) ? inLine.flatMap((f) => [f, escapeNonAscii(f)]) : inLine),
  ];
}

/**
 * Every sensitive value the process has read, and the scrubber that removes them from text.
 *
 * Pinned values (configured credentials) are never forgotten; learned values (secrets of the
 * records loaded, verified bearer tokens) are kept in an LRU of `maxLearned` values and
 * `maxLearnedChars` characters. Each form of each value is indexed by one window of
 * {@link WINDOW} characters in it, the one fewest forms already share, so a scan rolls one
 * hash along the text and compares only the few candidates whose window matches: the cost
 * grows with the text's length, not with the number of values — even when thousands of values
 * share an ending (presigned URLs of one bucket, tokens padded alike).
 */
export class SecretValueRegistry {
  private readonly pinned = new Set<string>();
  /** Learned value → its forms (kept so forgetting it does not work them out again) and their characters (what it costs against `maxLearnedChars`). */
  private readonly learned = new Map<string, LearnedValue>();
  /** The least and the most recently seen learned values, ends of the recency list. */
  private oldest: LearnedValue | undefined;
  private newest: LearnedValue | undefined;
  /** Registered form → where it is indexed and how many registered values produce it. */
  private readonly patterns = new Map<string, IndexedForm>();
  /**
   * Window bucket → the slot of the first form indexed there, plus one (0: none); the others
   * follow its `next` links. Placing, forgetting and finding a form reads arrays, not a hash
   * table, and makes no per-bucket collection. A typed array's pages are committed only once
   * written, so an empty registry holds next to nothing of its 4 MiB.
   */
  private readonly heads = new Uint32Array(1 << HASH_BITS);
  /** Indexed forms by slot; the slots of forgotten forms are reused. */
  private readonly slots: (IndexedForm | undefined)[] = [];
  private readonly freeSlots: number[] = [];
  /**
   * Window bucket → whether any form is indexed there, one bit a bucket (128 KiB): what a scan
   * reads at every character. The bucket array itself (4 MiB) would miss the CPU's caches at
   * almost every character of a text scanned between other work.
   */
  private readonly present = new Uint8Array(1 << (HASH_BITS - 3));
  /** Windows in use by length (WINDOW, or shorter for values shorter than it): a count a length. */
  private readonly windowLengths = new Int32Array(WINDOW + 1);
  private learnedChars = 0;
  private recordCollector: ((record: JobRecord) => string[]) | undefined;

  constructor(
    private readonly maxLearned: number = DEFAULT_MAX_LEARNED,
    private readonly maxLearnedChars: number = DEFAULT_MAX_LEARNED_CHARS,
  ) {}

  /** Values held: pinned and learned. */
  get size(): number {
    return this.pinned.size + this.learned.size;
  }

  /** Register a value for the life of the process (a configured credential). */
  pin(value: string | null | undefined): void {
    if (!this.accepts(value) || this.pinned.has(value)) return;
    this.pinned.add(value);
    const learned = this.learned.get(value);
    if (learned) {
      this.unlink(learned);
      this.learned.delete(value);
      this.learnedChars -= learned.cost;
      return; // already indexed
    }
    this.index(formsOf(value));
  }

  /** Register a value read at run time; the least recently seen is forgotten past the bound. */
  learn(value: string | null | undefined): void {
    if (!this.accepts(value) || this.pinned.has(value)) return;
    const known = this.learned.get(value);
    if (known) {
      if (known !== this.newest) {
        this.unlink(known);
        this.append(known);
      }
      return;
    }
    const texts = formsOf(value);
    let cost = 0;
    for (const text of texts) cost += text.length;
    if (cost > this.maxLearnedChars) return;
    const forms = this.index(texts);
    const entry: LearnedValue = { value, forms, cost, older: undefined, newer: undefined };
    this.learned.set(value, entry);
    this.append(entry);
    this.learnedChars += cost;
    while (this.learned.size > this.maxLearned || this.learnedChars > this.maxLearnedChars) {
      const oldest = this.oldest as LearnedValue;
      this.unlink(oldest);
      this.learned.delete(oldest.value);
      this.learnedChars -= oldest.cost;
      this.unindex(oldest.forms);
    }
  }

  /** How records are searched for sensitive values (set once the schema is built). */
  setRecordCollector(collect: (record: JobRecord) => string[]): void {
    this.recordCollector = collect;
  }

  /**
   * Learn every sensitive value a record holds. Called once a record is fetched (a request's
   * loader batch, a poll), not once a job is asked for: a value learned again only moves to the
   * newest end of the recency list.
   */
  learnRecord(record: JobRecord): void {
    if (!this.recordCollector) return;
    for (const value of this.recordCollector(record)) this.learn(value);
  }

  /** Forget every learned value (pinned ones stay). */
  clearLearned(): void {
    for (const { forms } of this.learned.values()) this.unindex(forms);
    this.learned.clear();
    this.oldest = this.newest = undefined;
    this.learnedChars = 0;
  }

  /** How the forms are indexed: how many, in how many window buckets, and the most forms any bucket holds (each is compared where a window of that bucket occurs in a scanned text). */
  indexStats(): { forms: number; windows: number; mostFormsPerWindow: number } {
    let [windows, most] = [0, 0];
    for (let b = 0; b < this.heads.length; b++) {
      if (this.heads[b] === 0) continue;
      windows++;
      most = Math.max(most, this.bucketSize(b));
    }
    return { forms: this.patterns.size, windows, mostFormsPerWindow: most };
  }

  /** True when the text holds a registered value (in any of its forms) or a secret-shaped string. */
  contains(text: string): boolean {
    return this.scrub(text) !== text;
  }

  /** The text with every registered value (in any of its forms) and every secret-shaped string replaced by `[REDACTED]`. */
  scrub(text: string): string {
    let out = this.patterns.size === 0 ? text : this.scrubValues(text);
    for (const [re, replacement] of SHAPES) {
      re.lastIndex = 0;
      if (re.test(out)) out = out.replace(re, replacement);
    }
    return out;
  }

  /** Put a learned value at the newest end of the recency list. */
  private append(entry: LearnedValue): void {
    entry.older = this.newest;
    entry.newer = undefined;
    if (this.newest) this.newest.newer = entry;
    else this.oldest = entry;
    this.newest = entry;
  }

  /** Take a learned value out of the recency list. */
  private unlink(entry: LearnedValue): void {
    if (entry.older) entry.older.newer = entry.newer;
    else this.oldest = entry.newer;
    if (entry.newer) entry.newer.older = entry.older;
    else this.newest = entry.older;
    entry.older = entry.newer = undefined;
  }

  private accepts(value: string | null | undefined): value is string {
    return typeof value === 'string' && value.length >= MIN_SECRET_LENGTH;
  }

  /** Register one value's forms: each known form counted once more, each new one placed. */
  private index(texts: readonly string[]): IndexedForm[] {
    const forms: IndexedForm[] = [];
    for (const text of texts) {
      let form = this.patterns.get(text);
      if (form) form.count++;
      else {
        form = this.place(text);
        this.patterns.set(text, form);
        this.slots[form.slot] = form;
        const b = form.bucket;
        form.next = this.heads[b] as number;
        this.heads[b] = form.slot + 1;
        this.present[b >>> 3] = (this.present[b >>> 3] as number) | (1 << (b & 7));
        this.windowLengths[form.length] = (this.windowLengths[form.length] as number) + 1;
      }
      forms.push(form);
    }
    return forms;
  }

  /** Forget one value's forms: a form no other registered value produces leaves the index. */
  private unindex(forms: readonly IndexedForm[]): void {
    for (const form of forms) {
      if (--form.count > 0) continue; // another value still has this form
      this.patterns.delete(form.text);
      this.slots[form.slot] = undefined;
      this.freeSlots.push(form.slot);
      const b = form.bucket;
      if (this.heads[b] === form.slot + 1) this.heads[b] = form.next;
      else {
        let at = this.formAt(this.heads[b] as number);
        while (at && at.next !== form.slot + 1) at = this.formAt(at.next);
        if (at) at.next = form.next;
      }
      if (this.heads[b] === 0)
        this.present[b >>> 3] = (this.present[b >>> 3] as number) & ~(1 << (b & 7));
      this.windowLengths[form.length] = (this.windowLengths[form.length] as number) - 1;
    }
  }

  /** The form of a `next` link or a bucket's head (slot plus one), if any. */
  private formAt(link: number): IndexedForm | undefined {
    return link === 0 ? undefined : this.slots[link - 1];
  }

  /** How many forms are indexed in bucket `b`. */
  private bucketSize(b: number): number {
    let n = 0;
    for (let at = this.formAt(this.heads[b] as number); at; at = this.formAt(at.next)) n++;
    return n;
  }

  /**
   * Which window indexes a new form: of its non-overlapping windows counted from its end, and
   * its first window, the one whose hash the fewest indexed windows share (the last one when
   * none does). Indexing every form by its ending instead let values alike at the end pile onto
   * one window — 8,560 forms ending "00000000" in a gateway's steady state — and each occurrence
   * of that window in a scanned text then compared every one of them.
   */
  private place(text: string): IndexedForm {
    const length = Math.min(WINDOW, text.length);
    let best = text.length;
    let bestBucket = 0;
    let fewest = Infinity;
    const consider = (end: number) => {
      const b = bucket(hashWindow(text, end - length, length));
      const n = this.bucketSize(b);
      if (n < fewest) {
        fewest = n;
        best = end;
        bestBucket = b;
      }
    };
    let end = text.length;
    for (; end >= length && fewest > 0; end -= length) consider(end);
    if (fewest > 0 && end !== 0) consider(length); // the windows stopped short of its start: its first one too
    const slot = this.freeSlots.pop() ?? this.slots.length;
    return { text, end: best, bucket: bestBucket, length, count: 1, slot, next: 0 };
  }

  private scrubValues(text: string): string {
    let ranges: [number, number][] | undefined;
    for (let length = 1; length <= WINDOW; length++) {
      if (this.windowLengths[length] === 0 || text.length < length) continue;
      const top = TOP[length] as number;
      let h = hashWindow(text, 0, length - 1);
      for (let end = length; end <= text.length; end++) {
        // Roll: drop the character that left the window, add the one that entered it.
        if (end > length) h = (h - Math.imul(text.charCodeAt(end - length - 1), top)) | 0;
        h = (Math.imul(h, BASE) + text.charCodeAt(end - 1)) | 0;
        const b = bucket(h);
        if (((this.present[b >>> 3] as number) & (1 << (b & 7))) === 0) continue;
        for (let form = this.formAt(this.heads[b] as number); form; form = this.formAt(form.next)) {
          if (form.length !== length) continue;
          const start = end - form.end;
          if (start >= 0 && text.startsWith(form.text, start))
            (ranges ??= []).push([start, start + form.text.length]);
        }
      }
    }
    if (!ranges) return text;
    ranges.sort((a, b) => a[0] - b[0] || b[1] - a[1]);
    let out = '';
    let cursor = 0;
    let open: [number, number] | undefined;
    for (const [start, end] of ranges) {
      if (open && start <= open[1]) {
        open[1] = Math.max(open[1], end);
        continue;
      }
      if (open) out += text.slice(cursor, open[0]) + REDACTED;
      if (open) cursor = open[1];
      open = [start, end];
    }
    if (open) out += text.slice(cursor, open[0]) + REDACTED + text.slice(open[1]);
    return out;
  }
}

/** The process-wide registry: the logger and the error formatter scrub with it. */
export const secretValues = new SecretValueRegistry();

/** Scrub a text with the process-wide registry. */
export const scrubSecrets = (text: string): string => secretValues.scrub(text);
