import { formatStartupSummary } from '../../src/cli/startupSummary.ts';
import { loadConfig } from '../../src/config/index.ts';

/** The start-up summary's lines for live mode under `env`, with no AWS credentials, no JWKS and no warnings. */
export const liveStartupSummary = (env: Record<string, string>): string[] =>
  formatStartupSummary({
    config: loadConfig({ mode: 'live' }, env),
    aws: { state: 'none' },
    jwksFetched: false,
    warnings: [],
  });
