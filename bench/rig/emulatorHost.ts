/**
 * Child process that runs the five provider emulators and AWS Batch's, so they do not share an
 * event loop with the load generator or the gateway. Talks to the harness over the fork IPC channel
 * (see emulatorProtocol.ts). Arguments: the upstream latency in ms, set through the fault knobs;
 * optionally the jobs of each listable source (a big account, startEmulators' `jobsPerSource`).
 */
import { emulatorEnvironment, startEmulators } from '../../src/emulators/index.ts';
import { DEMO_JOBS as IMPORTEXPORT_DEMO_JOBS } from '../../src/emulators/importexport/data.ts';
import { PROVIDERS } from '../lib/ids.ts';
import {
  serveHost,
  type CounterSnapshot,
  type HostedEmulator,
  type HostedUrls,
  type HostRequest,
  type LoggedCall,
} from './emulatorProtocol.ts';

const latencyMs = Number(process.argv[2] ?? '0');
const jobsPerSource = process.argv[3] === undefined ? undefined : Number(process.argv[3]);
const set = await startEmulators(jobsPerSource === undefined ? {} : { jobsPerSource });
const names: readonly HostedEmulator[] = [...PROVIDERS, 'batch'];
for (const name of names) set[name].setFaults({ latencyMs });

function counters(): CounterSnapshot {
  const out = {} as CounterSnapshot;
  for (const name of names)
    out[name] = { calls: set[name].calls.length, connections: set[name].connections() };
  return out;
}

function callsSince(since: CounterSnapshot): LoggedCall[] {
  return names.flatMap((name) =>
    set[name].calls
      .slice(since[name].calls)
      .map((c) => ({ emulator: name, job: c.job, status: c.status })),
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

const urls = Object.fromEntries(names.map((n) => [n, set[n].url])) as HostedUrls;
serveHost({ env: emulatorEnvironment(set), urls }, handle, () => set.close());
