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
import { stderrText } from './support/stderrText.ts';

/**
 * The two npm packages as a user gets them: the gateway (`jobgraph`) and the emulators'
 * (`@jobgraph/emulators`, packages/emulators/) packed from the build the e2e setup made, then
 * installed globally into a temporary prefix, and `jobgraph demo` run from that prefix's bin/.
 * `--prefer-offline`, not `--offline`: the tarballs are in npm's cache (the project's own `npm ci`
 * put them there), but a global install also reads each dependency's registry document, which
 * `npm ci` never fetches; a machine that has none yet fetches them once, later runs read them from
 * the cache (the Dockerfile's replay installs the same way).
 */

const ROOT = fileURLToPath(new URL('../', import.meta.url));
const run = promisify(execFile);

/** npm with this Node first on PATH (npm's scripts and the installed bin run on it). */
function npmEnv(): Record<string, string> {
  return {
    PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    HOME: process.env.HOME ?? tmpdir(),
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

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'jobgraph-global-'));
    prefix = join(work, 'prefix');
    const emulators = await pack(['-w', '@jobgraph/emulators'], work);
    const gateway = await pack([], work);
    await run(
      'npm',
      [
        'install',
        '-g',
        '--prefer-offline',
        '--no-audit',
        '--no-fund',
        '--prefix',
        prefix,
        emulators,
        gateway,
      ],
      { cwd: work, env: npmEnv() },
    );
  }, 300_000);

  afterAll(async () => {
    if (demo && demo.exitCode === null && demo.signalCode === null) {
      demo.kill('SIGTERM');
      await once(demo, 'exit');
    }
    if (work) await rm(work, { recursive: true, force: true });
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
