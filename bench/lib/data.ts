import type { EmulatorName } from '../../src/emulators/index.ts';
import type { CounterSnapshot } from './emulatorProtocol.ts';
import type { LoadResult } from './load.ts';
import type { MachineInfo } from './machine.ts';
import type { BatchingRun } from './phases/batching.ts';
import type { RepeatRun } from './phases/cache.ts';
import type { CpuRun } from './phases/cpu.ts';
import type { FairnessRun } from './phases/fairness.ts';
import type { ThroughputRun } from './phases/throughput.ts';
import type { InFlightRun, SoakResult } from './phases/memory.ts';
import type { ProfileSummary } from './profile.ts';
import type { BenchSettings } from './settings.ts';

/** Everything one bench run measured, before it becomes figures. */
export interface BenchData {
  meta: {
    date: string;
    durationS: number;
    machine: MachineInfo;
    packages: Record<string, string>;
    git: { commit: string; dirtyFiles: string[] };
    settings: BenchSettings;
    /** Per gateway process: the jobgraph settings it ran with (secrets left out). */
    gateways: Record<string, Record<string, string>>;
    /** JOBGRAPH_PROVIDER_CONCURRENCY the main gateway used (the config default). */
    providerConcurrency: number;
    tmpDir: string;
  };
  queries: {
    /** Bytes of jobgraph's answer to the 1-job and 20-job throughput queries. */
    oneJobBytes: number;
    twentyJobBytes: number;
    /** The bare baseline answered exactly the same JSON. */
    baselineSameJson: boolean;
    /** Demo jobs, finished ones among them (used for the cache check). */
    demoJobs: number;
    terminalDemoJobs: number;
    terminalWithSecrets: number;
  };
  batching: { entry: 'jobs' | '_entities'; distinct: number; runs: BatchingRun[] }[];
  duplicates: { idsAsked: number; distinctJobs: number; upstreamCalls: number }[];
  latency: { direct: LoadResult[]; gateway: LoadResult[]; whatIf?: { concurrency: number; runs: LoadResult[] } };
  throughput: {
    baselineOne: ThroughputRun[];
    baselineTwenty: ThroughputRun[];
    gatewayOne: ThroughputRun[];
    gatewayTwenty: ThroughputRun[];
    /** The 1-job query on a default-config gateway: a finished job answered from the job cache. */
    cachedOne: ThroughputRun[];
  };
  cpu: {
    runs: CpuRun[];
    /** The same load on the --cpu-prof gateway. */
    profiled?: CpuRun;
    /** Profile of the 100-job load (uncached). */
    profile?: ProfileSummary;
    /** Profile of cache-served 1-job queries: the fixed cost of one request. */
    requestProfile?: ProfileSummary;
  };
  memory: { inFlight: InFlightRun[]; soak: SoakResult };
  connections: {
    afterWarmup: CounterSnapshot;
    afterRuns: CounterSnapshot;
    afterOneJobRuns: CounterSnapshot;
    /** Upstream calls the main gateway made between the two snapshots. */
    callsInWindow: number;
  };
  cache: {
    /** Finished jobs with no value in any sensitive field: the cache may keep them. */
    clean: RepeatRun;
    /** Finished jobs that carry a secret: the cache must not keep them. */
    secretHolding: RepeatRun;
  };
  /** h. Caller B's 1-job query alone and while caller A floods one provider (absent in results from before the phase existed). */
  fairness?: FairnessRun;
}

export type { EmulatorName };
