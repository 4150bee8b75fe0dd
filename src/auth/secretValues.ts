import { inspect } from 'node:util';
import type { JobRecord } from '../model/job.ts';
import { LRUCache } from 'lru-cache';
import { learnableParts } from './learnableSecrets.ts';

/** What a scrubbed secret becomes, in log lines and error messages alike. */
export const REDACTED = '[REDACTED]';
/**
 * Values shorter than this are never registered, pinned or learned: they would scrub ordinary
 * words and numbers. What is learned at run time must also pass learnableSecrets.ts.
 */
export const MIN_SECRET_LENGTH = 6;
/** Learned values (record secrets, verified bearer tokens) kept at most; the oldest are forgotten first. */
const DEFAULT_MAX_LEARNED = 50_000;
/**
 * And at most this many characters of the forms held for them (see {@link formsOf}: a value is
 * held as up to a dozen strings, so a multi-line manifest costs about six times its length). The
 * bound is on what the registry holds, so it is its memory (docs/configuration.md has its size).
 */
const DEFAULT_MAX_LEARNED_CHARS = 8 * 1024 * 1024;

/** Length of the window the index keys on: a pattern's last characters (its whole text when shorter). */
const WINDOW = 8;
const HASH_BITS = 20;
const HASH_MASK = (1 << HASH_BITS) - 1;
/** Bits of a kind's hash that pick its hint's slot (see SecretValueRegistry.place). */
const HINT_BITS = 16;
const HINT_MASK = (1 << HINT_BITS) - 1;

/**
 * A registered value's form and where it is indexed: the window of {@link WINDOW} characters
 * (fewer for a shorter form) ending `end` characters into it (see SecretValueRegistry.place for
 * which one). Each value's forms are its own: two values with a form alike (one the other's JSON
 * escape) index it twice, and a scan finds it twice at one place, which the replacement merges —
 * instead of a map from every form's text to its one entry, which hashed each new form's text
 * (hundreds of characters for a manifest) and missed the CPU's caches twice a form, to learn it
 * and to forget it.
 */
interface IndexedForm {
  readonly text: string;
  readonly end: number;
  /** The window's bucket in the filter. */
  readonly bucket: number;
  /** The window's key in the index: its bucket and its length (see {@link windowKey}). */
  readonly key: number;
}

/**
 * A learned value's forms and their characters (see SecretValueRegistry.learn; a full registry
 * forgets its least recently seen on every learn).
 */
interface LearnedValue {
  readonly value: string;
  /** Its forms as indexed: forgetting the value takes them out without looking them up again. */
  readonly forms: readonly IndexedForm[];
  readonly cost: number;
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

/** The text with every secret-shaped string (JWT, SigV4 or COS signature) replaced by `[REDACTED]`. */
export function scrubSecretShapes(text: string): string {
  let out = text;
  for (const [re, replacement] of SHAPES) {
    re.lastIndex = 0;
    if (re.test(out)) out = out.replace(re, replacement);
  }
  return out;
}

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
/**
 * A window's key in the index: its bucket and its length, a small integer. Keying by the window's
 * text instead would cut a string out of every scanned text wherever the filter lets a window
 * through; forms whose windows only share a bucket are told apart by the comparison that follows.
 */
const windowKey = (b: number, length: number) => (b << 4) | length;

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
  const shown =
    value.length <= 10_000 && INSPECT_AS_JSON.test(value) ? json : inspect(value).slice(1, -1);
  // Each distinct quoted form, then escaped once (the value's own escape is `json`, made above).
  // Kept distinct in a short array (at most a dozen forms): no Sets, spreads or flatMaps made
  // for every value learned; the order is the one the forms were first made in.
  const forms = [value];
  addForm(forms, json);
  if (json !== value) addForm(forms, jsonInner(json));
  if (shown !== value && shown !== json) {
    addForm(forms, shown);
    addForm(forms, jsonInner(shown));
  }
  // JSON.stringify and util.inspect escape into ASCII: the forms of an ASCII value have nothing to rewrite.
  if (!NON_ASCII.test(value)) return forms;
  const escaped: string[] = [];
  for (const form of forms) {
    addForm(escaped, form);
    addForm(escaped, escapeNonAscii(form));
  }
  return escaped;
}

