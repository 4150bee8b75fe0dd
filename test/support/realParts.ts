import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';

/** Debian's postgresql keeps initdb under its major version's folder, not on the PATH. */
function postgresInitdb(): string {
  let versions: string[] = [];
  try {
    versions = readdirSync('/usr/lib/postgresql');
  } catch {
    // not installed: the path below does not exist
  }
  return `/usr/lib/postgresql/${versions.sort((a, b) => Number(b) - Number(a))[0] ?? '*'}/bin/initdb`;
}

/**
 * The real programs some tests run beside jobgraph, each from Debian's package: redis-server (the
 * shared cache, leases, rate budget and the cluster tests), nginx (the deployment kit's
 * configuration in front of real replicas), Chromium (the browser and console tests) and the AWS
 * CLI (`aws batch describe-jobs` against the AWS Batch emulator).
 *
 * On a machine without one, the tests that need it skip, with one line saying which package
 * brings it; under CI (CI=true, as .ci/run runs) they run anyway and fail with that line, so CI
 * never passes by skipping. TEST_WITHOUT=redis-server,nginx,chromium plays a machine without them.
 */
export type RealPartName = 'redis-server' | 'nginx' | 'chromium' | 'aws-cli' | 'postgresql';

interface Part {
  /** The Debian package that installs it. */
  debian: string;
  /** Where it is: a fixed path, or a name looked up on the PATH. */
  path?: string;
  command?: string;
}

const PARTS: Record<RealPartName, Part> = {
  'redis-server': { debian: 'redis-server', command: 'redis-server' },
  nginx: { debian: 'nginx-light', path: '/usr/sbin/nginx' },
  chromium: { debian: 'chromium', path: '/usr/bin/chromium' },
  'aws-cli': { debian: 'awscli', command: 'aws' },
  // Debian's postgresql brings initdb under its major version's folder, not on the PATH.
  postgresql: { debian: 'postgresql', path: postgresInitdb() },
};

export interface RealPart {
  name: RealPartName;
  /** Whether it is installed here. */
  present: boolean;
  /** Whether the tests that need it skip: missing, and not under CI. */
  skip: boolean;
  /** The one line said about it when missing (null when present). */
  missing: string | null;
}

/** Whether `env` asks for the strict run (CI=true or 1), where a missing part fails instead of skipping. */
export const strictRun = (env: NodeJS.ProcessEnv = process.env): boolean =>
  /^(true|1)$/i.test(env.CI ?? '');

function installed(part: Part, name: RealPartName, env: NodeJS.ProcessEnv): boolean {
  const without = (env.TEST_WITHOUT ?? '').split(',').map((s) => s.trim());
  if (without.includes(name)) return false;
  if (part.path) return existsSync(part.path);
  return (
    spawnSync('sh', ['-c', `command -v ${part.command}`], { encoding: 'utf8', env }).status === 0
  );
}

/** What a part's absence means here, without saying it (see `realPart`). */
export function realPartStatus(name: RealPartName, env: NodeJS.ProcessEnv = process.env): RealPart {
  const part = PARTS[name];
  const present = installed(part, name, env);
  if (present) return { name, present, skip: false, missing: null };
  const strict = strictRun(env);
  const where = part.path ?? `${part.command} on the PATH`;
  const missing = strict
    ? `${name} is missing (${where}) and CI is set: the tests that need it FAIL (apt-get install ${part.debian}).`
    : `${name} is missing (${where}): the tests that need it are SKIPPED (apt-get install ${part.debian}).`;
  return { name, present, skip: !strict, missing };
}

const said = new Set<RealPartName>();

/**
 * Whether the tests of a file can run `name`, for `describe.skipIf(part.skip)`: when it is
 * missing, says so in one line (once per fork: the unit files share their modules).
 */
export function realPart(name: RealPartName): RealPart {
  const status = realPartStatus(name);
  if (status.missing && !said.has(name)) {
    said.add(name);
    console.warn(status.missing);
  }
  return status;
}

/** The program's path; throws the one line when it is missing (a strict run, or a test that did not check). */
export function requirePart(name: RealPartName): string {
  const status = realPartStatus(name);
  if (status.missing) throw new Error(status.missing);
  return PARTS[name].path ?? (PARTS[name].command as string);
}
