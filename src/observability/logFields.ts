/** A scrubber of one string: the same text with every secret in it replaced. */
export type Scrub = (text: string) => string;

/**
 * Top-level fields jobgraph writes itself from what it decided, never from what a job or an
 * upstream holds: the service's name, the request's and an internal error's IDs, the caller's
 * token subject (the audit's `subject`), and public error codes. Only secret shapes (JWTs,
 * signatures) are scrubbed from them, never learned values: a job whose environment holds a
 * caller's subject or `FORBIDDEN` must not rewrite the audit or the codes of other callers.
 */
const FIXED_FIELDS: ReadonlySet<string> = new Set([
  'service',
  'requestId',
  'correlationId',
  'subject',
  'code',
  'errorCodes',
]);

/**
 * A log call's fields (or a child's bindings) with the strings of each scrubbed, the fields in
 * `own` left to their serializers. The object comes back as itself when nothing changed.
 */
export function scrubbedFields(
  fields: Record<string, unknown>,
  scrub: Scrub,
  scrubFixed: Scrub,
  own: ReadonlySet<string>,
): Record<string, unknown> {
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(fields)) {
    if (own.has(key)) continue;
    const value = fields[key];
    const next = scrubbedValue(value, FIXED_FIELDS.has(key) ? scrubFixed : scrub);
    if (next !== value) (out ??= { ...fields })[key] = next;
  }
  return out ?? fields;
}

/**
 * A value as its JSON would be written, each string in it scrubbed: strings, the items of arrays
 * and the own enumerable properties of objects at any depth (a value with `toJSON`, a URL or a
 * Date, as that gives it). Keys, numbers and booleans are kept; copied only where a string
 * changed. A value met again inside itself is written `[Circular]`, as pino writes it.
 */
export function scrubbedValue(value: unknown, scrub: Scrub): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object') return value;
  return scrubbedObject(value, scrub, []);
}

/** scrubbedValue of an object inside `within` (the objects it sits in, outermost first). */
function scrubbedObject(value: object, scrub: Scrub, within: object[]): unknown {
  // Written as pino writes it: the original would be serialized unscrubbed under a copy.
  if (within.includes(value)) return '[Circular]';
  const toJSON = (value as { toJSON?: unknown }).toJSON;
  if (typeof toJSON === 'function') {
    const json: unknown = toJSON.call(value);
    if (json === value) return value;
    const scrubbed = scrubbedChild(json, scrub, within);
    return scrubbed === json ? value : scrubbed;
  }
  within.push(value);
  try {
    if (Array.isArray(value)) {
      let out: unknown[] | undefined;
      for (let i = 0; i < value.length; i++) {
        const next = scrubbedChild(value[i], scrub, within);
        if (next !== value[i]) (out ??= [...(value as unknown[])])[i] = next;
      }
      return out ?? value;
    }
    const obj = value as Record<string, unknown>;
    let out: Record<string, unknown> | undefined;
    for (const key of Object.keys(obj)) {
      const v = obj[key];
      const next = scrubbedChild(v, scrub, within);
      if (next !== v) (out ??= { ...obj })[key] = next;
    }
    return out ?? value;
  } finally {
    within.pop();
  }
}

function scrubbedChild(value: unknown, scrub: Scrub, within: object[]): unknown {
  if (typeof value === 'string') return scrub(value);
  if (value === null || typeof value !== 'object') return value;
  return scrubbedObject(value, scrub, within);
}
