/**
 * The one report writer: what a run ran on (machine, Node, packages, commit, load), the small
 * formatting every report repeats, and writing a report's Markdown and JSON into bench/.
 */
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { format, resolveConfig } from 'prettier';

export interface MachineInfo {
  cpu: string;
  cores: number;
  memoryGiB: number;
  os: string;
  node: string;
}

export function machineInfo(): MachineInfo {
  const cpus = os.cpus();
  return {
    cpu: cpus[0]?.model.trim() ?? 'unknown',
    cores: cpus.length,
    memoryGiB: Math.round((os.totalmem() / 1024 ** 3) * 10) / 10,
    os: `${os.type()} ${os.release()} ${os.arch()}`,
    node: process.version,
  };
}

/** Installed versions (from node_modules) of the packages whose cost the bench measures. */
export const MEASURED_PACKAGES = [
  '@apollo/server',
  '@apollo/subgraph',
  'graphql',
  'dataloader',
  'express',
  '@aws-sdk/client-panorama',
  '@aws-sdk/client-omics',
  '@aws-sdk/client-codepipeline',
  '@smithy/node-http-handler',
  '@smithy/signature-v4',
  'fast-xml-parser',
  'cockatiel',
  'pino',
  'tsx',
  'autocannon',
] as const;

export function packageVersions(repoRoot: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const name of MEASURED_PACKAGES) {
    try {
      out[name] = (
        JSON.parse(readFileSync(join(repoRoot, 'node_modules', name, 'package.json'), 'utf8')) as {
          version: string;
        }
      ).version;
    } catch {
      out[name] = 'not installed';
    }
  }
  return out;
}

/** The commit measured, and whether the working tree had changes (others edit src/ in parallel). */
export function gitState(repoRoot: string): { commit: string; dirtyFiles: string[] } {
  try {
    const commit = execFileSync('git', ['rev-parse', '--short', 'HEAD'], {
      cwd: repoRoot,
      encoding: 'utf8',
    }).trim();
    const status = execFileSync(
      'git',
      ['status', '--porcelain', '--', 'src', 'bin', 'schema', 'package.json'],
      { cwd: repoRoot, encoding: 'utf8' },
    );
    return {
      commit,
      dirtyFiles: status
        .split('\n')
        .filter(Boolean)
        .map((l) => l.slice(3)),
    };
  } catch {
    return { commit: 'unknown', dirtyFiles: [] };
  }
}

/** The 1-, 5- and 15-minute load averages, e.g. `1.07 1.10 1.77` (the machine is shared). */
export const loadAverage = (digits = 2): string =>
  os
    .loadavg()
    .map((l) => l.toFixed(digits))
    .join(' ');

export const mb = (bytes: number, digits = 0): string => `${(bytes / 1e6).toFixed(digits)} MB`;

export const passMiss = (ok: boolean): 'PASS' | 'MISS' => (ok ? 'PASS' : 'MISS');

/** A Markdown table's lines (a `|` in a cell escaped). */
export function table(head: readonly string[], rows: readonly (readonly unknown[])[]): string[] {
  const line = (cells: readonly unknown[]) =>
    `| ${cells.map((c) => String(c).replace(/\|/g, '\\|')).join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)];
}

/** `Run <date> on <n> cores (<cpu>), Node <v>, commit <c>[ with changes to …]`: a report's first fact. */
export function runLine(repoRoot: string, date = new Date().toISOString()): string {
  const m = machineInfo();
  const git = gitState(repoRoot);
  const dirty = git.dirtyFiles.length ? ` with changes to ${git.dirtyFiles.join(', ')}` : '';
  return `Run ${date} on ${m.cores} cores (${m.cpu}), Node ${m.node}, commit ${git.commit}${dirty}`;
}

/**
 * Write a report into bench/: its Markdown as given, its JSON laid out by Prettier (so
 * `prettier --check` passes on the committed file). Returns the paths written.
 */
export async function writeReport(files: {
  md?: [path: string, text: string];
  json?: [path: string, value: unknown];
}): Promise<string[]> {
  const written: string[] = [];
  if (files.md) {
    writeFileSync(files.md[0], files.md[1]);
    written.push(files.md[0]);
  }
  if (files.json) {
    const [path, value] = files.json;
    const options = (await resolveConfig(path)) ?? {};
    writeFileSync(path, await format(JSON.stringify(value), { ...options, filepath: path }));
    written.push(path);
  }
  return written;
}
