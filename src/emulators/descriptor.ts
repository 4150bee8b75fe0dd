import type { Config } from '../config/index.ts';
import type { EmulatorAccounts } from './accounts.ts';
import type { ProviderEmulator } from './framework.ts';
import type { JobList, ListOrder } from './listing.ts';
import type { ProgressPhase } from './progress.ts';

/**
 * Everything `src/emulators/index.ts` knows of one provider's emulator, as one value: each
 * `src/emulators/<name>/descriptor.ts` exports one, and `src/emulators/registry.ts` lists them.
 * The set's start, its ports, its environment lines, the demo banner and the tables tests and
 * bench read (progressing jobs, example IDs, listed jobs, the second account's jobs) iterate that
 * list and never name a provider.
 */
export interface EmulatorDescriptor<
  Name extends string = string,
  Data = unknown,
  Native = unknown,
> {
  /** The emulator's name (`batch`): the key of its entry in every per-emulator table. */
  readonly name: Name;
  /** The provider as people name it, as the demo banner shows it (`AWS Batch`). */
  readonly label: string;
  /** Its fixed port's offset from the base (`npx jobgraph emulators --port-base`). */
  readonly portOffset: number;
  /**
   * Where clients are pointed at it: the environment variable of the export lines
   * (`AWS_ENDPOINT_URL_BATCH`) and the configuration's endpoint it sets (`withDemoUpstreams`).
   */
  readonly endpoint: { readonly variable: string; readonly config: keyof Config['endpoints'] };
  /** Its demo data module: `EXAMPLE_GLOBAL_ID`, `DEMO_GLOBAL_IDS`, `ERROR_CASE_GLOBAL_IDS`, … */
  readonly data: Data & { readonly EXAMPLE_GLOBAL_ID: string };
  /** The global ID of its job that moves through its states over PROGRESS_CYCLE_MS. */
  readonly progressingJobId: string;
  /** That job's phases: its provider status from `fromMs` to `toMs` of the cycle. */
  readonly progressPhases: readonly ProgressPhase[];
  /**
   * Present when its describe answer has no status (CodePipeline): what moves instead, as the
   * demo banner notes it; such a job is left out of the banner's watch example.
   */
  readonly noStatus?: string;
  /**
   * How many job IDs one of its describe calls answers, of one region and account (AWS Batch's
   * DescribeJobs: up to 100); absent: one ID a call. What N job IDs cost upstream follows from it.
   */
  readonly idsPerDescribe?: number;
  /** The emulator, with the set's clock and accounts (and list settings, for a listable one). */
  create(options: EmulatorCreateOptions): ProviderEmulator;
  /** Its list operation's demo jobs; absent when it has none that only reads (CodePipeline). */
  readonly list?: EmulatorListData;
  /** The second demo account's jobs as the provider names them natively (`NativeJobs`). */
  readonly secondAccount: {
    /** Its job whose native ID is exactly the default account's example job's, with other content. */
    readonly shared: Native;
    /** A job only the second account has. */
    readonly example: Native;
  };
}

/** What `startEmulators` gives each descriptor's `create`. */
export interface EmulatorCreateOptions {
  now: () => number;
  epochMs: number;
  accounts: EmulatorAccounts;
  /** Absent: the provider's own order. */
  listOrder?: ListOrder;
  /** Absent: the demo's listed jobs. */
  jobsPerSource?: number;
}

/** One job a demo list operation shows. */
export interface ListedDemoJob {
  globalId: string;
  /** ISO-8601 UTC with milliseconds, as jobgraph normalises times. */
  createdAt: string;
  /** The status GetStatus/DescribeJob/… answers (Import/Export's list summary itself has none). */
  providerStatus: string;
}

/** A listable emulator's jobs as `listedDemoJobs` shows them, in any order, progressing job left out. */
export interface EmulatorListData {
  /**
   * The operations listing calls (as its call log names them): its list operation and any that
   * finds what to list (HealthOmics' reference stores, AWS Batch's job queues). None of them
   * describes a job.
   */
  readonly operations: readonly string[];
  /** The default account's listed jobs, when the emulators started at `anchorMs`. */
  demo(anchorMs: number): ListedDemoJob[];
  /** The big account's (`jobsPerSource` = `n`) jobs of the demo sources. */
  big(anchorMs: number, n: number): ListedDemoJob[];
  /** The second account's listed jobs. */
  secondAccount(anchorMs: number): ListedDemoJob[];
}

/** A generated source's jobs as listed demo jobs, each global ID made by `globalId`. */
export function listedEntries(
  list: Pick<JobList<unknown>, 'entries'>,
  globalId: (id: string) => string,
  createdAt = (ms: number) => new Date(ms).toISOString(),
): ListedDemoJob[] {
  return list.entries().map((e) => ({
    globalId: globalId(e.id),
    createdAt: createdAt(e.createdMs),
    providerStatus: e.status,
  }));
}

/** A wire time as jobgraph normalises it: epoch seconds (a number) or an ISO-8601 string. */
export function isoOf(value: string | number): string {
  return new Date(typeof value === 'number' ? value * 1000 : value).toISOString();
}
