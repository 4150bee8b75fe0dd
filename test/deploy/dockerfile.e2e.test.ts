import { execFileSync, spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { chmod, cp, mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { basename, dirname, join, posix } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { emulatorEnvironment, startEmulators, type EmulatorSet } from '@jobgraph/emulators';
import { buildContextFiles } from './support/buildContext.ts';
import {
  envPairs,
  execForm,
  healthcheck,
  parseDockerfile,
  type Instruction,
  type Stage,
} from './support/dockerfile.ts';
import { freePort } from '../support/rawHttp.ts';

// The Dockerfile's steps replayed without Docker (no container runtime runs where the tests run),
// on a clean copy of its build context (the checkout as .dockerignore lets it through), instruction
// by instruction as the file says them: each stage gets a directory standing for its WORKDIR,
// COPY copies (from the context, or from the build stage's directory), RUN runs, ENV, USER and
// CMD are what the started process gets.
//
// One step is not replayed as written: the build stage's `npm ci` of every devDependency (about
// 70 s on a warm cache here). Its result is this checkout's node_modules/, installed from the same
// lockfile by the project's own `npm ci`, linked in its place. The build command itself runs on
// the clean copy, so a file the build needs that .dockerignore leaves out fails here. The runtime
// stage's `npm ci --omit=dev --ignore-scripts` runs as written, plus --prefer-offline (npm's cache
// is warm after the project's own install; CI reaches the registry for anything missing).

const ROOT = fileURLToPath(new URL('../../', import.meta.url));
const DOCKERFILE = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
const PACKAGE = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  dependencies: Record<string, string>;
  devDependencies: Record<string, string>;
  files: string[];
};

/** A stage as replayed: its directory and WORKDIR, and what its instructions set. */
interface Replayed {
  stage: Stage;
  dir: string;
  workdir: string;
  env: Record<string, string>;
  user?: string;
  exposed: string[];
  stopSignal?: string;
  healthcheck?: { options: Record<string, string>; argv: string[] };
  cmd?: string[];
  /** The RUN commands as they ran (or were stood in for). */
  ran: string[];
}

/**
 * The environment for npm and the started process: PATH and HOME from here, none of the
 * `npm_*` variables `npm test` sets (`npm_config_local_prefix` would point a child npm at the
 * checkout), except the ones that say where the cache and registry are; and no check for a newer
 * npm (a registry request of its own, on a machine whose npm config leaves it on).
 */
function baseEnv(): Record<string, string> {
  const keep =
    /^npm_config_(cache|registry|cafile|userconfig|globalconfig|proxy|https_proxy|noproxy)$/;
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && (!/^npm_/i.test(k) || keep.test(k))) env[k] = v;
  env.npm_config_update_notifier = 'false';
  return env;
}

