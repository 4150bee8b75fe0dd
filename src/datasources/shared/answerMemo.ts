import { createHash, hash } from 'node:crypto';
import type { HttpResult } from './http.ts';

/**
 * The longest answer a memo keeps as bytes; a longer one is kept as its SHA-256 digest (base64, 44
 * characters). A memo lives as long as its watch, one per watched job, so what it keeps is paid
 * once per watched job (docs/performance.md, "Memory a watched job"): a describe answer's few KB
 * as bytes, against a digest's few dozen bytes. Comparing a digest costs a hash of the answer as
 * read, more than a comparison of bytes but still far less than the decode, parse and record it
 * spares; only an answer shorter than a digest is kept as it is.
 */
export const MEMO_BYTES_MAX = 64;

/**
 * What a memo keeps of an answer: the bytes of its value part (Operation.sameAnswer's parts,
 * joined), a copy of its own, when they are at most MEMO_BYTES_MAX long, else their SHA-256
 * digest (base64). Never a view of the answer: that would hold the socket read's whole buffer, or
 * a batch describe's whole body, for as long as the memo lives.
 */
export type SeenAnswer = Buffer | string;

/**
 * The last answer of one call that is made again and again (a watched job's describe, a watched
 * source's list page), kept by whoever repeats it: what its body was (SeenAnswer) and what it
 * parsed to. A later answer the same as that one is the same answer: its value is the last one,
 * with no parse. A polled job's answer rarely changes (COS Batch's DescribeJob body is
 * byte-identical between polls; Import/Export's differs only in its request ID), so an unchanged
 * poll costs the call and a comparison of its body as read, not a decode, a parse and a record.
 */
export class AnswerMemo {
  /** The last parsed answer's value part, as kept (SeenAnswer); none yet. */
  seen: SeenAnswer | undefined = undefined;
  value: unknown = undefined;
}

/**
 * The answer's value read by `parse`, unless its body (the parts `sameAnswer` gives, the whole
 * body by default) is what `memo` saw last: then `memo`'s value, the very object the last parse
 * gave, and the body is never decoded to a string (`answer.bytes`, as the exchange read them; an
 * answer without bytes is compared as UTF-8). A body that does not parse leaves the memo as it was.
 */
export function parseUnlessSame<O>(
  memo: AnswerMemo,
  answer: HttpResult,
  sameAnswer: ((body: Buffer) => readonly Buffer[]) | undefined,
  parse: () => O,
): O {
  const bytes = answerBytes(answer);
  const parts = sameAnswer ? sameAnswer(bytes) : bytes;
  if (sameAsSeen(memo.seen, parts)) return memo.value as O;
  const value = parse();
  memo.seen = seenAnswer(parts);
  memo.value = value;
  return value;
}

/** The answer's body as bytes: as the exchange read them, else its text as UTF-8. */
export function answerBytes(answer: HttpResult): Buffer {
  return answer.bytes ?? Buffer.from(answer.body, 'utf8');
}

/** What a memo keeps of `parts`, one after the other (SeenAnswer). */
export function seenAnswer(parts: Buffer | readonly Buffer[]): SeenAnswer {
  const list = Buffer.isBuffer(parts) ? [parts] : parts;
  const length = lengthOf(list);
  if (length > MEMO_BYTES_MAX) return answerDigest(list);
  // Memory of its own (allocUnsafeSlow), not a slice of Buffer's shared 8 KB pool.
  const kept = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const part of list) at += part.copy(kept, at);
  return kept;
}

/** Whether `parts`, one after the other, are the answer `seen` keeps (undefined: none yet). */
export function sameAsSeen(
  seen: SeenAnswer | undefined,
  parts: Buffer | readonly Buffer[],
): boolean {
  if (seen === undefined) return false;
  const list = Buffer.isBuffer(parts) ? [parts] : parts;
  const length = lengthOf(list);
  // Each length is kept one way: bytes up to MEMO_BYTES_MAX, a digest beyond.
  if (typeof seen === 'string') return length > MEMO_BYTES_MAX && answerDigest(list) === seen;
  if (length !== seen.length) return false;
  let at = 0;
  for (const part of list) {
    if (seen.compare(part, 0, part.length, at, at + part.length) !== 0) return false;
    at += part.length;
  }
  return true;
}

function lengthOf(parts: readonly Buffer[]): number {
  let length = 0;
  for (const part of parts) length += part.length;
  return length;
}

/**
 * The digest of an answer's bytes, or of its `parts` one after the other (the same as of their
 * concatenation): SHA-256, base64. Not a secret's digest: a fingerprint of an answer kept in
 * memory, never sent or stored.
 */
export function answerDigest(parts: Buffer | readonly Buffer[]): string {
  if (Buffer.isBuffer(parts)) return hash('sha256', parts, 'base64');
  if (parts.length === 1) return hash('sha256', parts[0] as Buffer, 'base64');
  const h = createHash('sha256');
  for (const part of parts) h.update(part);
  return h.digest('base64');
}

/**
 * The memos of a batch describe's jobs (AWS Batch's DescribeJobs), found by an element of the
 * body that is what one of them saw last: among those of its length (compared), or by its digest
 * when it is longer than MEMO_BYTES_MAX.
 */
export class SeenAnswers<T> {
  readonly #byLength = new Map<number, { seen: Buffer; item: T }[]>();
  readonly #byDigest = new Map<string, T>();

  add(seen: SeenAnswer | undefined, item: T): void {
    if (seen === undefined) return;
    if (typeof seen === 'string') {
      this.#byDigest.set(seen, item);
      return;
    }
    const same = this.#byLength.get(seen.length);
    if (same) same.push({ seen, item });
    else this.#byLength.set(seen.length, [{ seen, item }]);
  }

  /** The item whose memo saw `element` last, if any. */
  find(element: Buffer): T | undefined {
    if (element.length > MEMO_BYTES_MAX) return this.#byDigest.get(answerDigest(element));
    return this.#byLength.get(element.length)?.find((m) => m.seen.equals(element))?.item;
  }
}
