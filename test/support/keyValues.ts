/**
 * `entries` as the key/value list a record carries (tags, object metadata, an action's
 * configuration), in their order (none of the keys here is an integer, which an object would sort first).
 */
export const keyValues = (entries: Record<string, string>) =>
  Object.entries(entries).map(([key, value]) => ({ key, value }));
