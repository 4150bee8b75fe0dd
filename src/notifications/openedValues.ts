/**
 * A rule's target URL and signing secrets as the outbox opened them (secretBox.ts), kept in this
 * process's memory so that each attempt of a rule's deliveries does not decipher them again. A
 * value is served only for the very sealed text it was opened from, which the attempt has just
 * read from the rule's row: an update of the target or a rotation of the secret stores new sealed
 * text (a fresh IV each seal, here or on another replica), so the next attempt opens the new
 * value. The service drops a rule's values at each of its changes (`forget`) and the outbox when
 * it finds the rule deleted. Never logged, never written anywhere; at most `maxRules` rules kept.
 */
import type { KeyObject } from 'node:crypto';
import { LRUCache } from 'lru-cache';
import type { SealedField, SecretBox } from './secretBox.ts';
import { signingKeyObject } from './signature.ts';

/** Rules whose opened values are kept at most (the least recently used out first). */
const MAX_OPENED_RULES = 10_000;

export class OpenedValues {
  readonly #box: SecretBox;
  /** Rule ID → field → the sealed text and its value (and, once asked, its HMAC key). */
  readonly #kept: LRUCache<string, Map<SealedField, Kept>>;
  /** HMAC keys made from opened signing secrets (each once per sealed text kept). */
  keysMade = 0;

  constructor(box: SecretBox, maxRules = MAX_OPENED_RULES) {
    this.#box = box;
    this.#kept = new LRUCache({ max: maxRules });
  }

  /** The value sealed as `sealed` for (`ruleId`, `field`): kept, or opened now (throws as SecretBox.open does). */
  open(ruleId: string, field: SealedField, sealed: string): string {
    return this.#entry(ruleId, field, sealed).value;
  }

  /**
   * The HMAC key of the signing secret sealed as `sealed` (signature.ts `signingKeyObject`), made
   * once and kept with its value: an attempt signs without decoding and importing the secret.
   */
  signingKey(ruleId: string, field: SealedField, sealed: string): KeyObject {
    const kept = this.#entry(ruleId, field, sealed);
    if (kept.key === undefined) {
      kept.key = signingKeyObject(kept.value);
      this.keysMade += 1;
    }
    return kept.key;
  }

  #entry(ruleId: string, field: SealedField, sealed: string): Kept {
    let fields = this.#kept.get(ruleId);
    const kept = fields?.get(field);
    if (kept && kept.sealed === sealed) return kept;
    const fresh: Kept = { sealed, value: this.#box.open(ruleId, field, sealed) };
    if (!fields) this.#kept.set(ruleId, (fields = new Map<SealedField, Kept>()));
    fields.set(field, fresh);
    return fresh;
  }

  /** Drop rule `ruleId`'s values (it changed or is gone). */
  forget(ruleId: string): void {
    this.#kept.delete(ruleId);
  }

  /** Rules whose values are kept. */
  get size(): number {
    return this.#kept.size;
  }
}

/** What is kept of one sealed field: its sealed text, its value, and its HMAC key once made. */
interface Kept {
  sealed: string;
  value: string;
  key?: KeyObject;
}
