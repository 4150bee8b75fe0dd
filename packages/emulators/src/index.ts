import {
  createEmulatorAccounts,
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
  type EmulatorAccounts,
} from './accounts.ts';
import * as batchData from './batch/data.ts';
import { SERVICE_JOB_QUEUE } from './batch/queueData.ts';
import type { EmulatorCreateOptions, ListedDemoJob, MadeUpIds } from './descriptor.ts';
import {
  DEMO_AWS_CREDENTIALS,
  DEMO_TENCENT_CREDENTIALS,
  startEmulator,
  type ProviderEmulator,
  type RunningEmulator,
  type StartOptions,
} from './framework.ts';
import { checkJobsPerSource, type ListOrder } from './listing.ts';
import { OMICS_REFERENCE_STORES } from './omics/listData.ts';
import type { ProgressPhase } from './progress.ts';
import { EMULATORS, type AnyEmulator } from './registry.ts';
import { DEMO_EVENT_QUEUE_NAME } from './eventBridge.ts';
import { cyclePoint, PROGRESS_CYCLE_MS } from './progress.ts';
import type { EventSwitches } from './sqs/eventBus.ts';
import { createSqsEmulator, type SqsEmulator } from './sqs/emulator.ts';
import { createStsEmulator } from './sts/emulator.ts';
import { createLogsEmulator } from './logs/emulator.ts';
import { createLogStreams, type LogStreams } from './logs/streams.ts';
export { PROGRESS_CYCLE_MS, type ProgressPhase } from './progress.ts';
export { withDemoUpstreams, type DemoUpstreams } from './upstreams.ts';
export { MAX_JOBS_PER_SOURCE, type ListOrder } from './listing.ts';
export {
  createEmulatorAccounts,
  DEMO_AWS_ACCOUNT_ID,
  DEMO_AWS_USER,
  DEMO_EXTERNAL_ID_ROLE,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
  type AwsSession,
  type EmulatorAccounts,
  type EmulatorRole,
} from './accounts.ts';
export { CODEPIPELINE_SECOND_ACCOUNT_SECRET_VALUES } from './codepipeline/secondAccount.ts';
export { DEMO_KIND_GLOBAL_IDS, EXAMPLE_KIND_GLOBAL_IDS } from './kindExamples.ts';
export { DEMO_EVENT_QUEUE_NAME, type EventBridgeEvent } from './eventBridge.ts';
export {
  NO_EVENT_SWITCHES,
  type DeliveryOutcome,
  type EventBus,
  type EventSwitches,
} from './sqs/eventBus.ts';
export { parseQueueUrl, type SqsEmulator } from './sqs/emulator.ts';
export type { LogEvent, LogStreams, StreamPlace } from './logs/streams.ts';

/** The job providers' emulators: the names of the registry's descriptors (packages/emulators/src/registry.ts). */
export type EmulatorName = AnyEmulator['name'];
/**
 * Every emulator of a set: the providers', STS (the accounts' sessions), SQS (the job events'
 * queues) and CloudWatch Logs (`logs`: the AWS Batch jobs' log lines).
 */
export type EmulatorSetName = EmulatorName | 'sts' | 'sqs' | 'logs';

/** Each emulator's `field`, by its name. */
type ByName<F extends keyof AnyEmulator> = { [D in AnyEmulator as D['name']]: D[F] };

/** A table of one value per emulator, in registry order. */
function byName<T>(value: (d: AnyEmulator) => T): Record<EmulatorName, T> {
  return Object.fromEntries(EMULATORS.map((d) => [d.name, value(d)])) as Record<EmulatorName, T>;
}

