import { afterAll, beforeAll } from 'vitest';
import { startTestGateway, type TestGateway } from './gateway.ts';

/**
 * The demo gateway of a test file or `describe` block (`startTestGateway(env, options)`): started
 * before its first test, closed after its last. The handle it returns reads through to the
 * gateway once it has started, so a file says `const gw = useTestGateway()` where it said a `let`,
 * a `beforeAll` that starts the gateway and an `afterAll` that closes it. `env` may be a function,
 * read when the gateway starts (for a value another `beforeAll` makes first).
 */
export function useTestGateway(
  env: Record<string, string> | (() => Record<string, string>) = {},
  options: Parameters<typeof startTestGateway>[1] = {},
): TestGateway {
  let started: TestGateway | undefined;
  beforeAll(async () => {
    started = await startTestGateway(typeof env === 'function' ? env() : env, options);
  });
  afterAll(async () => {
    await started?.close();
  });
  const gateway = (): TestGateway => {
    if (!started) throw new Error('the test gateway is used before its beforeAll has started it');
    return started;
  };
  return new Proxy({} as TestGateway, {
    get: (_target, key) => Reflect.get(gateway(), key) as unknown,
    has: (_target, key) => Reflect.has(gateway(), key),
  });
}
