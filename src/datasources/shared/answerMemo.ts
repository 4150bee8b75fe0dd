import type { HttpResult } from './http.ts';

/**
 * The last answer of one call that is made again and again (a watched job's describe, a watched
 * source's list page), kept by whoever repeats it: the bytes of the body (its part that says the
 * value) and what they parsed to. A later answer with the same bytes is the same answer: its value
 * is the last one, with no parse. A polled job's answer rarely changes (COS Batch's DescribeJob
 * body is byte-identical between polls; Import/Export's differs only in its request ID), so an
 * unchanged poll costs the call and a comparison of its body as read with the kept bytes (a length
 * check and a memcmp, about a thirtieth of a SHA-256 of the same bytes), not a decode, a parse and
 * a record. The price is the bytes themselves: one answer's value part per memo, a copy of its own
 * (never a view that would hold a socket read's whole buffer), in place of a 44-byte digest.
 */
export class AnswerMemo {
  /** The body's part that says the value (Operation.sameAnswer's parts, joined) last parsed; none yet. */
  bytes: Buffer | undefined = undefined;
  value: unknown = undefined;
}

/**
 * The answer's value read by `parse`, unless the bytes of its body (of the parts `sameAnswer`
 * gives, the whole body by default) are `memo`'s: then `memo`'s value, the very object the last
 * parse gave, and the body is never decoded to a string (`answer.bytes`, as the exchange read
 * them; an answer without bytes is compared as UTF-8). A body that does not parse leaves the memo
 * as it was.
 */
export function parseUnlessSame<O>(
  memo: AnswerMemo,
  answer: HttpResult,
  sameAnswer: ((body: Buffer) => readonly Buffer[]) | undefined,
  parse: () => O,
): O {
  const bytes = answerBytes(answer);
  const parts = sameAnswer ? sameAnswer(bytes) : bytes;
  if (sameBytes(memo.bytes, parts)) return memo.value as O;
  const value = parse();
  memo.bytes = keptBytes(parts);
  memo.value = value;
  return value;
}

/** The answer's body as bytes: as the exchange read them, else its text as UTF-8. */
export function answerBytes(answer: HttpResult): Buffer {
  return answer.bytes ?? Buffer.from(answer.body, 'utf8');
}

/** Whether `parts`, one after the other, are the bytes `kept` (a memo's; undefined: none yet). */
export function sameBytes(kept: Buffer | undefined, parts: Buffer | readonly Buffer[]): boolean {
  if (kept === undefined) return false;
  if (Buffer.isBuffer(parts)) return kept.equals(parts);
  let length = 0;
  for (const part of parts) length += part.length;
  if (length !== kept.length) return false;
  let at = 0;
  for (const part of parts) {
    if (kept.compare(part, 0, part.length, at, at + part.length) !== 0) return false;
    at += part.length;
  }
  return true;
}

/**
 * The bytes a memo keeps of `parts`: a copy, joined, in memory of its own (allocUnsafeSlow, not
 * Buffer's shared 8 KB pool). An answer's bytes (or an element of them) are a view of a larger
 * buffer — the socket read's, a batch describe's whole body — which a kept view would hold for as
 * long as the memo lives.
 */
export function keptBytes(parts: Buffer | readonly Buffer[]): Buffer {
  const list = Buffer.isBuffer(parts) ? [parts] : parts;
  let length = 0;
  for (const part of list) length += part.length;
  const kept = Buffer.allocUnsafeSlow(length);
  let at = 0;
  for (const part of list) at += part.copy(kept, at);
  return kept;
}
