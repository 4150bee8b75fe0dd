import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';

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
