import { describe, expect, it } from 'vitest';
import { restartArgs, SEMI_SPACE_FLAG, SEMI_SPACE_MB } from '../src/youngGeneration.ts';

const view = {
  execPath: '/usr/bin/node',
  execArgv: ['--enable-source-maps'],
  argv: ['/usr/bin/node', '/app/bin/jobgraph.mjs', 'demo'],
  nodeOptions: undefined,
};

describe('The young-generation cap', () => {
  it('restarts the same command with the flag first and every other Node flag kept', () => {
    expect(restartArgs(view)).toEqual(['/usr/bin/node', `${SEMI_SPACE_FLAG}=${SEMI_SPACE_MB}`, '--enable-source-maps', '/app/bin/jobgraph.mjs', 'demo']);
  });

  it.each([
    ['on the node command line', { execArgv: ['--max-semi-space-size=64'] }],
    ['on the command line, value apart', { execArgv: ['--max-semi-space-size', '64'] }],
    ['in NODE_OPTIONS', { nodeOptions: '--enable-source-maps  --max-semi-space-size=0' }],
    ['in NODE_OPTIONS, spelt with underscores', { nodeOptions: '--max_semi_space_size=32' }],
  ])('keeps an operator’s own value %s (no restart)', (_where, change) => {
    expect(restartArgs({ ...view, ...change })).toBeUndefined();
  });

  it('does not mistake a look-alike flag for it', () => {
    expect(restartArgs({ ...view, execArgv: ['--max-semi-space-size-x=1'], nodeOptions: '--min-semi-space-size=4' })).toContain(
      `${SEMI_SPACE_FLAG}=${SEMI_SPACE_MB}`,
    );
  });
});
