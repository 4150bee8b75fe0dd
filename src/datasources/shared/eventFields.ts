/**
 * A field of an event's `detail` longer than its provider ever sends: the event is no provider's,
 * rejected as `an over-long field` (envelope.ts). Its message names no field and quotes nothing.
 */
export class OverlongField extends Error {
  constructor() {
    super('an over-long field');
    this.name = 'OverlongField';
  }
}

/**
 * Throws OverlongField when a string at one of `bounds`' paths in `detail` is longer than its
 * bound, in characters. A path is dot-separated keys; `[]` after a key means each element of the
 * array there (`attempts[].container.reason`). A field absent, or not a string, is left to the
 * provider's parser.
 */
export function boundFields(
  detail: Record<string, unknown>,
  bounds: Readonly<Record<string, number>>,
): void {
  for (const [path, max] of Object.entries(bounds))
    for (const value of at(detail, path.split('.')))
      if (typeof value === 'string' && value.length > max) throw new OverlongField();
}

/** The values at `steps` below `value`. */
function at(value: unknown, steps: readonly string[]): unknown[] {
  if (steps.length === 0) return [value];
  if (value === null || typeof value !== 'object' || Array.isArray(value)) return [];
  const [step, ...rest] = steps as [string, ...string[]];
  const each = step.endsWith('[]');
  const key = each ? step.slice(0, -2) : step;
  if (!Object.hasOwn(value, key)) return [];
  const next = (value as Record<string, unknown>)[key];
  if (!each) return at(next, rest);
  return Array.isArray(next) ? next.flatMap((item) => at(item, rest)) : [];
}
