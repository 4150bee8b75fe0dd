import { TEST_CLUSTER_SECRET } from './support/clusterSecret.ts';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig, UPSTREAM_RATE_NAMES } from '../src/config/index.ts';
import { createRateBudget } from '../src/datasources/index.ts';
import { PROVIDERS } from '../src/datasources/registry.ts';
import { liveStartupSummary } from './support/startupSummary.ts';

const VAR = 'JOBGRAPH_UPSTREAM_RATE_LIMITS';
const load = (value: string) => loadConfig({ mode: 'live' }, { [VAR]: value });
const refusal = (value: string): string => {
  try {
    load(value);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as ConfigError).variable).toBe(VAR);
    return (err as Error).message;
  }
  throw new Error(`${value} was accepted`);
};

describe('JOBGRAPH_UPSTREAM_RATE_LIMITS', () => {
  it('is off by default: no provider has a rate budget', () => {
    const config = loadConfig({ mode: 'live' }, {});
    expect(config.resilience.upstreamRateLimits).toEqual({});
    expect(createRateBudget(config)).toBeUndefined();
  });

  it('reads calls per second by the providers’ short names, as global IDs begin', () => {
    expect(
      load('panorama=5, omics=5,codepipeline=10,importexport=0.5,cos=10,').resilience
        .upstreamRateLimits,
    ).toEqual({ panorama: 5, omics: 5, codepipeline: 10, importexport: 0.5, cos: 10 });
  });

  it('takes the names the registry’s providers go by, and no other', () => {
    expect([...UPSTREAM_RATE_NAMES].sort()).toEqual(PROVIDERS.map((p) => p.key.prefix).sort());
  });

  it('gives a budget only to the providers it names', async () => {
    const budget = createRateBudget(load('omics=5'));
    expect(budget?.acquire('AWS_PANORAMA', 'us-east-1', 'a', 1000)).toBeNull();
    await expect(budget?.acquire('AWS_OMICS', 'us-east-1', 'a', 1000)).resolves.toBeUndefined();
  });

  it('is told in the start-up summary, with whether the replicas share it', () => {
    const line = (env: Record<string, string>) =>
      liveStartupSummary(env).find((l) => l.startsWith('  rate budget'));
    expect(line({})).toBe('  rate budget         none (JOBGRAPH_UPSTREAM_RATE_LIMITS unset)');
    expect(line({ [VAR]: 'omics=5,cos=10' })).toBe(
      '  rate budget         omics 5/s, cos 10/s per region (a global service: one) · this process alone (no JOBGRAPH_CACHE_URL)',
    );
    expect(
      line({
        [VAR]: 'omics=5',
        JOBGRAPH_CACHE_URL: 'redis://127.0.0.1:6379',
        JOBGRAPH_CLUSTER_SECRET: TEST_CLUSTER_SECRET,
      }),
    ).toBe(
      '  rate budget         omics 5/s per region (a global service: one) · shared by the replicas through Redis',
    );
  });

  it('stops the start with one line naming the variable for an unknown name, a bad number or a repeated name', () => {
    expect(refusal('omics=5,healthomics=5')).toBe(
      `${VAR}: names an unknown provider "healthomics" (known: panorama, omics, cos, importexport, codepipeline, batch)`,
    );
    expect(refusal('omics=fast')).toMatch(
      /^JOBGRAPH_UPSTREAM_RATE_LIMITS: must be comma-separated provider=calls-per-second pairs/,
    );
    expect(refusal('omics')).toMatch(/^JOBGRAPH_UPSTREAM_RATE_LIMITS: must be comma-separated/);
    expect(refusal('omics=-1')).toMatch(/^JOBGRAPH_UPSTREAM_RATE_LIMITS: must be comma-separated/);
    expect(refusal('omics=0')).toBe(
      `${VAR}: the rate of omics must be above 0 and at most 100000 calls per second`,
    );
    expect(refusal('omics=5,omics=6')).toBe(`${VAR}: names omics twice`);
    for (const bad of ['omics=fast', 'omics=0', 'x=1'])
      expect(refusal(bad).split('\n')).toHaveLength(1);
  });
});