/** The STS emulator's port offset (4106 at the default base, as deployments name it); each provider's is in its descriptor. */
const STS_PORT_OFFSET = 6;
/** The SQS emulator's port offset (4108 at the default base). */
const SQS_PORT_OFFSET = 8;
/** The CloudWatch Logs emulator's port offset (4109 at the default base). */
const LOGS_PORT_OFFSET = 9;
/** The environment variable the AWS SDKs (and jobgraph) read CloudWatch Logs' endpoint from. */
export const LOGS_ENDPOINT_VARIABLE = 'AWS_ENDPOINT_URL_CLOUDWATCH_LOGS';

/** Fixed loopback ports used by `jobgraph emulators` (base + offset). */
export const EMULATOR_PORT_OFFSETS: Record<EmulatorSetName, number> = {
  ...byName((d) => d.portOffset),
  sts: STS_PORT_OFFSET,
  sqs: SQS_PORT_OFFSET,
  logs: LOGS_PORT_OFFSET,
};
export const DEFAULT_EMULATOR_PORT_BASE = 4100;

/** Each provider's demo data module (its example, demo and error-case global IDs, …). */
export const DEMO_DATA = byName((d) => d.data) as ByName<'data'>;

/** Per emulator whose describe answer has no status, what moves instead (its descriptor's `noStatus`). */
export const NO_STATUS_NOTES: Readonly<Partial<Record<EmulatorName, string>>> = Object.fromEntries(
  EMULATORS.flatMap((d) => ('noStatus' in d ? [[d.name, d.noStatus]] : [])),
);

/** Every provider's emulator by name, in registry order. */
export const EMULATOR_NAMES: readonly EmulatorName[] = EMULATORS.map((d) => d.name);

/** How many job IDs one describe call of each emulator answers, of one region and account (its descriptor's `idsPerDescribe`). */
export const IDS_PER_DESCRIBE: Readonly<Record<EmulatorName, number>> = byName((d) =>
  'idsPerDescribe' in d ? d.idsPerDescribe : 1,
);

/**
 * The operations each emulator's listing calls, as its call log names them (its descriptor's
 * `list.operations`); none for one without a list operation (CodePipeline).
 */
export const LIST_OPERATIONS: Readonly<Record<EmulatorName, readonly string[]>> = byName((d) =>
  'list' in d ? d.list.operations : [],
);

/** Each emulator's made-up job IDs, which no job of its data has (its descriptor's `madeUpIds`). */
export const MADE_UP_IDS: Readonly<Record<EmulatorName, MadeUpIds>> = byName((d) => d.madeUpIds);

/** The providers as the demo banner names them (`AWS Batch`). */
export const EMULATOR_LABELS: Readonly<Record<EmulatorName, string>> = byName((d) => d.label);

export type EmulatorSet = Record<EmulatorSetName, RunningEmulator> & {
  /** The accounts and STS sessions the set shares (tests read the sessions it issued). */
  accounts: EmulatorAccounts;
  /**
   * The SQS emulator's own side: its queues (`store`, whose `events` tell when a long poll waits
   * or a message is sent), the AccessDenied switch per queue (`deny`) and the event bus the
   * publishing emulators deliver through (`bus`: its delay, duplicate, reorder and loss switches).
   */
  queues: Pick<SqsEmulator, 'store' | 'deny' | 'bus'>;
  /**
   * The CloudWatch Logs emulator's streams: the AWS Batch jobs write theirs as they run; a test
   * puts more (`put`), such as a long stream to page through.
   */
  logStreams: LogStreams;
  /**
   * Publish the progressing jobs' state changes since the last call, at the set's clock. A set on
   * the real clock does it by itself at each phase boundary; a set given `now` only when called.
   */
  publishDue(): void;
  /** The progressing jobs' global IDs now, at the set's clock (`progressingJobIds`). */
  progressingJobIds(): Record<EmulatorName, string>;
  close(): Promise<void>;
};

/** `host` and `faults` go to every emulator of the set (see `StartOptions`). */
export interface StartAllOptions extends Pick<
  StartOptions,
  'host' | 'faults' | 'keepAliveMs' | 'keepCalls'
