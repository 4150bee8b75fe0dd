/** The one empty list records share (frozen: records are read, never written, as the cache's are). */
const EMPTY: readonly never[] = Object.freeze([]);

/**
 * One copy of the strings that many records repeat — a queue's or a job definition's ARN, a
 * region, a role, a status reason, tag and parameter names — for the records a process keeps
 * (a watched job's last record lives as long as its watch): each parse makes its own copy of
 * every string, so 100,000 watched jobs of one queue held 100,000 copies of its ARN. A string
 * equal to one the pool holds is replaced by the pool's; equal strings are the same value in
 * JavaScript, so no answer changes. Bounded: the pool starts again empty once it holds `max`
 * strings (the strings each record has of its own — job IDs, ARNs — wash out; the repeated ones
 * are back at their next record), and a string over `maxLength` characters is left as it is.
 */
export class StringPool {
  readonly #pool = new Map<string, string>();
  /** The shared objects and lists, by their JSON. */
  readonly #objects = new Map<string, object>();
  /** Times the pool started again empty (a test's and a reader's view of its bound). */
  restarts = 0;

  constructor(
    /** Strings held at most, default 20,000. */
    readonly max = 20_000,
    /** The longest string pooled, in characters, default 256. */
    readonly maxLength = 256,
  ) {}

  /** How many strings it holds now. */
  get size(): number {
    return this.#pool.size;
  }

  /** Whether it holds `s` (a test's view: secrets are never pooled). */
  has(s: string): boolean {
    return this.#pool.has(s);
  }

  /** The pool's copy of `s` (`s` itself, pooled now, when it had none). */
  intern(s: string): string {
    if (s.length > this.maxLength) return s;
    return this.#kept(this.#pool, s, s);
  }

  /**
   * `map`'s value for `key`, or `value` kept there now (the map cleared first when full). A value
   * not kept is the caller's own, just built, which no one else holds (frozen or not).
   */
  #kept<V>(map: Map<string, V>, key: string, value: V): V {
    const known = map.get(key);
    if (known !== undefined) return known;
    if (map.size >= this.max) {
      map.clear();
      this.restarts += 1;
    }
    map.set(key, value);
    return value;
  }

  /**
   * Every string of `value` (in its plain objects and arrays, at any depth) replaced by the
   * pool's copy, every empty list by one shared frozen list and each small object or list that
   * holds only shared values by the pool's frozen copy of it (#shared), in place, except under a
   * member named in `skip` (where a secret may be: it is never pooled, so it never outlives its
   * record here). For a record just built, before anyone else holds it. Returns `value`.
   */
  internAll<T>(value: T, skip: ReadonlySet<string>): T {
    if (Array.isArray(value)) {
      for (let i = 0; i < value.length; i++) {
        const v: unknown = value[i];
        if (typeof v === 'string') value[i] = this.intern(v);
        else if (typeof v === 'object' && v !== null) value[i] = this.#shared(v, skip);
      }
    } else if (typeof value === 'object' && value !== null) {
      const o = value as Record<string, unknown>;
      for (const name of Object.keys(o)) {
        if (skip.has(name)) continue;
        const v = o[name];
        if (typeof v === 'string') o[name] = this.intern(v);
        else if (typeof v === 'object' && v !== null) o[name] = this.#shared(v, skip);
      }
    }
    return value;
  }

  /**
   * An object or list with its strings pooled; an empty list is the shared one; and, when all it
   * holds is shared and it writes out in at most `maxLength` characters of JSON, the pool's one
   * frozen copy of it (a queue's jobs repeat their retry strategy, tags, parameters, mounts,
   * limits and log settings: one object each, not one a record). Never one holding a skipped
   * member.
   */
  #shared(v: object, skip: ReadonlySet<string>): object {
    if (Array.isArray(v) && v.length === 0) return EMPTY;
    this.internAll(v, skip);
    const members: unknown[] = Array.isArray(v) ? v : Object.values(v);
    if (!Array.isArray(v) && Object.keys(v).some((name) => skip.has(name))) return v;
    if (members.some((m) => typeof m === 'object' && m !== null && !Object.isFrozen(m))) return v;
    const json = JSON.stringify(v);
    if (json.length > this.maxLength) return v;
    return this.#kept(this.#objects, json, Object.freeze(v));
  }
}
