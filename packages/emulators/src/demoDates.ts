/**
 * The demo's fixed describe jobs are written with the dates of their provider's documentation
 * examples (Import/Export's 2016, Omics' and Panorama's 2024, COS Batch's March 2026; HealthOmics'
 * runs and run batches November 2026, omicsDemoRunsAt), each table
 * against a reference instant of its own just after its newest job. The emulators serve them
 * moved to their start (`anchorMs`, whole seconds): a job is as old when the demo starts as it was at its table's
 * reference, so the order and every duration stay as written, and retention and
 * `jobgraph history prune` keep them (issue 89).
 */

/** `ms` moved from a table dated at `referenceMs` to an emulator started at `anchorMs`. */
export function demoMover(referenceMs: number, anchorMs: number): (ms: number) => number {
  const delta = Math.floor(anchorMs / 1000) * 1000 - referenceMs;
  return (ms) => ms + delta;
}

/** An ISO-8601 time moved as `demoMover` does, written back in the input's own precision. */
export function demoIsoMover(referenceMs: number, anchorMs: number): (iso: string) => string {
  const move = demoMover(referenceMs, anchorMs);
  return (iso) => {
    const moved = new Date(move(Date.parse(iso))).toISOString();
    // `…:35Z` stays to the second, `…:35.123Z` keeps its milliseconds.
    return /\.\d+Z$/.test(iso) ? moved : `${moved.slice(0, 19)}Z`;
  };
}
