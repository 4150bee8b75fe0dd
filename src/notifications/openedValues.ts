/**
 * A rule's target URL and signing secrets as the outbox opened them (secretBox.ts), kept in this
 * process's memory so that each attempt of a rule's deliveries does not decipher them again. A
 * value is served only for the very sealed text it was opened from, which the attempt has just
 * read from the rule's row: an update of the target or a rotation of the secret stores new sealed
 * text (a fresh IV each seal, here or on another replica), so the next attempt opens the new
 * value. The service drops a rule's values at each of its changes (`forget`) and the outbox when
 * it finds the rule deleted. Never logged, never written anywhere; at most `maxRules` rules kept.
 */
import type { SealedField, SecretBox } from './secretBox.ts';

/** Rules whose opened values are kept at most (the oldest opened out first). */
export const MAX_OPENED_RULES = 10_000;

export class OpenedValues {
  readonly #box: SecretBox;
  readonly #maxRules: number;
  /** Rule ID → field → the sealed text and its value. */
  readonly #kept = new Map<string, Map<SealedField, { sealed: string; value: string }>>();

  constructor(box: SecretBox, maxRules = MAX_OPENED_RULES) {
    this.#box = box;
    this.#maxRules = maxRules;
  }

  /** The value sealed as `sealed` for (`ruleId`, `field`): kept, or opened now (throws as SecretBox.open does). */
  open(ruleId: string, field: SealedField, sealed: string): string {
    let fields = this.#kept.get(ruleId);
    const kept = fields?.get(field);
    if (kept && kept.sealed === sealed) return kept.value;
    const value = this.#box.open(ruleId, field, sealed);
    if (!fields) {
      if (this.#kept.size >= this.#maxRules) this.#kept.delete(this.#kept.keys().next().value!);
      this.#kept.set(ruleId, (fields = new Map<SealedField, { sealed: string; value: string }>()));
    }
    fields.set(field, { sealed, value });
    return value;
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
