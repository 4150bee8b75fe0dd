import type { DocumentNode } from 'graphql';
import { LRUCache } from 'lru-cache';

/**
 * Subscription documents that parsed and passed validation, by their text, as Apollo Server's
 * document store keeps them for HTTP: the subscriptions that send the same text share one AST,
 * parsed and validated once. Without it each subscription held its own copy (with graphql-js's
 * tokens and locations) and paid the CPU to make it, which for many watchers of one operation was
 * most of their memory and start (docs/performance.md, the watch moonshot). Validation reads only
 * the schema and the limits, so a store serves one `PrepareOptions`; the job budget, which reads
 * the variables, still runs for every subscription.
 */
export class ValidDocuments {
  private readonly byText: LRUCache<string, DocumentNode>;

  /**
   * @param maxEntries texts kept at most (default 100), the least recently used dropped first
   * @param maxLength longest text kept, in characters (default 4096); a longer one is not kept
   */
  constructor(
    readonly maxEntries = 100,
    readonly maxLength = 4096,
  ) {
    this.byText = new LRUCache({ max: maxEntries });
  }

  get(query: string): DocumentNode | undefined {
    return this.byText.get(query);
  }

  add(query: string, document: DocumentNode): void {
    if (query.length > this.maxLength) return;
    this.byText.set(query, document);
  }

  get size(): number {
    return this.byText.size;
  }
}
