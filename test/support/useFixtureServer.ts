import { afterAll, afterEach, beforeAll } from 'vitest';
import { startFixtureServer, type FixtureServer } from './fixtures.ts';

/**
 * The fixture server of a test file or `describe` block: started before its first test, its
 * request log cleared after each, closed after its last. The handle reads through to the server
 * once it has started.
 */
export function useFixtureServer(): FixtureServer {
  let started: FixtureServer | undefined;
  beforeAll(async () => {
    started = await startFixtureServer();
  });
  afterEach(() => {
    if (started) started.requests.length = 0;
  });
  afterAll(async () => {
    await started?.close();
  });
  const server = (): FixtureServer => {
    if (!started) throw new Error('the fixture server is used before its beforeAll has started it');
    return started;
  };
  return new Proxy({} as FixtureServer, {
    get: (_target, key) => Reflect.get(server(), key) as unknown,
    has: (_target, key) => Reflect.has(server(), key),
  });
}
