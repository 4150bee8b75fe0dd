import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, openSync, readFileSync, watch } from 'node:fs';
import { chmod, copyFile, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { pidFileWritten } from '../../support/pidFile.ts';
import { freePort } from '../../support/rawHttp.ts';
import { requirePart } from '../../support/realParts.ts';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
/** The kit's main configuration (the image's /etc/nginx/nginx.conf). */
const NGINX_MAIN = join(DEPLOY, 'nginx', 'main.conf');
/** The jobgraph server: http-context directives (the image's conf.d/default.conf). */
const NGINX_CONF = join(DEPLOY, 'nginx.conf');
const SHIPPED_REPLICAS = join(DEPLOY, 'nginx', 'replicas.conf');
const SHIPPED_LISTEN = join(DEPLOY, 'nginx', 'listen.conf');
const RESOLVER_TEMPLATE = join(DEPLOY, 'nginx', 'resolver.conf.template');
/** The port the shipped replicas.conf names (the image's). */
const SHIPPED_PORT = 4000;

/** nginx run by a test: its port on 127.0.0.1, and what it printed. */
export interface NginxProcess {
  port: number;
  /** The prefix directory: nginx.conf and what it includes. */
  dir: string;
  child: ChildProcess;
  /** What nginx printed on stderr so far (its error log), since its last start. */
  stderr(): string;
  /** Resolves once nginx's access log (its stdout) has a line matching `pattern`: nginx writes it after the response. */
  logged(pattern: RegExp): Promise<string>;
  /** `nginx -t` on the configuration: its exit status and output. */
  check(): { status: number | null; output: string };
  /** Stop nginx (SIGTERM, its fast shutdown) and start it again on the same port and configuration. */
  restart(): Promise<void>;
  /** Stop nginx (SIGQUIT would wait for the streams: SIGTERM is its fast shutdown) and remove its directory. */
  stop(): Promise<void>;
}

/** The shipped replicas.conf with the image's port replaced by `port`: the names stay. */
async function testReplicas(port: number): Promise<string> {
  const shipped = await readFile(SHIPPED_REPLICAS, 'utf8');
  const named = shipped.match(new RegExp(`:${SHIPPED_PORT};`, 'g')) ?? [];
  if (named.length === 0)
    throw new Error(`deploy/nginx/replicas.conf names no replica on port ${SHIPPED_PORT}`);
  return shipped.replaceAll(`:${SHIPPED_PORT};`, `:${port};`);
}

/**
 * The names the shipped replicas.conf looks up: `pool`, the one every replica answers to, and
 * `replicas`, each replica's own (in order); with the port they name.
 */
export function shippedReplicaNames(): { pool: string; replicas: string[]; port: number } {
  const shipped = readFileSync(SHIPPED_REPLICAS, 'utf8');
  const pool = /\$jobgraph_replicas\s*\{\s*default\s+([^\s:]+):(\d+);/.exec(shipped);
  const pinned = /split_clients[^{]*\$jobgraph_pinned\s*\{([^}]*)\}/.exec(shipped)?.[1] ?? '';
  const replicas = [...pinned.matchAll(/^\s*(?:[\d.]+%|\*)\s+([^\s:]+):(\d+);/gm)];
  if (!pool || replicas.length === 0)
    throw new Error('deploy/nginx/replicas.conf: no $jobgraph_replicas or $jobgraph_pinned');
  const ports = new Set([pool[2], ...replicas.map((m) => m[2])]);
  if (ports.size !== 1) throw new Error('deploy/nginx/replicas.conf: more than one port');
  return {
    pool: pool[1] as string,
    replicas: replicas.map((m) => m[1] as string),
    port: Number(pool[2]),
  };
}

/** The shipped listen.conf with its port replaced by `port` on 127.0.0.1 (the shipped one listens on every address). */
async function loopbackListen(port: number): Promise<string> {
  const shipped = await readFile(SHIPPED_LISTEN, 'utf8');
  const lines = [...shipped.matchAll(/^\s*listen\s+(\d+)(.*);\s*$/gm)];
  if (lines.length !== 1) throw new Error('deploy/nginx/listen.conf: expected one listen line');
  return `listen 127.0.0.1:${port}${(lines[0] as RegExpMatchArray)[2]};\n`;
}

/** resolver.conf.template as the image's entrypoint renders it (envsubst), with `resolver` as NGINX_LOCAL_RESOLVERS. */
async function renderedResolver(resolver: string): Promise<string> {
  const template = await readFile(RESOLVER_TEMPLATE, 'utf8');
  if (!template.includes('${NGINX_LOCAL_RESOLVERS}'))
    throw new Error('resolver.conf.template: no ${NGINX_LOCAL_RESOLVERS}');
  return template.replaceAll('${NGINX_LOCAL_RESOLVERS}', resolver);
}

/**
 * Lay out a prefix directory as the official image holds /etc/nginx: the kit's main configuration
 * and deploy/nginx.conf unchanged, the resolver rendered from its template, the shipped
 * replicas.conf (on `replicaPort`) and a loopback listen.conf. Debian's nginx run as root keeps
 * request bodies under /var/lib/nginx, which its `nobody` workers cannot write: a test-only file in
 * conf.d/ puts the temp directories in the prefix instead.
 */
async function prefix(options: { resolver: string; replicaPort: number }): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'jobgraph-nginx-'));
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'jobgraph'));
  await mkdir(join(dir, 'conf.d'));
  await copyFile(NGINX_MAIN, join(dir, 'nginx.conf'));
  await copyFile(NGINX_CONF, join(dir, 'conf.d', 'default.conf'));
  await writeFile(join(dir, 'conf.d', 'resolver.conf'), await renderedResolver(options.resolver));
  await writeFile(
    join(dir, 'conf.d', 'test-paths.conf'),
    ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']
      .map((t) => `${t}_temp_path ${join(dir, t)};\n`)
      .join(''),
  );
  await writeFile(join(dir, 'jobgraph', 'replicas.conf'), await testReplicas(options.replicaPort));
  return dir;
}

