import { CursorSeal } from '../../cache/cursorSeal.ts';
import { BadUserInputError } from '../../errors.ts';
import type { Keyed, StreamPosition } from './merge.ts';

/** What a `listJobs` cursor carries. */
export interface ListCursor {
  /** The edge's place in the merged order. */
  keyset: Keyed;
  /** The digest of the filter the cursor was made for (`ListPlan.digest`). */
  filter: string;
  /** Each newest-first stream's position after the edge, by stream id. */
  positions: Readonly<Record<string, StreamPosition>>;
}

const VERSION = 1;
/** Separates the cursor key from any other use of the same secret. */
const KEY_LABEL = 'jobgraph listJobs cursor v1';

/** The wire form of a cursor's payload (JSON). */
interface Payload {
  v: number;
  /** Keyset: creation time (ms) and global ID. */
  t: number;
  i: string;
  f: string;
  /** Positions: `[token, offset]`, or 0 for `end`. */
  p: Record<string, [string | null, number] | 0>;
}

/**
 * Makes and reads `listJobs` cursors: base64url of an HMAC-SHA256 tag followed by the JSON
 * payload (version, keyset, filter digest, positions). Integrity-protected, not encrypted: a
 * cursor shows only what the page it came from showed (a creation time, a global ID) and an
 * Import/Export Marker, which is a job ID too. `secret` null: a random key per process.
 */
export class CursorCodec {
  readonly #seal: CursorSeal;

  constructor(secret: string | null) {
    this.#seal = new CursorSeal(secret, KEY_LABEL);
  }

  encode(cursor: ListCursor): string {
    const payload: Payload = {
      v: VERSION,
      t: cursor.keyset.createdMs,
      i: cursor.keyset.id,
      f: cursor.filter,
      p: Object.fromEntries(
        Object.entries(cursor.positions).map(([id, pos]) => [
          id,
          pos === 'end' ? 0 : [pos.token, pos.offset],
        ]),
      ),
    };
    return this.#seal.seal(Buffer.from(JSON.stringify(payload), 'utf8'));
  }

  /** The cursor `value` carries; BadUserInputError naming `after` unless this jobgraph made it (with this secret). */
  decode(value: string): ListCursor {
    const refuse = (): never => {
      throw new BadUserInputError(
        'Argument "after" is not a cursor of this listJobs; list again without `after`.',
        { argument: 'after' },
      );
    };
    const body = this.#seal.open(value);
    if (body === null) return refuse();
    let payload: unknown;
    try {
      payload = JSON.parse(body.toString('utf8'));
    } catch {
      return refuse();
    }
    const cursor = readPayload(payload);
    return cursor ?? refuse();
  }
}

/** A verified payload as a cursor, or null when its shape is not this version's. */
function readPayload(value: unknown): ListCursor | null {
  if (value === null || typeof value !== 'object') return null;
  const p = value as Partial<Payload>;
  if (p.v !== VERSION || !Number.isSafeInteger(p.t) || typeof p.i !== 'string') return null;
  if (typeof p.f !== 'string' || p.p === null || typeof p.p !== 'object') return null;
  const positions = Object.create(null) as Record<string, StreamPosition>;
  for (const [id, pos] of Object.entries(p.p)) {
    if (pos === 0) positions[id] = 'end';
    else if (
      Array.isArray(pos) &&
      pos.length === 2 &&
      (pos[0] === null || typeof pos[0] === 'string') &&
      Number.isSafeInteger(pos[1]) &&
      pos[1] >= 0
    )
      positions[id] = { token: pos[0], offset: pos[1] };
    else return null;
  }
  return { keyset: { createdMs: p.t as number, id: p.i }, filter: p.f, positions };
}
