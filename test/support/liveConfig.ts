import { loadConfig } from '../../src/config/index.ts';

/** The configuration live mode reads from `env` (nothing else in the environment). */
export const liveConfig = (env: Parameters<typeof loadConfig>[1] = {}) =>
  loadConfig({ mode: 'live' }, env);
