// The emulators in a process of their own, sharing no event loop with the load or the gateway.
// Messages: emulators.ts. Args: upstream latency ms, startEmulators' options as JSON.
import { emulatorEnvironment, startEmulators } from '@jobgraph/emulators';
import type { StartAllOptions } from '@jobgraph/emulators';
import { DEMO_JOBS as IMPORTEXPORT_DEMO_JOBS } from '@jobgraph/emulators/importexport/data';
import { BENCH_PROVIDERS, type BenchProvider } from '../lib/ids.ts';
import type { CounterSnapshot, HostMessage, HostRequest, LoggedCall } from './emulators.ts';

const latencyMs = Number(process.argv[2] ?? '0');
const set = await startEmulators(JSON.parse(process.argv[3] ?? '{}') as StartAllOptions);
const names = BENCH_PROVIDERS;
for (const name of names) set[name].setFaults({ latencyMs });

const counters = () =>
  Object.fromEntries(
    names.map((n) => [n, { calls: set[n].calls.length, connections: set[n].connections() }]),
  ) as CounterSnapshot;

function callsSince(since: CounterSnapshot): LoggedCall[] {
  return names.flatMap((name) =>
    set[name].calls
      .slice(since[name].calls)
      .map((c) => ({ emulator: name, operation: c.operation, job: c.job, status: c.status })),
  );
}

function handle(request: HostRequest): unknown {
  switch (request.op) {
    case 'counters':
      return counters();
    case 'callsSince':
      return callsSince(request.since);
    case 'setFaults':
      for (const name of names) set[name].setFaults(request.patch);
      return null;
    case 'patchImportExportJob': {
      // Changes the demo job in place, and with it every copy the `synthesize` knob makes of it.
      const job = IMPORTEXPORT_DEMO_JOBS.find((j) => j.JobId === request.job);
      if (!job) throw new Error(`no Import/Export demo job ${request.job}`);
      Object.assign(job, request.patch);
      return null;
    }
  }
}

const urls = Object.fromEntries(names.map((n) => [n, set[n].url])) as Record<BenchProvider, string>;
const send = (message: HostMessage) => process.send?.(message);
const close = () => set.close();
// Each request answered with `handle`'s value or error; `close`, or the parent going away, ends the process.
process.on('message', (request: HostRequest) => {
  const closing = request.op === 'close';
  Promise.resolve()
    .then(() => (closing ? close().then(() => null) : handle(request)))
    .then(
      (value) => send({ kind: 'reply', id: request.id, ok: true, value }),
      (err: unknown) => {
        const error = err instanceof Error ? err.message : String(err);
        send({ kind: 'reply', id: request.id, ok: false, error });
      },
    )
    .finally(() => closing && setImmediate(() => process.exit(0)));
});
process.on('disconnect', () => void close().finally(() => process.exit(0)));
send({ kind: 'ready', env: emulatorEnvironment(set), urls });