async function run(command: string, cwd: string, env: Record<string, string>): Promise<void> {
  const child = spawn('sh', ['-c', command], { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (c: Buffer) => (output += c.toString()));
  child.stderr.on('data', (c: Buffer) => (output += c.toString()));
  const [code] = (await once(child, 'exit')) as [number | null];
  if (code !== 0) throw new Error(`"${command}" in ${cwd} exited ${code}:\n${output.slice(-4000)}`);
}

/** Replay one COPY into the stage whose paths `local` maps: from the build context, or `--from` a stage replayed. */
async function replayCopy(
  ins: Instruction,
  local: (p: string) => string,
  context: string[],
  done: Map<string, Replayed>,
  fail: (ins: Instruction, why: string) => never,
): Promise<void> {
  const parts = ins.args.split(/\s+/);
  const dest = parts.pop() as string;
  const intoDir = dest.endsWith('/') || dest === '.' || parts.length > 1;
  const from = ins.flags.from;
  for (const src of parts) {
    if (from) {
      const other = done.get(from) ?? fail(ins, `no stage ${from}`);
      const onDisk = join(other.dir, posix.relative(other.workdir, src));
      if (!existsSync(onDisk)) fail(ins, `${src} is not in stage ${from}`);
      const target = intoDir ? join(local(dest), basename(src)) : local(dest);
      // Symlinks as they are (node_modules' link to a workspace package), as Docker copies them.
      await cp(onDisk, target, { recursive: true, verbatimSymlinks: true });
    } else {
      const files =
        src === '.' ? context : context.filter((f) => f === src || f.startsWith(`${src}/`));
      if (files.length === 0) fail(ins, `${src} is not in the build context (.dockerignore)`);
      for (const f of files) {
        // As Docker copies: the context's contents for `.`, a directory's contents into
        // dest, a file into dest/ (or as dest).
        const target =
          src === '.'
            ? join(local(dest), f)
            : f !== src
              ? join(local(dest), f.slice(src.length + 1))
              : intoDir
                ? join(local(dest), basename(f))
                : local(dest);
        await mkdir(dirname(target), { recursive: true });
        await cp(join(ROOT, f), target);
      }
    }
  }
}

/** Replay one stage in `dir`, taking `COPY --from=<stage>` from the stages already replayed. */
async function replay(
  stage: Stage,
  dir: string,
  context: string[],
  done: Map<string, Replayed>,
): Promise<Replayed> {
  const r: Replayed = { stage, dir, workdir: '/', env: {}, exposed: [], ran: [] };
  /** A path in this stage's filesystem, on disk: WORKDIR is `dir`. */
  const local = (p: string) => join(dir, posix.relative(r.workdir, posix.resolve(r.workdir, p)));
  const fail = (ins: Instruction, why: string): never => {
    throw new Error(`Dockerfile line ${ins.line} (${ins.keyword} ${ins.args}): ${why}`);
  };
  for (const ins of stage.instructions) {
    switch (ins.keyword) {
      case 'WORKDIR':
        if (r.workdir !== '/') fail(ins, 'one WORKDIR per stage is all this replay maps');
        r.workdir = ins.args;
        await mkdir(dir, { recursive: true });
        break;
      case 'ENV':
        for (const [k, v] of envPairs(ins.args)) r.env[k] = v;
        break;
      case 'COPY':
        await replayCopy(ins, local, context, done, fail);
        break;
      case 'RUN': {
        const env = { ...baseEnv(), ...r.env };
        if (stage.name === 'build' && /^npm ci\b/.test(ins.args)) {
          // Stood in for (see the top of this file): the same lockfile's install, already done.
          if (
            readFileSync(join(dir, 'package-lock.json'), 'utf8') !==
            readFileSync(join(ROOT, 'package-lock.json'), 'utf8')
          )
            fail(ins, 'the lockfile copied is not the checkout’s');
          await symlink(join(ROOT, 'node_modules'), join(dir, 'node_modules'), 'dir');
          r.ran.push(`(this checkout's node_modules for) ${ins.args}`);
        } else {
          // Only root may give a folder to another user: run by anyone else, the folder stays theirs.
          const asRun =
            process.getuid?.() === 0 ? ins.args : ins.args.replace(/ && chown \S+ \S+$/, '');
          const command = /^npm ci\b/.test(asRun) ? `${asRun} --prefer-offline` : asRun;
          await run(command, dir, env);
          r.ran.push(command);
        }
        break;
      }
      case 'USER':
        r.user = ins.args;
        break;
      case 'EXPOSE':
        r.exposed.push(...ins.args.split(/\s+/));
        break;
      case 'STOPSIGNAL':
        r.stopSignal = ins.args;
        break;
      case 'HEALTHCHECK':
        r.healthcheck = healthcheck(ins);
        break;
      case 'CMD':
        r.cmd = execForm(ins.args);
        break;
      default:
        fail(ins, 'an instruction this replay does not know: teach it, or keep to the others');
    }
  }
  return r;
}

/** `node` in an image's command line is this Node (24, as the image's). */
const nodeArgv = (argv: string[]): [string, string[]] =>
  argv[0] === 'node' ? [process.execPath, argv.slice(1)] : [argv[0] as string, argv.slice(1)];

describe('The Dockerfile, replayed without Docker on a clean copy of its build context', () => {
  const stages = parseDockerfile(DOCKERFILE);
  let work: string;
  let context: string[];
  let build: Replayed;
  let deps: Replayed;
  let runtime: Replayed;

  beforeAll(async () => {
    work = await mkdtemp(join(tmpdir(), 'jobgraph-image-'));
    // Readable by the image's non-root user, as an image's files are.
    await chmod(work, 0o755);
    context = buildContextFiles(ROOT);
    const done = new Map<string, Replayed>();
    for (const stage of stages) {
      const r = await replay(stage, join(work, stage.name), context, done);
      done.set(stage.name, r);
    }
    build = done.get('build') as Replayed;
    deps = done.get('deps') as Replayed;
    runtime = done.get('runtime') as Replayed;
    // About 30 s on an idle 2-core machine (npm ci of the production dependencies, tsc), close
    // to 2 minutes with both cores busy: more than the suite's 120 s hook timeout allows.
  }, 300_000);

  afterAll(async () => {
    if (work) await rm(work, { recursive: true, force: true });
  });

  it('has a build stage, a production-dependencies stage and a runtime stage on node:24-slim', () => {
    expect(stages.map((s) => [s.name, s.image])).toEqual([
      ['build', 'node:24-slim'],
      ['deps', 'node:24-slim'],
      ['runtime', 'node:24-slim'],
    ]);
  });

  it('sends the builder only what the image is built from: no env file, node_modules, dist, tests or deploy kit', () => {
    expect(context).toContain('package-lock.json');
    expect(context).toContain('src/cli/main.ts');
    expect(context).toContain('console/build.mjs');
    const tops = new Set(context.map((f) => f.split('/')[0]));
    for (const left of ['node_modules', 'dist', 'test', 'bench', 'deploy', 'docs', '.git', '.ci'])
      expect(tops.has(left), left).toBe(false);
    expect(context.filter((f) => /(^|\/)\.env(\.|$)/.test(f))).toEqual([]);
  });

  it('builds dist/ and the console bundle in the build stage from that context alone', () => {
    expect(build.ran.at(-1)).toMatch(/^npm run build\b/);
    expect(existsSync(join(build.dir, 'dist', 'cli', 'main.js'))).toBe(true);
    expect(existsSync(join(build.dir, 'dist', 'console', 'manifest.json'))).toBe(true);
  });

  it("installs the production dependencies alone, without install scripts, and the runtime stage copies only node_modules (npm's cache stays behind)", () => {
    expect(deps.ran).toEqual([
      expect.stringMatching(/^npm ci --omit=dev --ignore-scripts\b.* --prefer-offline$/),
    ]);
    // The runtime stage runs one command: the history store's data folder, given to its user.
    expect(runtime.ran).toEqual([expect.stringMatching(/^mkdir jobgraph-data( && chown|$)/)]);
    const installed = (name: string) => existsSync(join(runtime.dir, 'node_modules', name));
    for (const name of Object.keys(PACKAGE.dependencies)) expect(installed(name), name).toBe(true);
    // No package the lockfile marks as needed by devDependencies alone (the devDependencies
    // themselves among them; one a production dependency also needs, such as
    // @smithy/node-http-handler, is not dev-only).
    const lock = JSON.parse(readFileSync(join(ROOT, 'package-lock.json'), 'utf8')) as {
      packages: Record<string, { dev?: boolean }>;
    };
    const devOnly = Object.entries(lock.packages)
      .filter(([path, p]) => path.startsWith('node_modules/') && p.dev)
      .map(([path]) => path);
    expect(devOnly).toEqual(
      expect.arrayContaining(['node_modules/typescript', 'node_modules/vitest']),
    );
    expect(devOnly.filter((path) => existsSync(join(runtime.dir, path)))).toEqual([]);
  });

  it('holds what the npm package ships, compiled, and no sources', () => {
    expect(readdirSync(runtime.dir).sort()).toEqual(
      [
        'LICENSE',
        'README.md',
        'bin',
        'dist',
        // The history store's default data folder (JOBGRAPH_DATA_DIR unset), the user's own.
        'jobgraph-data',
        'node_modules',
        'package-lock.json',
        'package.json',
        // The emulators' package, compiled: what the compose kit's emulators service imports.
        'packages',
        'schema',
      ].sort(),
    );
    expect(existsSync(join(runtime.dir, 'dist', '.tsbuildinfo'))).toBe(false);
    expect(readdirSync(join(runtime.dir, 'dist', 'console', 'assets')).length).toBeGreaterThan(0);
    expect(readdirSync(join(runtime.dir, 'dist')).includes('emulators')).toBe(false);
    const emulators = join(runtime.dir, 'packages', 'emulators');
    expect(readdirSync(emulators).sort()).toEqual(['dist', 'package.json']);
    expect(existsSync(join(emulators, 'dist', 'index.js'))).toBe(true);
    expect(existsSync(join(emulators, 'dist', '.tsbuildinfo'))).toBe(false);
  });

  it("imports @jobgraph/emulators from the image's WORKDIR as the compose kit's emulators service does", () => {
    const out = execFileSync(
      process.execPath,
      [
        '--input-type=module',
        '-e',
        "const m = await import('@jobgraph/emulators'); console.log(typeof m.startEmulators);",
      ],
      { cwd: runtime.dir, encoding: 'utf8', env: baseEnv() },
    );
    expect(out.trim()).toBe('function');
  });

  it('sets NODE_ENV=production, HOST=0.0.0.0, PORT 4000 exposed, a numeric non-root USER, STOPSIGNAL SIGTERM, and runs live mode', () => {
    expect(runtime.env).toMatchObject({ NODE_ENV: 'production', HOST: '0.0.0.0', PORT: '4000' });
    expect(runtime.exposed).toEqual(['4000']);
    expect(runtime.user).toMatch(/^[1-9]\d*:[1-9]\d*$/);
    expect(runtime.stopSignal).toBe('SIGTERM');
    expect(runtime.cmd).toEqual(['node', 'bin/jobgraph.mjs']);
    expect(runtime.env.NODE_OPTIONS).toBeUndefined();
  });

  describe('started as the image starts it (live mode), against emulators on loopback', () => {
    let emulators: EmulatorSet;
    let app: ChildProcessWithoutNullStreams | undefined;

    afterAll(async () => {
      if (app && app.exitCode === null && app.signalCode === null) {
        app.kill('SIGKILL');
        await once(app, 'exit');
      }
      await emulators?.close();
    });

    it('serves /healthz, /readyz and a query; its HEALTHCHECK passes; SIGTERM stops it with 0 and the HEALTHCHECK then fails', async () => {
      emulators = await startEmulators();
      const secret = randomBytes(32).toString('base64url');
      const port = await freePort();
      // The image's ENV, then what an operator passes (-e): loopback instead of every interface,
      // as the tests must stay on it.
      const env = {
        PATH: process.env.PATH ?? '',
        ...runtime.env,
        ...emulatorEnvironment(emulators),
        HOST: '127.0.0.1',
        PORT: String(port),
        JOBGRAPH_JWT_SECRET: secret,
      };
      const [uid, gid] = (runtime.user as string).split(':').map(Number);
      // As the image's USER when this test can switch to it (run as root), else as whoever runs it.
      const asUser = process.getuid?.() === 0 ? { uid: uid as number, gid: gid as number } : {};
      const [command, args] = nodeArgv(runtime.cmd as string[]);
      const child = spawn(command, args, {
        cwd: runtime.dir,
        env,
        stdio: ['pipe', 'pipe', 'pipe'],
        ...asUser,
      });
      app = child;
      const exited = once(child, 'exit') as Promise<[number | null, string | null]>;
      let stdout = '';
      let stderr = '';
      child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
      await new Promise<void>((resolve, reject) => {
        child.stdout.on('data', (c: Buffer) => {
          stdout += c.toString();
          if (/"msg":"jobgraph listening/.test(stdout)) resolve();
        });
        void exited.then(() => reject(new Error(`jobgraph exited before listening: ${stderr}`)));
      });
      const base = `http://127.0.0.1:${port}`;
      const health = await fetch(`${base}/healthz`);
      expect([health.status, await health.json()]).toEqual([200, { status: 'ok' }]);
      // A probe (no token) is told ready, and nothing else; an operator each account's state.
      const probed = await fetch(`${base}/readyz`);
      expect([probed.status, await probed.json()]).toEqual([200, { status: 'ready' }]);
      const operator = await mintToken({ secret, scopes: ['jobgraph:operate'] });
      const ready = await fetch(`${base}/readyz`, {
        headers: { authorization: `Bearer ${operator}` },
      });
      const readiness = (await ready.json()) as {
        accounts?: { cloud: string; alias: string; code: string | null }[];
      };
      expect(ready.status).toBe(200);
      expect(readiness).toMatchObject({ status: 'ready', mode: 'live' });
      // Every account, the default ones included; the emulators' environment names their second
      // account on each cloud (AWS staging by STS AssumeRole, COS staging by its keys).
      expect(readiness.accounts?.map((a) => `${a.cloud}/${a.alias}`)).toEqual([
        'aws/default',
        'aws/staging',
        'tencent/default',
        'tencent/staging',
      ]);
      for (const account of readiness.accounts ?? []) expect(account.code).not.toBeNull();

      const token = await mintToken({ secret, scopes: ['jobs:read'] });
      const res = await fetch(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ job(id: "importexport:CMPL1") { id state } }' }),
      });
      expect(await res.json()).toEqual({
        data: { job: { id: 'importexport:CMPL1', state: 'SUCCEEDED' } },
      });
      // The history store's default file, in the folder the image gave its user (a compose
      // volume's mount point): written as that user, where the rest of /app is read-only to it.
      const historyFile = join(runtime.dir, 'jobgraph-data', 'history.sqlite');
      expect(existsSync(historyFile)).toBe(true);
      if (asUser.uid !== undefined) expect(statSync(historyFile).uid).toBe(asUser.uid);

      /** The image's HEALTHCHECK command, run as Docker runs it: in the container's environment. */
      const check = async (): Promise<number | null> => {
        const [hcCommand, hcArgs] = nodeArgv((runtime.healthcheck as { argv: string[] }).argv);
        const hc = spawn(hcCommand, hcArgs, { cwd: runtime.dir, env, stdio: 'ignore', ...asUser });
        return ((await once(hc, 'exit')) as [number | null])[0];
      };
      expect(runtime.healthcheck?.options).toMatchObject({ interval: expect.any(String) });
      expect(await check()).toBe(0);

      child.kill(runtime.stopSignal as NodeJS.Signals);
      expect(await exited).toEqual([0, null]);
      expect(await check()).toBe(1);
    });
  });
});
