import { createHash, hash } from 'node:crypto';
import type { HttpResult } from './http.ts';

/**
 * The last answer of one call that is made again and again (a watched job's describe, a watched
 * source's list page), kept by whoever repeats it: a digest of the body and what it parsed to.
 * A later answer with the same digest is the same answer: its value is the last one, with no parse.
 * A polled job's answer rarely changes (COS Batch's DescribeJob body is byte-identical between
 * polls; Import/Export's differs only in its request ID), so an unchanged poll costs the call and
 * a hash of its body as read, not a decode, a parse and a record.
 */
export class AnswerMemo {
  /** SHA-256 of the body's part that says the value (Operation.sameAnswer), base64; none yet. */
  digest: string | undefined = undefined;
  value: unknown = undefined;
}

/**
 * The answer's value read by `parse`, unless the digest of its body's bytes (of the parts
 * `sameAnswer` gives, the whole body by default) is `memo`'s: then `memo`'s value, the very object
 * the last parse gave, and the body is never decoded to a string (`answer.bytes`, as the exchange
 * read them; an answer without bytes is hashed as UTF-8). A body that does not parse leaves the
 * memo as it was.
 */
export function parseUnlessSame<O>(
  memo: AnswerMemo,
  answer: HttpResult,
  sameAnswer: ((body: Buffer) => readonly Buffer[]) | undefined,
  parse: () => O,
): O {
  const bytes = answerBytes(answer);
  const digest = answerDigest(sameAnswer ? sameAnswer(bytes) : bytes);
  if (memo.digest === digest) return memo.value as O;
  const value = parse();
  memo.digest = digest;
  memo.value = value;
  return value;
}

/** The answer's body as bytes: as the exchange read them, else its text as UTF-8. */
export function answerBytes(answer: HttpResult): Buffer {
  return answer.bytes ?? Buffer.from(answer.body, 'utf8');
}

/**
 * A memo's digest of an answer's bytes, or of its `parts` one after the other (the same as of their
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