> {
  /** 0 for ephemeral ports (tests, `npm start`); a base such as 4100 for fixed ports. */
  portBase?: number;
  /** The emulators' clock in ms (signature checks, Date headers, progressing jobs); default Date.now. */
  now?: () => number;
  /** When the progressing jobs' cycle 0 starts, in ms; default `now()` at start, shared by all. */
  epochMs?: number;
  /** The order each list operation answers in; default each provider's (see its emulator). */
  listOrder?: Partial<Record<OrderedEmulatorName, ListOrder>>;
  /**
   * A big account: every listable source holds this many jobs (1..MAX_JOBS_PER_SOURCE), spread
   * over the 90 days before the start, instead of the demo's listed jobs: Panorama and COS Batch
   * each region (of the demo account), HealthOmics each reference store of the demo region,
   * Import/Export the account, AWS Batch each job queue of the demo region. The progressing job
   * counts in its source; the describe fixtures and error-case IDs stay. Default: the demo data
   * (JOBGRAPH_EMULATOR_JOBS_PER_SOURCE).
   */
  jobsPerSource?: number;
  /**
   * false: the progressing jobs are left out of every list answer (describes still answer them),
   * so an unmoving account's lists read the same at every call (the watch moonshot). Default true.
   */
  listProgressing?: boolean;
  /**
   * The accounts registry the STS emulator issues sessions into and the AWS emulators read
   * (whose keys see which account's jobs); default a fresh `createEmulatorAccounts()`.
   */
  accounts?: EmulatorAccounts;
  /** More role ARNs STS lets the default account assume, when `accounts` is not given (see `createEmulatorAccounts`). */
  roles?: readonly string[];
  /** The event bus's delay, duplicate, reorder and loss switches at start (default none; `set.queues.bus` changes them). */
  eventSwitches?: Partial<EventSwitches>;
  /** Random source of the event bus's rates (default Math.random). */
  random?: () => number;
  /**
   * Whether the progressing jobs' state changes are published by themselves, at each phase
   * boundary (`auto`), or only when `set.publishDue()` is called (`manual`). Default: `auto` on
   * the real clock, `manual` when `now` is given (a test's clock does not move with timers).
   */
  publishEvents?: 'auto' | 'manual';
}

/** The region of the demo's event queues: where the publishing emulators' demo jobs live. */
export const DEMO_EVENT_REGION = 'us-east-1';

/**
 * The demo's event queues on the SQS emulator at `sqsUrl`: one per demo AWS account in the
 * demo region, each its account's (`default`, and the second account's under its alias), named
 * DEMO_EVENT_QUEUE_NAME. The Batch, HealthOmics and CodePipeline emulators put their events
 * there.
 */
export function demoEventQueueUrls(sqsUrl: string): { default: string; staging: string } {
  return {
    default: `${sqsUrl}/${DEMO_AWS_ACCOUNT_ID}/${DEMO_EVENT_QUEUE_NAME}`,
    staging: `${sqsUrl}/${DEMO_SECOND_AWS_ACCOUNT.accountId}/${DEMO_EVENT_QUEUE_NAME}`,
  };
}

/** `JOBGRAPH_EVENT_QUEUES` for the demo's queues: the default account's URL, then `staging=<url>`. */
export function demoEventQueuesVariable(sqsUrl: string): string {
  const urls = demoEventQueueUrls(sqsUrl);
  return `${urls.default},${DEMO_SECOND_AWS_ACCOUNT.alias}=${urls.staging}`;
}

/** The emulators with a list operation (CodePipeline has none that only reads). */
export type ListableEmulatorName = Extract<AnyEmulator, { list: unknown }>['name'];

/** The emulators a set starts with list orders and big accounts: the listable ones. */
export type OrderedEmulatorName = ListableEmulatorName;

/** The listable emulators' descriptors, in registry order. */
const LISTABLE = EMULATORS.filter((d): d is Extract<AnyEmulator, { list: unknown }> => 'list' in d);

