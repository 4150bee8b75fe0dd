/**
 * Options for `vi.waitFor` where a test waits for work it started in this process: a bound for a
 * hang, not a speed goal. vi.waitFor's own default gives up after 1 s, which a busy machine can
 * spend starving this fork alone.
 */
export const EVENTUALLY = { timeout: 30_000, interval: 10 } as const;
