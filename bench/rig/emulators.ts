import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { BenchProvider } from '../lib/ids.ts';
import type { Faults } from '@jobgraph/emulators/framework';
import { REPO_ROOT } from './proc.ts';

/** Each emulator's counters: calls logged so far and TCP connections accepted so far. */
export type CounterSnapshot = Record<BenchProvider, Record<Counter, number>>;
type Counter = 'calls' | 'connections';

/** One logged upstream call, as the bench needs it. */
export interface LoggedCall {
  emulator: BenchProvider;
  /** The provider-level description, e.g. `DescribeJobs 37` or `ListJobs queue` (RecordedCall.operation). */
  operation: string;
  job: string | null;
  status: number;
}

/** Parent → emulator host. */
export type HostRequest =
  | { id: number; op: 'counters' }
  | { id: number; op: 'callsSince'; since: CounterSnapshot }
  | { id: number; op: 'setFaults'; patch: Partial<Faults> }
  | { id: number; op: 'patchImportExportJob'; job: string; patch: Record<string, string> }
  | { id: number; op: 'close' };

/** Emulator host → parent. */
export type HostMessage =
  | { kind: 'ready'; env: Record<string, string>; urls: Record<BenchProvider, string> }
  | { kind: 'reply'; id: number; ok: true; value: unknown }
  | { kind: 'reply'; id: number; ok: false; error: string };

type Pending = { resolve: (v: unknown) => void; reject: (e: Error) => void };
type WithoutId<T> = T extends { id: number } ? Omit<T, 'id'> : never;

export type EmulatorProcess = Awaited<ReturnType<typeof startEmulatorProcess>>;

/** Fork emulatorHost.ts until the emulators listen; `env` is what live mode needs to reach them. */
export async function startEmulatorProcess(
  latencyMs: number,
  options: { jobsPerSource?: number; keepAliveMs?: number; listProgressing?: boolean } = {},
) {
  const file = fileURLToPath(new URL('./emulatorHost.ts', import.meta.url));
  const args = [String(latencyMs), JSON.stringify(options)];
  const child: ChildProcess = fork(file, args, {
    cwd: REPO_ROOT,
    execArgv: ['--import', 'tsx'],
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
  });
  const pending = new Map<number, Pending>();
  let nextId = 1;
  const ready = await new Promise<Extract<HostMessage, { kind: 'ready' }>>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (code) => reject(new Error(`${file} exited early (code ${code})`)));
    child.on('message', (message: HostMessage) => {
      if (message.kind === 'ready') return resolve(message);
      const waiter = pending.get(message.id);
      if (!waiter) return;
      pending.delete(message.id);
      if (message.ok) waiter.resolve(message.value);
      else waiter.reject(new Error(message.error));
    });
  });
  child.removeAllListeners('exit');
  child.on('exit', () => {
    for (const waiter of pending.values()) waiter.reject(new Error(`${file} exited`));
    pending.clear();
  });
  const call = <T>(request: WithoutId<HostRequest>) =>
    new Promise<T>((resolve, reject) => {
      const id = nextId++;
      pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      child.send({ ...request, id });
    });
  const stop = async () => {
    if (child.exitCode !== null) return;
    const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
    await call({ op: 'close' }).catch(() => undefined);
    await exited;
  };
  return {
    pid: child.pid ?? -1,
    env: ready.env,
    urls: ready.urls,
    counters: () => call<CounterSnapshot>({ op: 'counters' }),
    callsSince: (since: CounterSnapshot) => call<LoggedCall[]>({ op: 'callsSince', since }),
    setFaults: (patch: Partial<Faults>) => call<void>({ op: 'setFaults', patch }),
    /** Change fields of an Import/Export demo job (and so of its `synthesize` copies). */
    patchImportExportJob: (job: string, patch: Record<string, string>) =>
      call<void>({ op: 'patchImportExportJob', job, patch }),
    stop,
  };
}

/** Sum of calls (or connections) across the emulators between two snapshots. */
export function delta(before: CounterSnapshot, after: CounterSnapshot, field: Counter): number {
  const names = Object.keys(after) as BenchProvider[];
  return names.reduce((sum, name) => sum + after[name][field] - before[name][field], 0);
}

/** A list call (no job, or a source path ending in `/`), not a describe. */
export const isListCall = (c: LoggedCall): boolean => c.job === null || c.job.endsWith('/');
