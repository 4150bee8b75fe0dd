import { hash } from 'node:crypto';

/**
 * The last answer of one call that is made again and again (a watched job's describe, a watched
 * source's list page), kept by whoever repeats it: a digest of the body and what it parsed to.
 * A later answer with the same digest is the same answer: its value is the last one, with no parse.
 * A polled job's answer rarely changes (COS Batch's DescribeJob body is byte-identical between
 * polls; Import/Export's differs only in its request ID), so an unchanged poll costs the call and
 * a hash of its body, not a parse and a record.
 */
export class AnswerMemo {
  /** SHA-256 of the body's part that says the value (Operation.sameAnswer), base64; none yet. */
  digest: string | undefined = undefined;
  value: unknown = undefined;
}

/**
 * `body` read by `parse`, unless its digest (of `sameAnswer(body)`, the body itself by default) is
 * `memo`'s: then `memo`'s value, the very object the last parse gave. A body that does not parse
 * leaves the memo as it was.
 */
export function parseUnlessSame<O>(
  memo: AnswerMemo,
  body: string,
  sameAnswer: ((body: string) => string) | undefined,
  parse: () => O,
): O {
  // Not a secret's digest: a fingerprint of an answer kept in memory, never sent or stored.
  const digest = hash('sha256', sameAnswer ? sameAnswer(body) : body, 'base64');
  if (memo.digest === digest) return memo.value as O;
  const value = parse();
  memo.digest = digest;
  memo.value = value;
  return value;
}
