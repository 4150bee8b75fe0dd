import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { existsSync } from 'node:fs';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { startLockfileRegistry, type LockfileRegistry } from './support/lockfileRegistry.ts';
import { stderrText } from './support/stderrText.ts';

/**
 * The two npm packages as a user gets them: the gateway (`jobgraph`) and the emulators'
 * (`@jobgraph/emulators`, packages/emulators/) packed from the build the e2e setup made, then
 * installed globally into a temporary prefix, and `jobgraph demo` run from that prefix's bin/.
 *
 * With no connection beyond loopback: a global install resolves the tarballs' dependencies afresh
 * and so reads each one's registry document (packument), also those of optional peer dependencies
 * nothing installs (pg-native, bufferutil…), which the project's `npm ci` never fetched. npm's
 * registry here is test/support/lockfileRegistry.ts, on loopback: it serves those
 * documents from package-lock.json (its versions only), and npm takes each tarball from its cache by
 * the lockfile's integrity, where `npm ci` put it. A package the lockfile lacks (a dependency added
 * but not locked), or a tarball the cache lacks, is a 404 and fails the install, naming it.
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const run = promisify(execFile);

/**
 * npm with this Node first on PATH (npm's scripts and the installed bin run on it), npm's cache
 * where the project's install put it (`npm_config_cache` when set, else HOME's), and no check for
 * a newer npm (a registry request of its own).
 */
function npmEnv(): Record<string, string> {
  const cache = process.env.npm_config_cache;
  return {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? tmpdir(),
    ...(cache ? { npm_config_cache: cache } : {}),
    npm_config_update_notifier: 'false',
  };
}

async function pack(args: string[], into: string): Promise<string> {
  // --ignore-scripts: `npm pack` would run `prepare` (the build); the e2e setup built both already.
  const { stdout } = await run(
    'npm',
    ['pack', '--ignore-scripts', '--json', '--pack-destination', into, ...args],
    { cwd: ROOT, env: npmEnv() },
  );
  const [packed] = JSON.parse(stdout) as [{ filename: string }];
  return join(into, packed.filename);
}

describe('A global install of the packed packages', () => {
  let work: string;
  let prefix: string;
  let demo: ChildProcess | undefined;
  let registry: LockfileRegistry;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'jobgraph-global-'));
    prefix = join(work, 'prefix');
    const emulators = await pack(['-w', '@jobgraph/emulators'], work);
    const gateway = await pack([], work);
    registry = await startLockfileRegistry(join(ROOT, 'package-lock.json'));
    await run(
      'npm',
      [
        'install',
        '-g',
        '--registry',
        registry.url,
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--prefix',
        prefix,
        emulators,
        gateway,
      ],
      { cwd: work, env: npmEnv() },
    ).catch((err: Error & { stderr?: string }) => {
      const misses = registry.misses.join('\n');
      throw new Error(
        `npm install -g failed; the registry missed:\n${misses}\n${err.stderr ?? ''}`,
      );
    });
  }, 300_000);

  afterAll(async () => {
    if (demo && demo.exitCode === null && demo.signalCode === null) {
      demo.kill('SIGTERM');
      await once(demo, 'exit');
    }
    if (registry) await registry.close();
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('installs from the lockfile alone: every package npm asked for is locked, every tarball cached', () => {
    expect(registry.misses).toEqual([]);
    // The gateway's dependencies and the emulators' came through this registry, not another.
    expect(registry.served).toEqual(expect.arrayContaining(['graphql', 'fast-xml-parser']));
  });

  it("installs the gateway without the emulators' files, and the emulators as its dependency", async () => {
    const installed = join(prefix, 'lib', 'node_modules');
    expect(existsSync(join(installed, 'jobgraph', 'dist', 'cli', 'main.js'))).toBe(true);
    expect(await readdir(join(installed, 'jobgraph', 'dist'))).not.toContain('emulators');
    expect(existsSync(join(installed, 'jobgraph', 'packages'))).toBe(false);
    const emulatorsAt = [
      join(installed, 'jobgraph', 'node_modules', '@jobgraph', 'emulators'),
      join(installed, '@jobgraph', 'emulators'),
    ].filter((dir) => existsSync(join(dir, 'dist', 'index.js')));
    expect(emulatorsAt.length).toBeGreaterThan(0);
    for (const dir of emulatorsAt) expect(existsSync(join(dir, 'src'))).toBe(false);
  });

  it('runs `jobgraph demo` from the prefix and answers a job query over HTTP', async () => {
    const child = spawn(join(prefix, 'bin', 'jobgraph'), ['demo'], {
      // Free ports for the gateway and the emulators; the history in the temporary folder.
      env: { ...npmEnv(), PORT: '0', JOBGRAPH_DATA_DIR: join(work, 'data') },
      cwd: work,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    demo = child;
    let stdout = '';
    let stderr = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    const banner =
      /GraphQL \+ Apollo Sandbox: +(http:\/\/\S+\/graphql)[\s\S]*?1\. Reader[^\n]*\n +Authorization: Bearer (\S+)/;
    await expect
      .poll(() => {
        if (child.exitCode !== null) throw new Error(`jobgraph demo exited: ${stderrText(stderr)}`);
        return banner.test(stdout);
      })
      .toBe(true);
    const [, url, token] = banner.exec(stdout) as unknown as [string, string, string];
    const id = exampleGlobalIds().batch;
    const res = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify({ query: 'query($id: ID!) { job(id: $id) { id } }', variables: { id } }),
    });
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ data: { job: { id } } });
  });
});
