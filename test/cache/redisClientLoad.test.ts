import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/**
 * The Redis client is loaded only where Redis is configured (src/cache/redisConnection.ts): beside
 * its size, @redis/client defines `class VerbatimString extends String`, after which V8 holds
 * String.prototype's properties in dictionary mode and every string method call in the process —
 * fast-xml-parser's parse is made of them — runs ≈ 1.15× longer (docs/performance.md, "the XML
 * parse in place"). Each case runs in a fresh Node, as a gateway process starts.
 */
function afterImporting(modules: readonly string[]): {
  redisClient: boolean;
  fastStrings: boolean;
} {
  const code = [
    `for (const m of ${JSON.stringify(modules)}) await import(m);`,
    "const { createRequire } = await import('node:module');",
    'const loaded = Object.keys(createRequire(import.meta.url).cache);',
    "const redisClient = loaded.some((path) => path.includes('/@redis/client/'));",
    // V8's own answer, the one this guards: are String.prototype's properties fast?
    'const fastStrings = %HasFastProperties(String.prototype);',
    'process.stdout.write(JSON.stringify({ redisClient, fastStrings }));',
  ].join('\n');
  const run = spawnSync(
    process.execPath,
    ['--allow-natives-syntax', '--import', 'tsx', '--input-type=module', '-e', code],
    { encoding: 'utf8', cwd: process.cwd() },
  );
  expect(run.status, run.stderr).toBe(0);
  return JSON.parse(run.stdout) as { redisClient: boolean; fastStrings: boolean };
}

describe('The Redis client, loaded only with Redis', () => {
  it('is not loaded by the gateway without Redis, and String.prototype keeps fast properties', () => {
    expect(afterImporting(['./src/app.ts'])).toEqual({
      redisClient: false,
      fastStrings: true,
    });
  });

  it('is what turns String.prototype slow when it is loaded (the case above can fail)', () => {
    expect(afterImporting(['./src/cache/redisConnection.ts'])).toEqual({
      redisClient: true,
      fastStrings: false,
    });
  });
});
