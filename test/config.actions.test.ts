import { describe, expect, it } from 'vitest';
import { loadConfig } from '../src/config/index.ts';

/** JOBGRAPH_ACTIONS: which actions on jobs the mutations may take (issue #73). */
describe('JOBGRAPH_ACTIONS', () => {
  const actions = (mode: 'demo' | 'live', env: Record<string, string>) =>
    [...loadConfig({ mode }, { JOBGRAPH_JWT_SECRET: 'x'.repeat(40), ...env }).actions].sort();

  it('is none in live mode and all three in the demo when unset', () => {
    expect(actions('live', {})).toEqual([]);
    expect(actions('demo', {})).toEqual(['cancel', 'rerun', 'terminate']);
  });

  it('names actions comma-separated, in any case; empty is none in either mode', () => {
    expect(actions('live', { JOBGRAPH_ACTIONS: 'cancel' })).toEqual(['cancel']);
    expect(actions('live', { JOBGRAPH_ACTIONS: ' Terminate , cancel ' })).toEqual([
      'cancel',
      'terminate',
    ]);
    expect(actions('live', { JOBGRAPH_ACTIONS: 'rerun' })).toEqual(['rerun']);
    expect(actions('demo', { JOBGRAPH_ACTIONS: '' })).toEqual([]);
  });

  it('refuses an action it does not know, naming the variable and the known ones', () => {
    expect(() => actions('live', { JOBGRAPH_ACTIONS: 'cancel,delete' })).toThrow(
      /JOBGRAPH_ACTIONS.*cancel, terminate, rerun/,
    );
  });
});
