/**
 * listJobs' order, as the tests hold a page to it: newest `createdAt` first, ties by global ID
 * ascending (docs/listing.md). An independent statement of the order, not the merge's own code.
 */
export const newestFirst = (
  a: { createdAt: string; id: string },
  b: { createdAt: string; id: string },
): number =>
  a.createdAt !== b.createdAt ? (a.createdAt < b.createdAt ? 1 : -1) : a.id < b.id ? -1 : 1;
