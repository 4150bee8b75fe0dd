/** The one report writer: run facts, formatting, writing (bench:cpu's summary: cpuReport.ts). */
import { execFileSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import os from 'node:os';
import { format, resolveConfig } from 'prettier';

/** The commit measured, and whether the working tree had changes (others edit src/ in parallel). */
function gitState(repoRoot: string): { commit: string; dirtyFiles: string[] } {
  // git's own complaint (a copy without .git: "fatal: not a git repository") is not the bench's output.
  const git = (...args: string[]) =>
    execFileSync('git', args, {
      cwd: repoRoot,
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    });
  try {
    const commit = git('rev-parse', '--short', 'HEAD').trim();
    const status = git('status', '--porcelain', '--', 'src', 'bin', 'schema', 'package.json');
    return { commit, dirtyFiles: [...status.matchAll(/^.{3}(.+)$/gm)].map((m) => m[1]!) };
  } catch {
    return { commit: 'unknown', dirtyFiles: [] };
  }
}

/** The 1-, 5- and 15-minute load averages, e.g. `1.07 1.10 1.77` (the machine is shared). */
export const loadAverage = (): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(2))
    .join(' ');

export const mb = (bytes: number, digits = 0): string => `${(bytes / 1e6).toFixed(digits)} MB`;

/** A number as the reports write it: thousands separated, `digits` decimals. */
export const f = (n: number, digits = 0) =>
  n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
export const f1 = (n: number) => n.toFixed(1);

export const passMiss = (ok: boolean): 'PASS' | 'MISS' => (ok ? 'PASS' : 'MISS');

/** A Markdown table's lines (a `|` in a cell escaped). */
export function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string[] {
  const line = (cells: readonly unknown[]) =>
    `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)];
}

/** Prose wrapped by Prettier (`path`'s settings); tables, code blocks as given (Prettier pads). */
export async function proseWrapped(path: string, markdown: string): Promise<string> {
  const wrap = { parser: 'markdown', proseWrap: 'always' } as const;
  const options = { ...(await resolveConfig(path)), ...wrap };
  const kept = (block: string) => /^(\||```)/m.test(block);
  const blocks = await Promise.all(
    markdown
      .trimEnd()
      .split('\n\n')
      .map(async (b) => (kept(b) ? b : (await format(b, options)).trimEnd())),
  );
  return `${blocks.join('\n\n')}\n`;
}

/** `<commit>[ with changes to …]` of a checkout. */
export function commitOf(repoRoot: string, quoted = false): string {
  const git = gitState(repoRoot);
  const dirty = git.dirtyFiles.length ? ` with changes to ${git.dirtyFiles.join(', ')}` : '';
  return `${quoted ? `\`${git.commit}\`` : git.commit}${dirty}`;
}

/** `Run <date> on <n> cores (<cpu>), Node <v>, commit <c>[ with changes to …]`: a report's first fact. */
export function runLine(repoRoot: string, date = new Date().toISOString()): string {
  const cpus = os.cpus();
  const cpu = cpus[0]?.model.trim() ?? 'unknown';
  return `Run ${date} on ${cpus.length} cores (${cpu}), Node ${process.version}, commit ${commitOf(repoRoot)}`;
}

/**
 * Where a run writes its report: bench/results/ (ignored by git; a run's report is not a document,
 * docs/performance.md holds the latest figure of each row). The folder is made on first use.
 */
export function resultPath(name: string): string {
  const dir = fileURLToPath(new URL('../results/', import.meta.url));
  mkdirSync(dir, { recursive: true });
  return `${dir}${name}`;
}

/** Markdown as given, JSON laid out by Prettier (`prettier --check` passes); returns the paths. */
export async function writeReport(files: {
  md?: [path: string, text: string];
  json?: [path: string, value: unknown];
}): Promise<string[]> {
  if (files.md) writeFileSync(...files.md);
  if (files.json) {
    const [path, value] = files.json;
    const options = (await resolveConfig(path)) ?? {};
    writeFileSync(path, await format(JSON.stringify(value), { ...options, filepath: path }));
  }
  return [files.md?.[0], files.json?.[0]].filter((path) => path !== undefined);
}

/** A column: its heading and the cell of each item (a row); `false` for one left out (no peer). */
export type Column<T> = false | readonly [string, (item: T, i: number) => unknown];

/** A table of a row an item, from its columns. */
export function columns<T>(items: readonly T[], cols: readonly Column<T>[]): string[] {
  const shown = cols.filter((c) => c !== false);
  const rows = items.map((item, i) => shown.map(([, cell]) => cell(item, i)));
  const head = shown.map(([name]) => name);
  return table(head, rows);
}
