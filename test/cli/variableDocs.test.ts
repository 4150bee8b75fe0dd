import { describe, expect, it } from 'vitest';
import {
  JOBGRAPH_VARIABLES,
  SETTING_VARIABLES,
  VARIABLE_DOCS,
  loadConfig,
} from '../../src/config/index.ts';

/** Every variable name `loadConfig` asks the environment for (in live and demo mode, traces off and on). */
function namesRead(): Set<string> {
  const read = new Set<string>();
  const envOf = (set: Record<string, string>) =>
    new Proxy(
      {},
      {
        get: (_t, name) => {
          if (typeof name !== 'string') return undefined;
          read.add(name);
          return set[name];
        },
      },
    );
  loadConfig({ mode: 'live' }, envOf({}));
  loadConfig({ mode: 'demo' }, envOf({}));
  loadConfig({ mode: 'live' }, envOf({ OTEL_TRACES_EXPORTER: 'console' }));
  return read;
}

describe("The configuration variables' descriptions (what jobgraph --help prints)", () => {
  const documented = VARIABLE_DOCS.map((v) => v.name);

  it('describe every variable the configuration reads, and every known JOBGRAPH_* name, once each', () => {
    const read = namesRead();
    expect(read.size).toBeGreaterThan(60);
    for (const name of read) expect(documented, name).toContain(name);
    for (const name of JOBGRAPH_VARIABLES) expect(documented, name).toContain(name);
    expect(new Set(documented).size).toBe(documented.length);
    // And nothing the configuration does not read, but the AWS credential chain's own variables
    // and the ones named after an account alias (read in the accounts' own test).
    const chainOnly = ['AWS_ACCESS_KEY_ID', 'AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN'];
    expect(documented.filter((n) => !read.has(n) && !n.includes('<'))).toEqual(chainOnly);
  });

  it('give each limit, resilience, cache and subscription setting the default loadConfig applies', () => {
    const defaults = loadConfig({ mode: 'live' }, {}) as unknown as Record<
      string,
      Record<string, unknown>
    >;
    for (const [path, name] of Object.entries(SETTING_VARIABLES)) {
      const [group, key] = path.split('.') as [string, string];
      expect(VARIABLE_DOCS.find((v) => v.name === name)?.default, name).toBe(
        String(defaults[group]?.[key]),
      );
    }
  });

  it('keep each description to one line', () => {
    for (const v of VARIABLE_DOCS) {
      expect(`${v.group}${v.default}${v.meaning}`, v.name).not.toMatch(/\n/);
      expect(v.meaning.length, v.name).toBeLessThanOrEqual(100);
    }
  });
});
