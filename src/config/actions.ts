import { ConfigError, type Env } from './env.ts';
import type { Config, JobActionName } from './types.ts';

/** The actions JOBGRAPH_ACTIONS can name, in the order `--help` and errors list them. */
const JOB_ACTION_NAMES: readonly JobActionName[] = ['cancel', 'terminate', 'rerun'];

/**
 * JOBGRAPH_ACTIONS: which actions on jobs the mutations may take (`cancel`, `terminate`, `rerun`,
 * comma-separated). Acting on jobs changes a customer's account, so live mode takes none until
 * they are named; the demo, whose jobs are the emulators', takes all three unless told otherwise. Set
 * and empty: none, in either mode (how a test or a demo turns them off).
 */
export function actionsOf(env: Env, demo: boolean): Config['actions'] {
  const raw = env.JOBGRAPH_ACTIONS;
  if (raw === undefined) return new Set(demo ? JOB_ACTION_NAMES : []);
  const names = raw
    .split(',')
    .map((s) => s.trim().toLowerCase())
    .filter(Boolean);
  for (const name of names)
    if (!(JOB_ACTION_NAMES as readonly string[]).includes(name))
      throw new ConfigError(
        'JOBGRAPH_ACTIONS',
        `must name actions among ${JOB_ACTION_NAMES.join(', ')}, comma-separated (got ${JSON.stringify(name.slice(0, 32))})`,
      );
  return new Set(names as JobActionName[]);
}
