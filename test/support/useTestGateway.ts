import { startTestGateway, type TestGateway } from './gateway.ts';
import { useStarted } from './useStarted.ts';

/**
 * The demo gateway of a test file or `describe` block (`startTestGateway(env, options)`), started
 * before its first test and closed after its last (see `useStarted`). `env` may be a function,
 * read when the gateway starts (for a value another `beforeAll` makes first).
 */
export function useTestGateway(
  env: Record<string, string> | (() => Record<string, string>) = {},
  options: Parameters<typeof startTestGateway>[1] = {},
): TestGateway {
  return useStarted(
    'the test gateway',
    () => startTestGateway(typeof env === 'function' ? env() : env, options),
    (gateway) => gateway.close(),
  );
}