/** The emulators whose progressing job starts again under its one ID each cycle. */
export type InPlaceEmulatorName = Extract<AnyEmulator, { progressingJobId: string }>['name'];

/**
 * The progressing jobs that start again in place, each cycle under the same global ID (see each
 * one's progressing.ts for why); the others are a new job each cycle (`progressingJobIds`). Not
 * in any `DEMO_GLOBAL_IDS`: the static demo jobs never change, these do.
 */
export const IN_PLACE_PROGRESSING_JOB_IDS: Readonly<Record<InPlaceEmulatorName, string>> =
  Object.freeze(
    Object.fromEntries(
      EMULATORS.flatMap((d) =>
        typeof d.progressingJobId === 'string' ? [[d.name, d.progressingJobId]] : [],
      ),
    ) as Record<InPlaceEmulatorName, string>,
  );

/**
 * The progressing demo jobs at `nowMs`, as global IDs, for a set whose cycle 0 started at
 * `epochMs`: each moves through its provider's real states over PROGRESS_CYCLE_MS (a minute);
 * where the provider makes a new job per run (AWS Batch), the next cycle is a new job, so the ID
 * is the current cycle's.
 */
export function progressingJobIds(nowMs: number, epochMs: number): Record<EmulatorName, string> {
  const { cycleStartMs } = cyclePoint(nowMs, epochMs);
  return byName((d) =>
    typeof d.progressingJobId === 'string'
      ? d.progressingJobId
      : d.progressingJobId.at(cycleStartMs),
  );
}

/** Whether `globalId` names a progressing demo job, of any cycle. */
export function isProgressingJobId(globalId: string): boolean {
  return EMULATORS.some((d) =>
    typeof d.progressingJobId === 'string'
      ? d.progressingJobId === globalId
      : d.progressingJobId.is(globalId),
  );
}

/**
 * Each progressing job's phases: its provider status from `fromMs` to `toMs` of the cycle.
 * CodePipeline's GetJobDetails has no status: its phases are the artifact-credential sessions.
 */
export const PROGRESS_PHASES: Readonly<Record<EmulatorName, readonly ProgressPhase[]>> =
  Object.freeze(byName((d) => d.progressPhases));

/** Start the providers' emulators and STS on loopback, sharing one accounts registry. */
export async function startEmulators(options: StartAllOptions = {}): Promise<EmulatorSet> {
  const now = options.now ?? Date.now;
  const accounts =
    options.accounts ?? createEmulatorAccounts(options.roles ? { roles: options.roles } : {});
  const epochMs = options.epochMs ?? now();
  const jobsPerSource = checkJobsPerSource(options.jobsPerSource);
  const listOrders: Partial<Record<string, ListOrder>> = options.listOrder ?? {};
  const created = (d: AnyEmulator): EmulatorCreateOptions => {
    const listOrder = listOrders[d.name];
    return {
      now,
      epochMs,
      accounts,
      ...(listOrder ? { listOrder } : {}),
      ...(jobsPerSource === undefined ? {} : { jobsPerSource }),
      ...(options.listProgressing === false ? { listProgressing: false } : {}),
    };
  };
  const sqs = createSqsEmulator({
    now,
    accounts,
    ...(options.eventSwitches ? { eventSwitches: options.eventSwitches } : {}),
    ...(options.random ? { random: options.random } : {}),
  });
  for (const accountId of [DEMO_AWS_ACCOUNT_ID, DEMO_SECOND_AWS_ACCOUNT.accountId])
    sqs.store.create(DEMO_EVENT_REGION, accountId, DEMO_EVENT_QUEUE_NAME);
  const logStreams = createLogStreams();
  const emulators: [EmulatorSetName, ProviderEmulator][] = [
    ...EMULATORS.map((d): [EmulatorSetName, ProviderEmulator] => [
      d.name,
      d.create({ ...created(d), events: sqs.bus, logs: logStreams }),
    ]),
    ['sts', createStsEmulator({ now, accounts })],
    ['sqs', sqs],
    ['logs', createLogsEmulator({ now, accounts, streams: logStreams })],
  ];
  const started: Partial<Record<EmulatorSetName, RunningEmulator>> = {};
  try {
    for (const [name, emulator] of emulators) {
      const port = options.portBase ? options.portBase + EMULATOR_PORT_OFFSETS[name] : 0;
      started[name] = await startEmulator(emulator, {
        port,
        host: options.host ?? '127.0.0.1',
        ...(options.faults ? { faults: options.faults } : {}),
        ...(options.keepAliveMs ? { keepAliveMs: options.keepAliveMs } : {}),
        ...(options.keepCalls ? { keepCalls: options.keepCalls } : {}),
      });
    }
  } catch (err) {
    await Promise.all(Object.values(started).map((e) => e.close()));
    throw err;
  }
  const set = started as Record<EmulatorSetName, RunningEmulator>;
  const publishDue = () => {
    for (const [, emulator] of emulators) emulator.publishDue?.();
  };
  const auto = (options.publishEvents ?? (options.now ? 'manual' : 'auto')) === 'auto';
  const stopPublishing = auto ? publishAtBoundaries(now, epochMs, publishDue) : () => undefined;
  return {
    ...set,
    accounts,
    queues: sqs,
    logStreams,
    publishDue,
    progressingJobIds: () => progressingJobIds(now(), epochMs),
    close: async () => {
      stopPublishing();
      await Promise.all(Object.values(set).map((e) => e.close()));
    },
  };
}

