// `npm run bench:startup`: the jobgraph command's start-up beside bare `node -e 0` (bench/README.md).
import { spawn } from 'node:child_process';
import { exampleGlobalIds } from '@jobgraph/emulators';
import { post } from './lib/queries.ts';
import { childEnv, int } from './lib/settings.ts';
import { REPO_ROOT, sleep, waitForIdle } from './rig/proc.ts';
import { table } from './rig/report.ts';
import { logger, release, runBench, startStack, type Stack } from './rig/stack.ts';
import { median } from './rig/stats.ts';

const BIN = 'bin/jobgraph.mjs';
const RUNS = int('BENCH_STARTUP_RUNS', 7, 1, 100);
const SECRET = 'bench-startup-secret-that-is-long-enough-0123456789';

/** Goals from issue 11. */
const GOALS = { cliFactor: 4, liveMs: 1500, idleMb: 120 };

/** Wall time, in ms, from spawn to exit of `node <args>` from the repo root; throws unless it exits 0. */
function timeExit(args: readonly string[], env: Record<string, string>) {
  return new Promise<number>((resolve, reject) => {
    const started = process.hrtime.bigint();
    const child = spawn(process.execPath, args, { cwd: REPO_ROOT, env, stdio: 'pipe' });
    let stderr = '';
    child.stdout.resume();
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('exit', (code) => {
      if (code === 0) resolve(Number(process.hrtime.bigint() - started) / 1e6);
      else reject(new Error(`node ${args.join(' ')} exited ${code}: ${stderr}`));
    });
  });
}

type LiveRun = Awaited<ReturnType<typeof liveRun>>;

/** Start live mode against the emulators; time to the first 200 from /readyz, then idle RSS. */
async function liveRun(stack: Stack, ids: string[]) {
  const gateway = await stack.gateway({ label: 'startup' });
  const idleMb = async () => {
    await waitForIdle(gateway.pid, 10_000);
    await sleep(500);
    return gateway.rss() / 2 ** 20;
  };
  try {
    const afterStart = await idleMb();
    const query = `query($ids: [ID!]!) { jobs(ids: $ids) { id state providerStatus } }`;
    const body = JSON.stringify({ query, variables: { ids } });
    const res = await post(gateway.url, body, stack.headers, 'dashboard query');
    if ((res.json.data?.jobs as unknown[] | undefined)?.length !== ids.length)
      throw new Error(`dashboard query answered: ${res.text.slice(0, 500)}`);
    return { readyMs: gateway.readyMs, idleMb: afterStart, afterQueryMb: await idleMb() };
  } finally {
    await release(gateway);
  }
}

const fmt = (n: number): string => (n >= 100 ? n.toFixed(0) : n.toFixed(1));

async function main(): Promise<void> {
  const bare: number[] = [];
  const help: number[] = [];
  const tokenRuns: number[] = [];
  const tokenEnv = { ...childEnv(), JOBGRAPH_JWT_SECRET: SECRET };
  await timeExit([BIN, '--help'], childEnv()); // warm the file cache once, unmeasured
  // Interleaved so that a busy moment of the machine falls on every command alike.
  for (let r = 0; r < RUNS; r++) {
    bare.push(await timeExit(['-e', '0'], childEnv()));
    help.push(await timeExit([BIN, '--help'], childEnv()));
    tokenRuns.push(await timeExit([BIN, 'token'], tokenEnv));
  }
  const stack = await startStack();
  const live: LiveRun[] = [];
  const ids = Object.values(exampleGlobalIds());
  for (let r = 0; r < Math.min(RUNS, 3); r++) live.push(await liveRun(stack, ids));
  await release(stack.emulators);

  const bareMs = median(bare);
  const met = (ok: boolean) => (ok ? 'yes' : 'NO');
  const rows = [['bare `node -e 0`', `${fmt(bareMs)} ms`, '—', '']];
  const cli = (label: string, runs: number[]) => {
    const ms = median(runs);
    rows.push([
      label,
      `${fmt(ms)} ms (${fmt(ms / bareMs)}× bare node)`,
      `≤ ${GOALS.cliFactor}× bare node`,
      met(ms <= GOALS.cliFactor * bareMs),
    ]);
  };
  cli('`jobgraph --help`', help);
  cli('`jobgraph token`', tokenRuns);
  // The live runs' median of `of`, against the goal `limit` in `unit`.
  const liveRow = (label: string, of: (l: LiveRun) => number, unit: string, limit: number) => {
    const value = median(live.map(of));
    rows.push([label, `${fmt(value)} ${unit}`, `≤ ${limit} ${unit}`, met(value <= limit)]);
  };
  liveRow('live mode: spawn → /readyz 200', (l) => l.readyMs, 'ms', GOALS.liveMs);
  liveRow('live mode: idle RSS after start', (l) => l.idleMb, 'MB', GOALS.idleMb);
  liveRow(
    'live mode: idle RSS after one 5-provider `jobs` query',
    (l) => l.afterQueryMb,
    'MB',
    GOALS.idleMb,
  );

  const lines = [
    `# jobgraph start-up (node ${process.version}, ${RUNS} runs, medians; live mode ${live.length} runs)`,
    '',
    ...table(['what', 'measured', 'goal', 'met'], rows),
    '',
    `runs (ms): bare ${bare.map(fmt).join(', ')}; --help ${help.map(fmt).join(', ')}; token ${tokenRuns.map(fmt).join(', ')}; live ready ${live.map((l) => fmt(l.readyMs)).join(', ')}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
}

runBench(logger('startup'), main);
