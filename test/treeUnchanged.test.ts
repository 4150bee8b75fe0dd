// The suite's check that the tests write nowhere but temporary folders (test/support/treeUnchanged.ts,
// every project's global setup; issue 106, item 3), on a git repository of its own: what it sees of
// a working tree, ignored files one by one included, and what it leaves out.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { treeState } from './support/treeUnchanged.ts';

const repo = mkdtempSync(join(tmpdir(), 'jobgraph-tree-'));
afterAll(() => rmSync(repo, { recursive: true, force: true }));
const git = (...args: string[]) =>
  execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], {
    cwd: repo,
    stdio: 'pipe',
  });
const write = (path: string, text: string) => {
  mkdirSync(join(repo, path, '..'), { recursive: true });
  writeFileSync(join(repo, path), text);
};

describe('The working-tree check', () => {
  it('sees a file written into an ignored folder, a changed ignored file, an untracked and a changed tracked file; not dist/ or node_modules/', () => {
    git('init', '-q');
    write('.gitignore', 'jobgraph-data/\ndist/\nnode_modules\n');
    write('README.md', 'hello\n');
    git('add', '.');
    git('commit', '-q', '-m', 'init');
    write('jobgraph-data/old.sqlite', 'kept from before');
    const before = treeState(repo)!;
    expect([...before.keys()]).toEqual(['jobgraph-data/old.sqlite']);
    // What the build and npm write is left out.
    write('dist/app.js', 'built');
    write('node_modules/x/index.js', 'installed');
    expect(treeState(repo)).toEqual(before);
    write('jobgraph-data/history.sqlite', 'a test’s history');
    write('jobgraph-data/old.sqlite', 'written again');
    write('notes.txt', 'untracked');
    write('README.md', 'changed\n');
    const after = treeState(repo)!;
    expect([...after.keys()].sort()).toEqual([
      'README.md',
      'jobgraph-data/history.sqlite',
      'jobgraph-data/old.sqlite',
      'notes.txt',
    ]);
    expect(after.get('jobgraph-data/old.sqlite')).not.toBe(before.get('jobgraph-data/old.sqlite'));
    expect(after.get('jobgraph-data/history.sqlite')).toMatch(/^!! \d+ B, modified /);
  });

  it('says it cannot tell outside a git working tree', () => {
    const plain = mkdtempSync(join(tmpdir(), 'jobgraph-not-a-tree-'));
    try {
      expect(treeState(plain)).toBeNull();
    } finally {
      rmSync(plain, { recursive: true, force: true });
    }
  });
});