/**
 * Call `publish` just after each phase boundary of the progressing jobs (every descriptor's
 * `progressPhases`, and each cycle's start), on the real timers; returns the stop.
 */
function publishAtBoundaries(now: () => number, epochMs: number, publish: () => void): () => void {
  const boundaries = [
    ...new Set(EMULATORS.flatMap((d) => d.progressPhases.map((p) => p.fromMs))),
    PROGRESS_CYCLE_MS,
  ].sort((a, b) => a - b);
  let timer: NodeJS.Timeout | undefined;
  const schedule = () => {
    const { offsetMs } = cyclePoint(now(), epochMs);
    const next = boundaries.find((b) => b > offsetMs) ?? PROGRESS_CYCLE_MS;
    // 1 ms past the boundary, so the new phase is the one read.
    timer = setTimeout(
      () => {
        publish();
        schedule();
      },
      next - offsetMs + 1,
    );
    timer.unref();
  };
  publish(); // records the states the jobs start in (no event for them)
  schedule();
  return () => clearTimeout(timer);
}

/** The prefix of the env variables that hold the second Tencent account's keys (JOBGRAPH_TENCENT_ACCOUNTS). */
export const DEMO_SECOND_TENCENT_ENV_PREFIX = 'JOBGRAPH_DEMO_COS_STAGING';

/**
 * The environment lines that point any client (AWS CLI, SDKs, botocore-based tools, jobgraph
 * live mode) at the emulators: each provider's endpoint variable (its descriptor's), then the
 * demo credentials. `AWS_DEFAULT_REGION` is the region variable the AWS CLI before 2.13 and
 * botocore read; `AWS_DISABLE_HOST_PREFIX_INJECTION` stops botocore from adding Omics'
 * `control-storage-` host prefix to the emulator's address.
 *
 * With the STS emulator in the set (any set `startEmulators` made) also the accounts' lines:
 * `AWS_ENDPOINT_URL_STS`, `AWS_ACCOUNT_ID` (the demo keys' account, which the AWS SDK's env
 * credential provider reads), `JOBGRAPH_AWS_ACCOUNTS` naming the second account's role,
 * `JOBGRAPH_TENCENT_ACCOUNTS` naming the second Tencent account's variable prefix, and that
 * account's `…_SECRET_ID`, `…_SECRET_KEY`, `…_UIN`, `…_APPID`. With the SQS emulator, its
 * `AWS_ENDPOINT_URL_SQS` and `JOBGRAPH_EVENT_QUEUES` naming the demo's event queues
 * (`demoEventQueuesVariable`). With the CloudWatch Logs emulator, `AWS_ENDPOINT_URL_CLOUDWATCH_LOGS`.
 * A set built by hand without `sts`, `sqs` or `logs` (a deployment's fixed addresses) gets the
 * providers' lines only.
 */
