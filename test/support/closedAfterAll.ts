import { afterAll } from 'vitest';

/**
 * A list of what a test file or `describe` block opens (stores, clients, presences): each closed,
 * in the order opened, after the block's last test (before what the block used earlier, such as
 * its redis-server, stops: after hooks run as a stack).
 */
export function closedAfterAll<T extends { close(): unknown }>(): T[] {
  const opened: T[] = [];
  afterAll(async () => {
    for (const o of opened.splice(0)) await o.close();
  });
  return opened;
}
