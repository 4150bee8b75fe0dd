import { afterEach } from 'vitest';
import { startFixtureServer, type FixtureServer } from './fixtures.ts';
import { useStarted } from './useStarted.ts';

/**
 * The fixture server of a test file or `describe` block (see `useStarted`), its request log
 * cleared after each test.
 */
export function useFixtureServer(): FixtureServer {
  const server = useStarted('the fixture server', startFixtureServer, (started) => started.close());
  afterEach(() => {
    server.requests.length = 0;
  });
  return server;
}
