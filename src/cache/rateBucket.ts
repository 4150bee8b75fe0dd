// The rate budget's store (src/datasources/guard/rateBudget.ts) is declared here, beside its
// Redis implementation, so that the cache imports nothing from the datasources above it.

/**
 * Where calls' turns are counted: per process (`localRateBucket`, src/datasources/guard/) or for
 * every replica at once (`redisRateBucket`, redisRateBucket.ts). One key per provider and region.
 */
export interface RateBucket {
  /**
   * Take one call's turn of `key`, whose calls go one every `intervalMs`: 0 when taken, else the ms
   * until a turn may be free (ask again then; another process may take it first).
   */
  take(key: string, intervalMs: number): number | Promise<number>;
}
