/**
 * How many concurrent Server-Sent Events streams the kit's nginx carries on this machine: Debian's
 * nginx with the kit's configuration (deploy/nginx/main.conf, deploy/nginx.conf) in front of three
 * real jobgraph replicas (the compiled CLI: `npm run build` first), found by name through the
 * test DNS, as test/deploy/nginx.e2e.test.ts runs them. Opens STREAMS jobUpdates subscriptions
 * (graphql-sse's distinct connections mode: one POST with Accept: text/event-stream each), at
 * most 200 opening at a time, on loopback only; counts those that got their first event, then
 * closes them all and stops. Bounded: every stream is opened once, the whole run gives up after
 * 300 s.
 *
 *   npm run build && node --import tsx test/deploy/support/streamCapacity.ts 8000 [worker_connections]
 *
 * A second argument runs nginx with that worker_connections instead of the kit's (e.g. 1024, the
 * official image's), to see the limit it sets. docs/deployment.md (nginx) has the figures.
 */
import { request, type ClientRequest } from 'node:http';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mintToken } from '../../../src/auth/mintToken.ts';
import { emulatorEnvironment, startEmulators } from '@jobgraph/emulators';
import { startLiveProcess, type LiveProcess } from '../../support/liveProcess.ts';
import { freePort } from '../../support/rawHttp.ts';
import { TestDns } from './dns.ts';
import { shippedReplicaNames, startNginx } from './nginx.ts';

const STREAMS = Number(process.argv[2] ?? 8000);
const WORKER_CONNECTIONS = process.argv[3] ? Number(process.argv[3]) : undefined;
const OPENING = 200;
const GIVE_UP_MS = 300_000;
const SECRET = 'a-stream-capacity-measurement-key-of-32-characters';
const WATCH = JSON.stringify({
  query: 'subscription($ids: [ID!]!) { jobUpdates(ids: $ids) { id state } }',
  variables: { ids: ['importexport:PNDG1'] },
});

/** One stream through nginx at `port`: resolves once it got its first event (true) or failed (false, `fail` told why). */
function openStream(
  port: number,
  authorization: string,
  fail: (why: string) => void,
  open: ClientRequest[],
): Promise<boolean> {
  return new Promise<boolean>((resolve) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        path: '/graphql',
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          accept: 'text/event-stream',
          authorization,
        },
      },
      (res) => {
        if (res.statusCode !== 200) {
          fail(`HTTP ${res.statusCode}`);
          res.resume();
          return resolve(false);
        }
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
          if (text.includes('event: next')) {
            text = '';
            resolve(true);
          }
        });
        res.on('error', () => resolve(false));
        res.on('end', () => resolve(false));
      },
    );
    req.on('error', (err: NodeJS.ErrnoException) => {
      fail(err.code ?? err.message);
      resolve(false);
    });
    req.end(WATCH);
    open.push(req);
  });
}

async function main(): Promise<void> {
  const names = shippedReplicaNames();
  const emulators = await startEmulators();
  const dns = await TestDns.start();
  const port = await freePort();
  const env = {
    ...emulatorEnvironment(emulators),
    PORT: String(port),
    JOBGRAPH_JWT_SECRET: SECRET,
    JOBGRAPH_CURSOR_SECRET: SECRET,
    // One caller opens them all: lift the per-caller cap (20 by default), not the per-process one.
    JOBGRAPH_MAX_SUBSCRIPTIONS_PER_CALLER: '100000',
  };
  const replicas: LiveProcess[] = await Promise.all(
    names.replicas.map((_, i) => startLiveProcess({ ...env, HOST: `127.0.0.${11 + i}` })),
  );
  names.replicas.forEach((name, i) => dns.set(name, [`127.0.0.${11 + i}`]));
  dns.set(
    names.pool,
    names.replicas.map((_, i) => `127.0.0.${11 + i}`),
  );
  const nginx = await startNginx({ resolver: `127.0.0.1:${dns.port}`, replicaPort: port });
  if (WORKER_CONNECTIONS) {
    const main = join(nginx.dir, 'nginx.conf');
    const text = await readFile(main, 'utf8');
    await writeFile(
      main,
      text.replace(/worker_connections \d+;/, `worker_connections ${WORKER_CONNECTIONS};`),
    );
    await nginx.restart();
  }
  const authorization = `Bearer ${await mintToken({ secret: SECRET, scopes: ['jobs:read'] })}`;

  const open: ClientRequest[] = [];
  let streaming = 0;
  let failed = 0;
  const failures = new Map<string, number>();
  const fail = (why: string) => {
    failed++;
    failures.set(why, (failures.get(why) ?? 0) + 1);
  };
  const started = performance.now();
  const stream = () => openStream(nginx.port, authorization, fail, open);
  const giveUp = setTimeout(() => {
    console.error(`gave up after ${GIVE_UP_MS / 1000} s: ${streaming} streaming, ${failed} failed`);
    for (const r of replicas) r.child.kill('SIGKILL');
    nginx.child.kill('SIGTERM');
    process.exit(2);
  }, GIVE_UP_MS);
  for (let next = 0; next < STREAMS;) {
    const batch = Math.min(OPENING, STREAMS - next);
    const results = await Promise.all(Array.from({ length: batch }, stream));
    streaming += results.filter(Boolean).length;
    next += batch;
  }
  const seconds = ((performance.now() - started) / 1000).toFixed(1);
  const warnings = nginx.stderr().match(/worker_connections are not enough/g)?.length ?? 0;
  console.log(
    JSON.stringify({
      streams: STREAMS,
      streaming,
      failed,
      failures: Object.fromEntries(failures),
      seconds,
      workerConnections: WORKER_CONNECTIONS ?? 'the kit’s',
      nginxWarnings: { workerConnectionsNotEnough: warnings },
      rssMb: await Promise.all(replicas.map((r) => rssMb(r.child.pid))),
    }),
  );
  clearTimeout(giveUp);
  for (const req of open) req.destroy();
  await nginx.stop();
  for (const r of replicas) r.child.kill('SIGKILL');
  await Promise.all(replicas.map((r) => r.exited));
  await dns.close();
  await emulators.close();
}

/** A process's resident set, in MB (Linux). */
async function rssMb(pid: number | undefined): Promise<number> {
  const status = await readFile(`/proc/${pid}/status`, 'utf8').catch(() => '');
  return Math.round(Number(/VmRSS:\s+(\d+)/.exec(status)?.[1] ?? 0) / 1024);
}

await main();
