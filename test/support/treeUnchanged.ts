import { execFileSync } from 'node:child_process';
import { statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Vitest global setup (every project): the suite writes nowhere but temporary folders (issue 106,
 * item 3). Before the first test it notes every path of the working tree git does not hold as
 * committed — changed, untracked, and ignored (`jobgraph-data/` is ignored, so a plain `git status`
 * would not show a history a test left there) — with each one's size and modification time; after
 * the last it notes them again and fails the run, naming each path that appeared, went or changed.
 * The build's output, the dependencies and the reporters' files are left out: dist/ is built by
 * the e2e setup, node_modules is installed, `npm run test:slowest` writes .vitest-report.json.
 * Works in a fresh clone as in a worked-in one: only the difference counts. Once per run, however
 * many projects name it.
 */
export default function setup(): (() => void) | undefined {
  const run = globalThis as { jobgraphTreeNoted?: boolean };
  if (run.jobgraphTreeNoted) return undefined;
  run.jobgraphTreeNoted = true;
  const root = fileURLToPath(new URL('../../', import.meta.url));
  const before = treeState(root);
  if (before === null) {
    console.warn(
      'git could not list the working tree: the check that the tests write nothing into it is SKIPPED.',
    );
    return undefined;
  }
  return () => {
    const after = treeState(root) ?? new Map<string, string>();
    const changed = [...new Set([...before.keys(), ...after.keys()])]
      .filter((path) => before.get(path) !== after.get(path))
      .sort();
    if (changed.length === 0) return;
    // Thrown from a teardown, an error is printed but the run still exits 0: say it and fail it.
    console.error(
      `\nThe tests changed the working tree (they must write only into temporary folders: os.tmpdir()):\n${changed
        .map(
          (path) => `  ${path}: ${before.get(path) ?? 'absent'} → ${after.get(path) ?? 'absent'}`,
        )
        .join('\n')}\n`,
    );
    process.exitCode = 1;
  };
}

/**
 * Paths left out: what the build writes, what npm installs, and what a run's own reporters write
 * (`npm run test:slowest`'s JSON report, coverage).
 */
const LEFT_OUT = [
  ':(exclude)node_modules',
  ':(exclude)dist',
  ':(exclude)coverage',
  ':(exclude).vitest-report.json',
];

/**
 * Each path of the tree that is not as committed (`git status`, ignored and untracked files one by
 * one) → its status, size and modification time; null where git cannot say.
 */
export function treeState(root: string): Map<string, string> | null {
  let out: string;
  try {
    out = execFileSync(
      'git',
      [
        'status',
        '--porcelain=v1',
        '--ignored',
        '--untracked-files=all',
        '-z',
        '--',
        '.',
        ...LEFT_OUT,
      ],
      { cwd: root, encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], maxBuffer: 64 << 20 },
    );
  } catch {
    return null;
  }
  const state = new Map<string, string>();
  const entries = out.split('\0');
  for (let i = 0; i < entries.length; i++) {
    const entry = entries[i] as string;
    if (entry.length < 4) continue;
    const status = entry.slice(0, 2);
    const path = entry.slice(3);
    // A rename's entry is followed by its old path.
    if (status.startsWith('R') || status.startsWith('C')) i++;
    state.set(path, `${status.trim()} ${fileMark(join(root, path))}`);
  }
  return state;
}

/** A file's size and modification time, or that it is gone. */
function fileMark(path: string): string {
  try {
    const s = statSync(path);
    return `${s.size} B, modified ${s.mtime.toISOString()}`;
  } catch {
    return 'deleted';
  }
}
