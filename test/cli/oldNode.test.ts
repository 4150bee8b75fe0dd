// jobgraph on a Node older than the history store needs (issue #89, item 7): bin/jobgraph.mjs
// refuses in one line naming the Node it needs and the one it found, before loading anything,
// where it used to start and then die at the first history read ("No such built-in module:
// node:sqlite"). Run with the machine's own Node when it is older than 22.13 (Debian's, here and
// in CI, is 20): the project's scripts run on the `node` devDependency's 24.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import pkg from '../../package.json' with { type: 'json' };

const BIN = fileURLToPath(new URL('../../bin/jobgraph.mjs', import.meta.url));

/** A Node of the machine's own (outside node_modules/.bin) and its version, or null. */
function systemNode(): { path: string; version: string } | null {
  for (const path of ['/usr/bin/node', '/usr/local/bin/node']) {
    if (!existsSync(path)) continue;
    const r = spawnSync(path, ['--version'], { encoding: 'utf8' });
    if (r.status === 0) return { path, version: r.stdout.trim().replace(/^v/, '') };
  }
  return null;
}

const older = (version: string) => {
  const [major = 0, minor = 0] = version.split('.').map(Number);
  return major < 22 || (major === 22 && minor < 13);
};
const node = systemNode();

describe('jobgraph on an older Node', () => {
  it('names the Node the history store needs in package.json', () => {
    expect(pkg.engines.node).toBe('>=22.13');
  });

  it.skipIf(node === null || !older(node.version))(
    'refuses in one line naming the Node it needs and the one it found, and exits 1',
    () => {
      const r = spawnSync(node!.path, [BIN, '--version'], { encoding: 'utf8', timeout: 30_000 });
      expect(r.status).toBe(1);
      expect(r.stdout).toBe('');
      expect(r.stderr).toBe(
        `jobgraph: needs Node 22.13 or newer (24 LTS is the baseline); this is Node ${node!.version}\n`,
      );
    },
  );
});