export function emulatorEnvironment(
  set: Record<EmulatorName, RunningEmulator> & {
    sts?: RunningEmulator;
    sqs?: RunningEmulator;
    logs?: RunningEmulator;
  },
): Record<string, string> {
  const tencent = DEMO_SECOND_TENCENT_ACCOUNT;
  const events = set.sqs
    ? {
        AWS_ENDPOINT_URL_SQS: set.sqs.url,
        JOBGRAPH_EVENT_QUEUES: demoEventQueuesVariable(set.sqs.url),
      }
    : {};
  const accounts = set.sts
    ? {
        AWS_ENDPOINT_URL_STS: set.sts.url,
        AWS_ACCOUNT_ID: DEMO_AWS_ACCOUNT_ID,
        JOBGRAPH_AWS_ACCOUNTS: `${DEMO_SECOND_AWS_ACCOUNT.alias}=${DEMO_SECOND_AWS_ACCOUNT.roleArn}`,
        JOBGRAPH_TENCENT_ACCOUNTS: `${tencent.alias}=${DEMO_SECOND_TENCENT_ENV_PREFIX}`,
        [`${DEMO_SECOND_TENCENT_ENV_PREFIX}_SECRET_ID`]: tencent.secretId,
        [`${DEMO_SECOND_TENCENT_ENV_PREFIX}_SECRET_KEY`]: tencent.secretKey,
        [`${DEMO_SECOND_TENCENT_ENV_PREFIX}_UIN`]: tencent.uin,
        [`${DEMO_SECOND_TENCENT_ENV_PREFIX}_APPID`]: tencent.appId,
      }
    : {};
  return {
    ...Object.fromEntries(EMULATORS.map((d) => [d.endpoint.variable, set[d.name].url])),
    AWS_ACCESS_KEY_ID: DEMO_AWS_CREDENTIALS.accessKeyId,
    AWS_SECRET_ACCESS_KEY: DEMO_AWS_CREDENTIALS.secretAccessKey,
    AWS_REGION: 'us-east-1',
    AWS_DEFAULT_REGION: 'us-east-1',
    AWS_DISABLE_HOST_PREFIX_INJECTION: 'true',
    TENCENTCLOUD_SECRET_ID: DEMO_TENCENT_CREDENTIALS.secretId,
    TENCENTCLOUD_SECRET_KEY: DEMO_TENCENT_CREDENTIALS.secretKey,
    TENCENTCLOUD_REGION: DEMO_TENCENT_CREDENTIALS.region,
    COS_UIN: DEMO_TENCENT_CREDENTIALS.uin,
    COS_APPID: DEMO_TENCENT_CREDENTIALS.appId,
    ...accounts,
    ...events,
    ...(set.logs ? { [LOGS_ENDPOINT_VARIABLE]: set.logs.url } : {}),
  };
}

/** One example global ID per provider, for the banner and the README. */
export function exampleGlobalIds(): Record<EmulatorName, string> {
  return byName((d) => d.data.EXAMPLE_GLOBAL_ID);
}

/** The reference stores of the demo region (what ListReferenceStores answers there), oldest first. */
export const DEMO_OMICS_REFERENCE_STORE_IDS: readonly string[] = OMICS_REFERENCE_STORES.map(
  (s) => s.id,
);