/** nginx's command line: the prefix, the pid file inside it, in the foreground. */
const args = (dir: string) => [
  '-p',
  dir,
  '-e',
  'stderr',
  '-c',
  join(dir, 'nginx.conf'),
  '-g',
  `pid ${join(dir, 'nginx.pid')}; daemon off;`,
];

interface Running {
  child: ChildProcess;
  exited: Promise<unknown>;
  output: { stderr: string };
  /** Whether it wrote its pid file; false: it exited (its stderr says why). */
  started: boolean;
}

/** Start nginx in `dir`; resolves once it wrote its pid file (after opening its listening socket), or once it exited. */
async function run(dir: string): Promise<Running> {
  const pidFile = join(dir, 'nginx.pid');
  // stdout is a file, not a pipe: nginx opens /dev/stdout for its access log, which Linux
  // cannot do on the socket Node gives a child for a pipe (ENXIO).
  const stdoutFd = openSync(join(dir, 'stdout.log'), 'a');
  const child = spawn(requirePart('nginx'), args(dir), { stdio: ['ignore', stdoutFd, 'pipe'] });
  closeSync(stdoutFd);
  const output = { stderr: '' };
  child.stderr?.on('data', (c: Buffer) => (output.stderr += c.toString()));
  const exited = once(child, 'exit');
  const started = await pidFileWritten(pidFile, exited);
  if (!started) await exited;
  return { child, exited, output, started };
}

/**
 * Start Debian's nginx in the foreground with the kit's configuration (see `prefix`), the
 * replicas' names looked up through `resolver` (host:port). A port taken between choosing and
 * binding is retried with another.
 */
export async function startNginx(options: {
  resolver: string;
  replicaPort: number;
}): Promise<NginxProcess> {
  const dir = await prefix(options);
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    await writeFile(join(dir, 'jobgraph', 'listen.conf'), await loopbackListen(port));
    let current = await run(dir);
    if (current.started) {
      const stdoutFile = join(dir, 'stdout.log');
      const stop = async () => {
        const { child, exited } = current;
        if (child.exitCode === null && child.signalCode === null) {
          child.kill('SIGTERM');
          await exited;
        }
      };
      return {
        port,
        dir,
        get child() {
          return current.child;
        },
        stderr: () => current.output.stderr,
        logged: (pattern) =>
          new Promise<string>((resolve) => {
            const log = watch(stdoutFile);
            const check = () => {
              const line = readFileSync(stdoutFile, 'utf8')
                .split('\n')
                .find((l) => pattern.test(l));
              if (line === undefined) return;
              log.close();
              resolve(line);
            };
            log.on('change', check);
            check();
          }),
        check: () => {
          // stdout a file, as for the running nginx: `-t` opens the access log too.
          const outFile = join(dir, 'check.log');
          const fd = openSync(outFile, 'w');
          const r = spawnSync(requirePart('nginx'), ['-t', ...args(dir)], {
            stdio: ['ignore', fd, 'pipe'],
            encoding: 'utf8',
          });
          closeSync(fd);
          return { status: r.status, output: `${readFileSync(outFile, 'utf8')}${r.stderr}` };
        },
        restart: async () => {
          await stop();
          const again = await run(dir);
          if (!again.started) throw new Error(`nginx did not start again: ${again.output.stderr}`);
          current = again;
        },
        stop: async () => {
          await stop();
          await rm(dir, { recursive: true, force: true });
        },
      };
    }
    const { stderr } = current.output;
    if (!/Address already in use/.test(stderr)) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${stderr}`);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error('nginx did not start: no free port after 5 attempts');
}
