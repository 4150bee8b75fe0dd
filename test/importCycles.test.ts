import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';

/** The import check of `npm run lint` (scripts/imports.ts), run as lint runs it. */
const SCRIPT = fileURLToPath(new URL('../scripts/imports.ts', import.meta.url));
const run = (...args: string[]) =>
  spawnSync(process.execPath, [SCRIPT, ...args], { encoding: 'utf8' });

describe('The import check of npm run lint', () => {
  const dir = mkdtempSync(join(tmpdir(), 'jobgraph-imports-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('passes on src/ as it is: no circle, at most 2 arrows back up', () => {
    const result = run();
    expect(result.stderr).toBe('');
    expect(result.status).toBe(0);
    expect(result.stdout).toMatch(/ 0 circles\n/);
  });

  it('fails on a deliberately added circle, type-only imports included, and names its files', () => {
    writeFileSync(join(dir, 'a.ts'), "import { b } from './b.ts';\nexport const a = () => b;\n");
    writeFileSync(join(dir, 'b.ts'), "import type { C } from './c.ts';\nexport const b: C = 1;\n");
    writeFileSync(
      join(dir, 'c.ts'),
      "import { a } from './a.ts';\nexport type C = number;\nvoid a;\n",
    );
    const circle = run('--no-floors', dir);
    expect(circle.status).toBe(1);
    expect(circle.stderr).toContain('import circle of 3 files: a.ts, b.ts, c.ts');

    writeFileSync(join(dir, 'c.ts'), 'export type C = number;\n');
    const none = run('--no-floors', dir);
    expect(none.stderr).toBe('');
    expect(none.status).toBe(0);
  });
});
