import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, openSync, readFileSync, watch } from 'node:fs';
import { chmod, mkdtemp, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from '../../support/rawHttp.ts';
import { requirePart } from '../../support/realParts.ts';

const DEPLOY = fileURLToPath(new URL('../../../deploy/', import.meta.url));
/** The shipped configuration: http-context directives that include jobgraph/upstreams.conf and jobgraph/listen.conf. */
export const NGINX_CONF = join(DEPLOY, 'nginx.conf');
const SHIPPED_UPSTREAMS = join(DEPLOY, 'nginx', 'upstreams.conf');
const SHIPPED_LISTEN = join(DEPLOY, 'nginx', 'listen.conf');

/** nginx run by a test: its port on 127.0.0.1, and what it printed. */
export interface NginxProcess {
  port: number;
  child: ChildProcess;
  /** What nginx printed on stderr so far (its error log). */
  stderr(): string;
  /** Resolves once nginx's access log (its stdout) has a line matching `pattern`: nginx writes it after the response. */
  logged(pattern: RegExp): Promise<string>;
  /** Stop nginx (SIGQUIT would wait for the streams: SIGTERM is its fast shutdown) and remove its directory. */
  stop(): Promise<void>;
}

/**
 * The shipped upstreams.conf with each replica's `host:port` replaced, in order, by one of
 * `ports` on 127.0.0.1: the `server` parameters (max_fails, fail_timeout) are the shipped ones.
 */
export async function loopbackUpstreams(ports: number[]): Promise<string> {
  const shipped = await readFile(SHIPPED_UPSTREAMS, 'utf8');
  const servers = [...shipped.matchAll(/^\s*server\s+(\S+)(.*);\s*$/gm)];
  if (servers.length !== ports.length)
    throw new Error(
      `deploy/nginx/upstreams.conf names ${servers.length} replicas; the test runs ${ports.length}`,
    );
  return servers.map((m, i) => `server 127.0.0.1:${ports[i]}${m[2]};`).join('\n') + '\n';
}

/** The shipped listen.conf with its port replaced by `port` on 127.0.0.1 (the shipped one listens on every address). */
export async function loopbackListen(port: number): Promise<string> {
  const shipped = await readFile(SHIPPED_LISTEN, 'utf8');
  const lines = [...shipped.matchAll(/^\s*listen\s+(\d+)(.*);\s*$/gm)];
  if (lines.length !== 1) throw new Error('deploy/nginx/listen.conf: expected one listen line');
  return `listen 127.0.0.1:${port}${(lines[0] as RegExpMatchArray)[2]};\n`;
}

/**
 * Start Debian's nginx in the foreground (`daemon off`) with its own prefix directory: a main
 * configuration that includes deploy/nginx.conf unchanged, the loopback upstreams.conf and
 * listen.conf beside it. Resolves once nginx has written its pid file (after it opened its
 * listening socket); a port taken between choosing and binding is retried with another.
 */
export async function startNginx(upstreamPorts: number[]): Promise<NginxProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'jobgraph-nginx-'));
  // Run as root, nginx's workers are `nobody`: they must reach the temp directories below.
  await chmod(dir, 0o755);
  await mkdir(join(dir, 'jobgraph'));
  await writeFile(join(dir, 'jobgraph', 'upstreams.conf'), await loopbackUpstreams(upstreamPorts));
  const pidFile = join(dir, 'nginx.pid');
  await writeFile(
    join(dir, 'nginx.conf'),
    [
      'daemon off;',
      'worker_processes 1;',
      `pid ${pidFile};`,
      'error_log stderr warn;',
      'events { worker_connections 1024; }',
      'http {',
      // No log outside the prefix (run as another user than root, nginx could not open it);
      // deploy/nginx.conf's server logs to stdout.
      '  access_log off;',
      `  client_body_temp_path ${join(dir, 'client_body')};`,
      `  proxy_temp_path ${join(dir, 'proxy')};`,
      `  fastcgi_temp_path ${join(dir, 'fastcgi')};`,
      `  uwsgi_temp_path ${join(dir, 'uwsgi')};`,
      `  scgi_temp_path ${join(dir, 'scgi')};`,
      `  include ${NGINX_CONF};`,
      '}',
      '',
    ].join('\n'),
  );
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    await writeFile(join(dir, 'jobgraph', 'listen.conf'), await loopbackListen(port));
    // stdout is a file, not a pipe: nginx opens /dev/stdout for its access log, which Linux
    // cannot do on the socket Node gives a child for a pipe (ENXIO).
    const stdoutFile = join(dir, 'stdout.log');
    const stdoutFd = openSync(stdoutFile, 'a');
    const child = spawn(
      requirePart('nginx'),
      ['-p', dir, '-e', 'stderr', '-c', join(dir, 'nginx.conf')],
      {
        stdio: ['ignore', stdoutFd, 'pipe'],
      },
    );
    closeSync(stdoutFd);
    const output = { stderr: '' };
    child.stderr?.on('data', (c: Buffer) => (output.stderr += c.toString()));
    const exited = once(child, 'exit');
    const watcher = watch(dir);
    const started = await new Promise<boolean>((resolve) => {
      const check = () => existsSync(pidFile) && resolve(true);
      watcher.on('change', check);
      void exited.then(() => resolve(false));
      check();
    }).finally(() => watcher.close());
    if (started)
      return {
        port,
        child,
        stderr: () => output.stderr,
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
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) {
            child.kill('SIGTERM');
            await exited;
          }
          await rm(dir, { recursive: true, force: true });
        },
      };
    if (!/Address already in use/.test(output.stderr)) {
      await rm(dir, { recursive: true, force: true });
      throw new Error(`nginx did not start: ${output.stderr}`);
    }
  }
  await rm(dir, { recursive: true, force: true });
  throw new Error('nginx did not start: no free port after 5 attempts');
}