/** Add `form` to `forms` unless it is there already. */
function addForm(forms: string[], form: string): void {
  if (!forms.includes(form)) forms.push(form);
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
  /**
   * Learned value → its forms (kept so forgetting it does not work them out again) and their
   * characters (what it costs against `maxLearnedChars`): lru-cache, least recently seen out
   * first, its forms taken out of the index as it is evicted.
   */
  private readonly learned: LRUCache<string, LearnedValue>;
  /** Forms indexed (of pinned and learned values alike). */
  private forms = 0;
  /**
   * Window key ({@link windowKey}) → the form indexed by it, or the forms when several are (most
   * windows index one form: no Set made, filled and emptied again for each value learned and
   * forgotten).
   */
  private readonly byWindow = new Map<number, IndexedForm | Set<IndexedForm>>();
  /** Window hash → how many windows hash there (a counting filter in front of byWindow). */
  private readonly filter = new Uint32Array(1 << HASH_BITS);
  /**
   * Window hash → whether any window hashes there: the filter as one bit a hash (128 KiB), which
   * is what a scan reads at every character. The counts (4 MiB) would miss the CPU's caches at
   * almost every character of a text scanned between other work.
   */
  private readonly present = new Uint8Array(1 << (HASH_BITS - 3));
  /** Windows in use by length (WINDOW, or shorter for values shorter than it): a count a length. */
  private readonly windowLengths = new Int32Array(WINDOW + 1);
  /**
   * A kind of form (see place) → how far from its end the last form of that kind placed found a
   * window no indexed window shared (0: none yet). Only a hint: kinds that share a slot share
   * it, and a stale or wrong hint costs one window looked at, never a worse choice. 256 KiB.
   */
  private readonly hints = new Uint16Array(2 << HINT_BITS);
  /** Forms placed, and windows looked at to place them (see placeStats). */
  private placed = 0;
  private windowsConsidered = 0;
  private recordCollector: ((record: JobRecord) => string[]) | undefined;
  /** Records already walked by learnRecord (see there). */
  private walkedRecords = new WeakSet<JobRecord>();

  /**
   * `partsToLearn`: what of a value read at run time is learned (default: the parts long and
   * random enough to be secrets, learnableSecrets.ts; tests of the index pass `(v) => [v]`).
   */
  constructor(
    private readonly maxLearned: number = DEFAULT_MAX_LEARNED,
    private readonly maxLearnedChars: number = DEFAULT_MAX_LEARNED_CHARS,
    private readonly partsToLearn: (value: string) => readonly string[] = learnableParts,
  ) {
    this.learned = new LRUCache({
      max: maxLearned,
      maxSize: maxLearnedChars,
      sizeCalculation: (entry) => entry.cost,
      // Evicted only: a value pinned leaves `learned` with its forms still indexed.
      dispose: (entry, _value, reason) => {
        if (reason === 'evict') for (const form of entry.forms) this.remove(form);
      },
    });
  }

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
      this.learned.delete(value);
      return; // already indexed
    }
    for (const form of formsOf(value)) this.add(form);
  }

  /**
   * Register what of a value read at run time is secret (see `partsToLearn`): a job's content
   * never teaches the scrubber an ordinary word, code or identifier. The least recently seen is
   * forgotten past the bound.
   */
  learn(value: string | null | undefined): void {
    if (typeof value !== 'string') return;
    for (const part of this.partsToLearn(value)) this.learnPart(part);
  }

  private learnPart(value: string): void {
    if (!this.accepts(value) || this.pinned.has(value)) return;
    if (this.learned.get(value)) return; // now the most recently seen
    const texts = formsOf(value);
    let cost = 0;
    for (const text of texts) cost += text.length;
    if (cost > this.maxLearnedChars) return;
    const forms: IndexedForm[] = [];
    for (const text of texts) forms.push(this.add(text));
    this.learned.set(value, { value, forms, cost });
  }

  /** How records are searched for sensitive values (set once the schema is built). */
  setRecordCollector(collect: (record: JobRecord) => string[]): void {
    this.recordCollector = collect;
    this.walkedRecords = new WeakSet();
  }

  /** Learn every sensitive value a record holds. */
  learnRecord(record: JobRecord): void {
    // A request that asks for one job several times (aliases, fragments, _entities) gets the same
    // record object from its DataLoader each time: walk it once. Records carrying secrets are never
    // cached across requests, so each one is a fresh object and is always walked.
    if (!this.recordCollector || this.walkedRecords.has(record)) return;
    const values = this.recordCollector(record);
    // A record with no sensitive value (every record of a type without sensitive fields: COS
    // Batch's, Panorama's) is not remembered: walking it again is a look at its plan's few
    // fields, cheaper than a weak entry the garbage collector has to trace for every record answered.
    if (values.length === 0) return;
    this.walkedRecords.add(record);
    for (const value of values) this.learn(value);
  }

  /** Forget every learned value (pinned ones stay). */
  clearLearned(): void {
    for (const { forms } of this.learned.values()) for (const form of forms) this.remove(form);
    this.learned.clear();
    this.walkedRecords = new WeakSet();
  }

  /** How the forms are indexed: how many, under how many windows, and the most forms any window holds (each is compared where that window occurs in a scanned text). */
  indexStats(): { forms: number; windows: number; mostFormsPerWindow: number } {
    let most = 0;
    for (const at of this.byWindow.values()) most = Math.max(most, at instanceof Set ? at.size : 1);
    return { forms: this.forms, windows: this.byWindow.size, mostFormsPerWindow: most };
  }

  /** Forms placed in the index so far, and the windows looked at to choose theirs (see place). */
  placeStats(): { placed: number; windowsConsidered: number } {
    return { placed: this.placed, windowsConsidered: this.windowsConsidered };
  }

  /** True when the text holds a registered value (in any of its forms) or a secret-shaped string. */
  contains(text: string): boolean {
    return this.scrub(text) !== text;
  }

  /** The text with every registered value (in any of its forms) and every secret-shaped string replaced by `[REDACTED]`. */
  scrub(text: string): string {
    return scrubSecretShapes(this.forms === 0 ? text : this.scrubValues(text));
  }

  private accepts(value: string | null | undefined): value is string {
    return typeof value === 'string' && value.length >= MIN_SECRET_LENGTH;
  }

  /** Index a form of a value being registered; returns it as indexed. */
  private add(text: string): IndexedForm {
    const form = this.place(text);
    this.count(form, 1);
    this.forms++;
    return form;
  }

  /** Take a form of a value being forgotten out of the index. */
  private remove(form: IndexedForm): void {
    this.count(form, -1);
    this.forms--;
  }

  /** Put a form under its window (1) or take it out (-1): the filter, its bitset and the window index. */
  private count(form: IndexedForm, delta: 1 | -1): void {
    const length = form.key & 15;
    const h = form.bucket;
    const n = (this.filter[h] as number) + delta;
    this.filter[h] = n;
    if (n === 0) this.present[h >>> 3] = (this.present[h >>> 3] as number) & ~(1 << (h & 7));
    else this.present[h >>> 3] = (this.present[h >>> 3] as number) | (1 << (h & 7));
    this.windowLengths[length] = (this.windowLengths[length] as number) + delta;
    const indexed = this.byWindow.get(form.key);
    if (delta === 1) {
      if (!indexed) this.byWindow.set(form.key, form);
      else if (indexed instanceof Set) indexed.add(form);
      else this.byWindow.set(form.key, new Set([indexed, form]));
    } else if (indexed === form) {
      this.byWindow.delete(form.key);
    } else if (indexed instanceof Set) {
      indexed.delete(form);
      if (indexed.size === 0) this.byWindow.delete(form.key);
    }
  }

  /**
   * Which window indexes a new form: the first whose hash no indexed window shares, looking at
   * its last window, then the two windows its kinds hint at ({@link hints}), then its
   * non-overlapping windows counted from its end, its first window, and the windows half a window
   * on from those; when every one is shared, the one the fewest share. Indexing every form by its
   * ending instead let values alike at the end pile onto one window — thousands of forms ending
   * "00000000" in a gateway's steady state (docs/performance.md) — and each occurrence of that
   * window in a scanned text then compared every one of them. The hints keep placing cheap when
   * thousands of forms are alike: a gateway reading many Import/Export jobs holds manifests that
   * differ only ≈ 200 characters before their end (their `deviceId`), where the hint looks first
   * instead of after the 25 shared windows from the end (counted: placeStats).
   */
  private place(text: string): IndexedForm {
    const length = Math.min(WINDOW, text.length);
    let best = text.length;
    let bestBucket = bucket(hashWindow(text, text.length - length, length));
    let fewest = this.filter[bestBucket] as number;
    let considered = 1;
    // A kind is the forms that begin alike and are as long (one template, IDs of one width), or
    // that end alike (whatever their length); each hint is how far from its end the last form
    // of that kind found an unshared window.
    const byStart =
      bucket((Math.imul(hashWindow(text, 0, length), BASE) + text.length) | 0) & HINT_MASK;
    const byEnd = (1 << HINT_BITS) | (bestBucket & HINT_MASK);
    // Then its non-overlapping windows from the end, its first when they stop short of it, and
    // the windows between theirs (half a window on): a part that differs within a kind can
    // straddle two windows of the first set, as a running number's last digits do.
    let end = text.length - length;
    let shifted = false;
    for (let step = 0; fewest > 0; step++) {
      let at: number;
      if (step < 2) at = text.length - (this.hints[step === 0 ? byStart : byEnd] as number);
      else if (end >= length) {
        at = end;
        end -= length;
      } else if (!shifted && end > 0) {
        at = length;
        end = 0;
      } else if (!shifted && length > 1) {
        shifted = true;
        end = text.length - (length >> 1);
        continue;
      } else break;
      if (at < length || at >= text.length) continue; // no hint, or one for a shorter form
      considered++;
      const b = bucket(hashWindow(text, at - length, length));
      const n = this.filter[b] as number;
      if (n < fewest) {
        fewest = n;
        best = at;
        bestBucket = b;
      }
    }
    if (fewest === 0 && best < text.length && text.length - best <= HINT_MASK)
      this.hints[byStart] = this.hints[byEnd] = text.length - best;
    this.placed++;
    this.windowsConsidered += considered;
    return { text, end: best, bucket: bestBucket, key: windowKey(bestBucket, length) };
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
        const indexed = this.byWindow.get(windowKey(b, length));
        if (!indexed) continue;
        for (const form of indexed instanceof Set ? indexed : [indexed]) {
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
