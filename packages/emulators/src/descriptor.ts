import type { EmulatorAccounts } from './accounts.ts';
import type { EventSink } from './eventBridge.ts';
import type { ProviderEmulator } from './framework.ts';
import type { JobList, ListOrder } from './listing.ts';
import type { LogStreams } from './logs/streams.ts';
import type { CycleRuns, ProgressPhase } from './progress.ts';

/**
 * The endpoints of jobgraph's configuration (its `Config['endpoints']`) that the demo points at
 * an emulator, as that configuration names them. The package names them itself and imports
 * nothing of the gateway; the gateway's `Config` meets `DemoUpstreams` (index.ts) where it calls
 * `withDemoUpstreams`.
 */
export type UpstreamEndpointName =
  | 'panorama'
  | 'omics'
  | 'codepipeline'
  | 'importexport'
  | 'cosBatch'
  | 'batch'
  | 'sts'
  | 'sqs'
  | 'logs';

/** The global IDs of a progressing job that is a new job each cycle. */
export interface CycleJobIds {
  /** The global ID of the job of the cycle that starts at `cycleStartMs` (ms since 1970). */
  at(cycleStartMs: number): string;
  /** Whether `globalId` is one of its cycles' jobs. */
  is(globalId: string): boolean;
}

/** The global IDs of `runs`, each `globalPrefix` (`batch:us-east-1:`) and the run's own ID. */
export function cycleJobIds(
  globalPrefix: string,
  runs: Pick<CycleRuns<unknown>, 'idAt' | 'cycleStartOf'>,
): CycleJobIds {
  return {
    at: (cycleStartMs) => `${globalPrefix}${runs.idAt(cycleStartMs)}`,
    is: (globalId) =>
      globalId.startsWith(globalPrefix) &&
      runs.cycleStartOf(globalId.slice(globalPrefix.length)) !== null,
  };
}

/**
 * Everything `packages/emulators/src/index.ts` knows of one provider's emulator, as one value: each
 * `packages/emulators/src/<name>/descriptor.ts` exports one, and `packages/emulators/src/registry.ts` lists them.
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
  /** Its fixed port's offset from the base (`jobgraph emulators --port-base`). */
  readonly portOffset: number;
  /**
   * Where clients are pointed at it: the environment variable of the export lines
   * (`AWS_ENDPOINT_URL_BATCH`) and the configuration's endpoint it sets (`withDemoUpstreams`).
   */
  readonly endpoint: { readonly variable: string; readonly config: UpstreamEndpointName };
  /** Its demo data module: `EXAMPLE_GLOBAL_ID`, `DEMO_GLOBAL_IDS`, `ERROR_CASE_GLOBAL_IDS`, … */
  readonly data: Data & { readonly EXAMPLE_GLOBAL_ID: string };
  /**
   * Its job that moves through its states over PROGRESS_CYCLE_MS: one global ID where the job
   * starts again in place each cycle, or (`CycleJobIds`) a new job each cycle where the provider
   * makes a new job per run.
   */
  readonly progressingJobId: string | CycleJobIds;
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
  /**
   * Job IDs as the provider names them that no job of its data has (no demo, listed, big-account,
   * second-account, progressing or error-case job), each valid for the provider's ID pattern: it
   * answers them not found, unless its `synthesize` knob names them or their prefix. Tests and
   * bench make up IDs of their own family, so theirs never meet.
   */
  readonly madeUpIds: MadeUpIds;
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

/** What names an emulator: the first four fields of its `EmulatorDescriptor`. */
export interface EmulatorIdentity<Name extends string> {
  readonly name: Name;
  readonly label: string;
  readonly portOffset: number;
  readonly endpoint: EmulatorDescriptor['endpoint'];
}

/**
 * An AWS service's emulator identity. The AWS SDKs find a service's endpoint in
 * `AWS_ENDPOINT_URL_<SERVICE>`, and jobgraph's configuration names that endpoint as the emulator
 * is named, so both follow from `name`.
 */
export function awsEmulator<Name extends UpstreamEndpointName>(
  name: Name,
  label: string,
  portOffset: number,
): EmulatorIdentity<Name> {
  const endpoint = { variable: `AWS_ENDPOINT_URL_${name.toUpperCase()}`, config: name };
  return { name, label, portOffset, endpoint };
}

/** One emulator's made-up job IDs (`EmulatorDescriptor.madeUpIds`), in families 0–9. */
export interface MadeUpIds {
  /** What every ID of `family` starts with; no family's prefix starts with another's. */
  prefix(family: number): string;
  /**
   * The `n`th ID of `family` (0 ≤ n < 10¹²): its prefix, then `n` in 12 digits. One width for
   * every `n`, so no ID is a prefix of another (the `synthesize` knob matches by prefix).
   */
  id(family: number, n: number): string;
}

/** The digits of a made-up ID's serial: 12, what a UUID's last group holds. */
const MADE_UP_SERIAL_DIGITS = 12;

/** Made-up IDs (`MadeUpIds`) of the given family prefixes, each distinct at `family`'s digit. */
export function madeUpIds(prefix: (family: number) => string): MadeUpIds {
  const family = (f: number) => {
    if (!Number.isInteger(f) || f < 0 || f > 9) throw new RangeError(`made-up ID family ${f}`);
    return prefix(f);
  };
  return {
    prefix: family,
    id: (f, n) => {
      if (!Number.isSafeInteger(n) || n < 0 || n >= 10 ** MADE_UP_SERIAL_DIGITS)
        throw new RangeError(`made-up ID serial ${n}`);
      return family(f) + String(n).padStart(MADE_UP_SERIAL_DIGITS, '0');
    },
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
  /** false: the progressing job is in no list answer (ListOptions); absent: it is. */
  listProgressing?: boolean;
  /**
   * Where an emulator whose provider publishes job events puts them (the SQS emulator's event
   * bus); absent: they are dropped.
   */
  events?: EventSink;
  /** Where an emulator whose jobs write logs puts their lines (the CloudWatch Logs emulator's streams); absent: nowhere. */
  logs?: LogStreams;
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
interface EmulatorListData {
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