/**
 * AWS Batch's container job queues of the demo region (what DescribeJobQueues answers there, its
 * service-job queue aside: DEMO_BATCH_SERVICE_QUEUE_NAMES), oldest first.
 */
export const DEMO_BATCH_QUEUE_NAMES: readonly string[] = batchData.BATCH_QUEUES.map(
  (q) => q.jobQueueName,
);

/** AWS Batch's service-job queues (SAGEMAKER_TRAINING) of the demo region. */
export const DEMO_BATCH_SERVICE_QUEUE_NAMES: readonly string[] = [SERVICE_JOB_QUEUE.jobQueueName];

export type { ListedDemoJob, MadeUpIds } from './descriptor.ts';

/**
 * The jobs the list operations show when the emulators started at `anchorMs` (their clock
 * then), each provider's newest first (ties by global ID), without the progressing jobs (their
 * creation time moves with the clock; `progressingJobIds` names them). For tests that check a
 * list against the data. With `jobsPerSource` (as given to `startEmulators`): the big account's
 * jobs of the demo sources (Panorama us-east-1, both reference stores, COS ap-guangzhou,
 * Import/Export, AWS Batch's three queues).
 */
export function listedDemoJobs(
  anchorMs: number,
  options: {
    jobsPerSource?: number;
    /**
     * Whose jobs: the default account's (the default), or the second account's
     * (DEMO_SECOND_AWS_ACCOUNT, DEMO_SECOND_TENCENT_ACCOUNT; `jobsPerSource` does not apply to
     * it). The AWS providers' global IDs are written in today's grammar, which has no account
     * part (the gateway adds its alias as its grammar says); COS's carry the UIN.
     */
    account?: 'default' | 'staging';
  } = {},
): Record<OrderedEmulatorName, ListedDemoJob[]> {
  const newestFirst = (jobs: ListedDemoJob[]) =>
    jobs.sort((a, b) =>
      a.createdAt !== b.createdAt
        ? a.createdAt < b.createdAt
          ? 1
          : -1
        : a.globalId < b.globalId
          ? -1
          : 1,
    );
  const n = checkJobsPerSource(options.jobsPerSource);
  return Object.fromEntries(
    LISTABLE.map((d) => [
      d.name,
      newestFirst(
        options.account === 'staging'
          ? d.list.secondAccount(anchorMs)
          : n !== undefined
            ? d.list.big(anchorMs, n)
            : d.list.demo(anchorMs),
      ),
    ]),
  ) as Record<OrderedEmulatorName, ListedDemoJob[]>;
}

/** One job of an account as each provider names it natively (the parts of its key). */
export type NativeJobs = {
  [D in AnyEmulator as D['name']]: { [K in keyof D['secondAccount']['shared']]: string };
};

/**
 * Per provider, the second account's job whose native ID is exactly a default-account job's
 * (the default account's example job, `exampleGlobalIds()`), with other content: Panorama FAILED
 * (SUCCEEDED in the default account), HealthOmics FAILED (COMPLETED), COS Batch Failed
 * (Complete), Import/Export InProgress (Complete), CodePipeline a Deploy of
 * `staging-storefront-deploy` (a Build of `storefront-release`), AWS Batch FAILED (SUCCEEDED).
 * COS's `uin` is the second account's: COS names the account in the key, the AWS providers do not.
 */
export const SHARED_NATIVE_JOB_IDS: Readonly<NativeJobs> = Object.freeze(
  byName((d) => d.secondAccount.shared) as NativeJobs,
);

/**
 * Per provider, one job only the second account has (its keys find it; the default account's
 * answer the provider's not-found error): Panorama SUCCEEDED, HealthOmics COMPLETED (in the
 * second account's own store), COS Batch Active, Import/Export Complete, CodePipeline a Build,
 * AWS Batch SUCCEEDED.
 */
export function exampleSecondAccountJobs(): NativeJobs {
  return byName((d) => ({ ...d.secondAccount.example })) as NativeJobs;
}
