import { createBatchEmulator } from './batch/emulator.ts';
import * as batchData from './batch/data.ts';
import { BATCH_BIG_ACCOUNT } from './batch/listData.ts';
import { BATCH_PROGRESSING_JOB_ID } from './batch/progressing.ts';
import { batchSecondAccountJobs } from './batch/secondAccount.ts';
import { createCodePipelineEmulator } from './codepipeline/emulator.ts';
import * as codepipelineData from './codepipeline/data.ts';
import { createCosBatchEmulator } from './cosbatch/emulator.ts';
import * as cosbatchData from './cosbatch/data.ts';
import {
  DEMO_AWS_CREDENTIALS,
  DEMO_TENCENT_CREDENTIALS,
  startEmulator,
  type ProviderEmulator,
  type RunningEmulator,
  type StartOptions,
} from './framework.ts';
import type { Config } from '../config/index.ts';
import { createImportExportEmulator } from './importexport/emulator.ts';
import * as importexportData from './importexport/data.ts';
import { createOmicsEmulator } from './omics/emulator.ts';
import * as omicsData from './omics/data.ts';
import { createPanoramaEmulator } from './panorama/emulator.ts';
import * as panoramaData from './panorama/data.ts';
import {
  CODEPIPELINE_PROGRESSING_JOB_ID,
  CODEPIPELINE_PROGRESS_PHASES,
} from './codepipeline/progressing.ts';
import { COS_PROGRESSING_JOB_ID, COS_PROGRESS_PHASES } from './cosbatch/progressing.ts';
import {
  IMPORTEXPORT_PROGRESSING_JOB_ID,
  IMPORTEXPORT_PROGRESS_PHASES,
} from './importexport/progressing.ts';
import { OMICS_PROGRESSING_JOB_ID, OMICS_PROGRESS_PHASES } from './omics/progressing.ts';
import { PANORAMA_PROGRESSING_JOB_ID, PANORAMA_PROGRESS_PHASES } from './panorama/progressing.ts';
import { bigAccountJobs, checkJobsPerSource, type ListOrder } from './listing.ts';
import type { ProgressPhase } from './progress.ts';
import { COS_BIG_ACCOUNT, cosListedJobs } from './cosbatch/listData.ts';
import { importExportBigJobs, importExportListedJobs } from './importexport/listData.ts';
import { OMICS_BIG_ACCOUNT, OMICS_REFERENCE_STORES, omicsListedJobs } from './omics/listData.ts';
import { PANORAMA_BIG_ACCOUNT, panoramaListedJobs } from './panorama/listData.ts';
import {
  createEmulatorAccounts,
  DEMO_AWS_ACCOUNT_ID,
  DEMO_SECOND_AWS_ACCOUNT,
  DEMO_SECOND_TENCENT_ACCOUNT,
  type EmulatorAccounts,
} from './accounts.ts';
import { COS_SECOND_ACCOUNT_JOB_IDS, cosSecondAccountJobs } from './cosbatch/secondAccount.ts';
import { CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS } from './codepipeline/secondAccount.ts';
import {
  IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS,
  importExportSecondAccountJobs,
} from './importexport/secondAccount.ts';
import {
  OMICS_SECOND_ACCOUNT_JOB_IDS,
  OMICS_SECOND_ACCOUNT_STORE_IDS,
  omicsSecondAccountJobs,
} from './omics/secondAccount.ts';
import {
  PANORAMA_SECOND_ACCOUNT_JOB_IDS,
  PANORAMA_SECOND_ACCOUNT_REGION,
  panoramaSecondAccountJobs,
} from './panorama/secondAccount.ts';
import { createStsEmulator } from './sts/emulator.ts';
export { PROGRESS_CYCLE_MS, type ProgressPhase } from './progress.ts';
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

/**
 * The five job providers' emulators the per-provider tables below (and the tests' and bench's)
 * cover; AWS Batch's emulator is in every set (`EmulatorSetName`) but not yet in these tables.
 */
export type EmulatorName = Exclude<ProviderEmulator['name'], 'sts' | 'batch'>;
/** Every emulator of a set: the five providers' and STS (the accounts' sessions). */
export type EmulatorSetName = ProviderEmulator['name'];

/** Fixed loopback ports used by `npx jobgraph emulators` (base + offset). */
export const EMULATOR_PORT_OFFSETS: Record<EmulatorSetName, number> = {
  panorama: 1,
  omics: 2,
  cosbatch: 3,
  importexport: 4,
  codepipeline: 5,
  sts: 6,
  batch: 7,
};
export const DEFAULT_EMULATOR_PORT_BASE = 4100;

export const DEMO_DATA = {
  panorama: panoramaData,
  omics: omicsData,
  cosbatch: cosbatchData,
  importexport: importexportData,
  codepipeline: codepipelineData,
} as const;

export type EmulatorSet = Record<EmulatorSetName, RunningEmulator> & {
  /** The accounts and STS sessions the set shares (tests read the sessions it issued). */
  accounts: EmulatorAccounts;
  close(): Promise<void>;
};

/** `host` and `faults` go to every emulator of the set (see `StartOptions`). */
export interface StartAllOptions extends Pick<StartOptions, 'host' | 'faults'> {
  /** 0 for ephemeral ports (tests, `npm start`); a base such as 4100 for fixed ports. */
  portBase?: number;
  /** The emulators' clock in ms (signature checks, Date headers, progressing jobs); default Date.now. */
  now?: () => number;
  /** When the progressing jobs' cycle 0 starts, in ms; default `now()` at start, shared by all five. */
  epochMs?: number;
  /** The order each list operation answers in; default each provider's (see its emulator). */
  listOrder?: Partial<Record<OrderedEmulatorName, ListOrder>>;
  /**
   * A big account: every listable source holds this many jobs (1..MAX_JOBS_PER_SOURCE), spread
   * over the 90 days before the start, instead of the demo's listed jobs: Panorama and COS Batch
   * each region (of the demo account), HealthOmics each reference store of the demo region,
   * Import/Export the account. The progressing job counts in its source; the describe fixtures
   * and error-case IDs stay. Default: the demo data (JOBGRAPH_EMULATOR_JOBS_PER_SOURCE).
   */
  jobsPerSource?: number;
  /**
   * The accounts registry the STS emulator issues sessions into and the four AWS emulators
   * read (whose keys see which account's jobs); default a fresh `createEmulatorAccounts()`.
   */
  accounts?: EmulatorAccounts;
  /** More role ARNs STS lets the default account assume, when `accounts` is not given (see `createEmulatorAccounts`). */
  roles?: readonly string[];
}

/** The emulators with a list operation (CodePipeline has none that only reads). */
export type ListableEmulatorName = Exclude<EmulatorName, 'codepipeline'>;

/** The emulators a set starts with list orders and big accounts: the listable five and AWS Batch. */
export type OrderedEmulatorName = ListableEmulatorName | 'batch';

/**
 * The five progressing demo jobs, as global IDs: each moves through its provider's real states
 * over PROGRESS_CYCLE_MS (a minute), then starts again. Not in any `DEMO_GLOBAL_IDS`: the static
 * demo jobs never change, these do.
 */
export const PROGRESSING_JOB_IDS: Readonly<Record<EmulatorName | 'batch', string>> = Object.freeze({
  panorama: `panorama:${panoramaData.PANORAMA_DEMO_REGION}:${PANORAMA_PROGRESSING_JOB_ID}`,
  omics: `omics:${omicsData.OMICS_DEMO_REGION}:${omicsData.OMICS_DEMO_REFERENCE_STORE_ID}:${OMICS_PROGRESSING_JOB_ID}`,
  cosbatch: `cos:${DEMO_TENCENT_CREDENTIALS.region}:${DEMO_TENCENT_CREDENTIALS.uin}:${COS_PROGRESSING_JOB_ID}`,
  importexport: `importexport:${IMPORTEXPORT_PROGRESSING_JOB_ID}`,
  codepipeline: `codepipeline:${codepipelineData.DEMO_REGION}:${CODEPIPELINE_PROGRESSING_JOB_ID}`,
  batch: batchData.batchGlobalId(BATCH_PROGRESSING_JOB_ID),
});

/**
 * Each progressing job's phases: its provider status from `fromMs` to `toMs` of the cycle.
 * CodePipeline's GetJobDetails has no status: its phases are the artifact-credential sessions.
 */
export const PROGRESS_PHASES: Readonly<Record<EmulatorName, readonly ProgressPhase[]>> =
  Object.freeze({
    panorama: PANORAMA_PROGRESS_PHASES,
    omics: OMICS_PROGRESS_PHASES,
    cosbatch: COS_PROGRESS_PHASES,
    importexport: IMPORTEXPORT_PROGRESS_PHASES,
    codepipeline: CODEPIPELINE_PROGRESS_PHASES,
  });

/** `base` with every provider pointed at `emulators` and the demo credentials they accept. */
export function withDemoUpstreams(base: Config, emulators: EmulatorSet): Config {
  return {
    ...base,
    endpoints: {
      panorama: emulators.panorama.url,
      omics: emulators.omics.url,
      codepipeline: emulators.codepipeline.url,
      importexport: emulators.importexport.url,
      cosBatch: emulators.cosbatch.url,
      batch: emulators.batch.url,
      sts: emulators.sts.url,
    },
    awsCredentials: { ...DEMO_AWS_CREDENTIALS, accountId: DEMO_AWS_ACCOUNT_ID },
    // The demo's second account, then any the environment names (a role the emulated STS
    // refuses shows an account that cannot be assumed).
    awsAccounts: [
      {
        alias: DEMO_SECOND_AWS_ACCOUNT.alias,
        roleArn: DEMO_SECOND_AWS_ACCOUNT.roleArn,
        accountId: DEMO_SECOND_AWS_ACCOUNT.accountId,
        externalId: null,
      },
      ...base.awsAccounts.filter((a) => a.alias !== DEMO_SECOND_AWS_ACCOUNT.alias),
    ],
    tencent: {
      credentials: {
        secretId: DEMO_TENCENT_CREDENTIALS.secretId,
        secretKey: DEMO_TENCENT_CREDENTIALS.secretKey,
      },
      region: DEMO_TENCENT_CREDENTIALS.region,
      uin: DEMO_TENCENT_CREDENTIALS.uin,
      appId: DEMO_TENCENT_CREDENTIALS.appId,
      accounts: [
        {
          alias: DEMO_SECOND_TENCENT_ACCOUNT.alias,
          uin: DEMO_SECOND_TENCENT_ACCOUNT.uin,
          appId: DEMO_SECOND_TENCENT_ACCOUNT.appId,
          credentials: {
            secretId: DEMO_SECOND_TENCENT_ACCOUNT.secretId,
            secretKey: DEMO_SECOND_TENCENT_ACCOUNT.secretKey,
          },
        },
      ],
    },
  };
}

/** Start the five providers' emulators and STS on loopback, sharing one accounts registry. */
export async function startEmulators(options: StartAllOptions = {}): Promise<EmulatorSet> {
  const now = options.now ?? Date.now;
  const accounts =
    options.accounts ?? createEmulatorAccounts(options.roles ? { roles: options.roles } : {});
  const opts = { now, epochMs: options.epochMs ?? now(), accounts };
  const jobsPerSource = checkJobsPerSource(options.jobsPerSource);
  const order = (name: OrderedEmulatorName) => {
    const listOrder = options.listOrder?.[name];
    return {
      ...opts,
      ...(listOrder ? { listOrder } : {}),
      ...(jobsPerSource === undefined ? {} : { jobsPerSource }),
    };
  };
  const emulators: Record<EmulatorSetName, ProviderEmulator> = {
    panorama: createPanoramaEmulator(order('panorama')),
    omics: createOmicsEmulator(order('omics')),
    cosbatch: createCosBatchEmulator(order('cosbatch')),
    importexport: createImportExportEmulator(order('importexport')),
    codepipeline: createCodePipelineEmulator(opts),
    batch: createBatchEmulator(order('batch')),
    sts: createStsEmulator({ now, accounts }),
  };
  const started: Partial<Record<EmulatorSetName, RunningEmulator>> = {};
  try {
    for (const [name, emulator] of Object.entries(emulators) as [
      EmulatorSetName,
      ProviderEmulator,
    ][]) {
      const port = options.portBase ? options.portBase + EMULATOR_PORT_OFFSETS[name] : 0;
      started[name] = await startEmulator(emulator, {
        port,
        host: options.host ?? '127.0.0.1',
        ...(options.faults ? { faults: options.faults } : {}),
      });
    }
  } catch (err) {
    await Promise.all(Object.values(started).map((e) => e.close()));
    throw err;
  }
  const set = started as Record<EmulatorSetName, RunningEmulator>;
  return {
    ...set,
    accounts,
    close: async () => void (await Promise.all(Object.values(set).map((e) => e.close()))),
  };
}

/** The prefix of the env variables that hold the second Tencent account's keys (JOBGRAPH_TENCENT_ACCOUNTS). */
export const DEMO_SECOND_TENCENT_ENV_PREFIX = 'JOBGRAPH_DEMO_COS_STAGING';

/**
 * The environment lines that point any client (AWS CLI, SDKs, botocore-based tools, jobgraph
 * live mode) at the emulators. `AWS_DEFAULT_REGION` is the region variable the AWS CLI before
 * 2.13 and botocore read; `AWS_DISABLE_HOST_PREFIX_INJECTION` stops botocore from adding
 * Omics' `control-storage-` host prefix to the emulator's address.
 *
 * With the STS emulator in the set (any set `startEmulators` made) also the accounts' lines:
 * `AWS_ENDPOINT_URL_STS`, `AWS_ACCOUNT_ID` (the demo keys' account, which the AWS SDK's env
 * credential provider reads), `JOBGRAPH_AWS_ACCOUNTS` naming the second account's role,
 * `JOBGRAPH_TENCENT_ACCOUNTS` naming the second Tencent account's variable prefix, and that
 * account's `…_SECRET_ID`, `…_SECRET_KEY`, `…_UIN`, `…_APPID`. A set built by hand without
 * `sts` (a deployment's fixed addresses) gets the five providers' lines only.
 */
export function emulatorEnvironment(
  set: Record<EmulatorName, RunningEmulator> & { sts?: RunningEmulator; batch?: RunningEmulator },
): Record<string, string> {
  const tencent = DEMO_SECOND_TENCENT_ACCOUNT;
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
    AWS_ENDPOINT_URL_PANORAMA: set.panorama.url,
    AWS_ENDPOINT_URL_OMICS: set.omics.url,
    AWS_ENDPOINT_URL_CODEPIPELINE: set.codepipeline.url,
    AWS_ENDPOINT_URL_IMPORTEXPORT: set.importexport.url,
    ...(set.batch ? { AWS_ENDPOINT_URL_BATCH: set.batch.url } : {}),
    COS_BATCH_ENDPOINT_URL: set.cosbatch.url,
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
  };
}

/** One example global ID per provider, for the banner and the README. */
export function exampleGlobalIds(): Record<EmulatorName, string> {
  return {
    panorama: panoramaData.EXAMPLE_GLOBAL_ID,
    omics: omicsData.EXAMPLE_GLOBAL_ID,
    cosbatch: cosbatchData.EXAMPLE_GLOBAL_ID,
    importexport: importexportData.EXAMPLE_GLOBAL_ID,
    codepipeline: codepipelineData.EXAMPLE_GLOBAL_ID,
  };
}

/** The reference stores of the demo region (what ListReferenceStores answers there), oldest first. */
export const DEMO_OMICS_REFERENCE_STORE_IDS: readonly string[] = OMICS_REFERENCE_STORES.map(
  (s) => s.id,
);

/** AWS Batch's job queues of the demo region (what DescribeJobQueues answers there), oldest first. */
export const DEMO_BATCH_QUEUE_NAMES: readonly string[] = batchData.BATCH_QUEUES.map(
  (q) => q.jobQueueName,
);

/** One job a demo list operation shows. */
export interface ListedDemoJob {
  globalId: string;
  /** ISO-8601 UTC with milliseconds, as jobgraph normalises times. */
  createdAt: string;
  /** The status GetStatus/DescribeJob/… answers (Import/Export's list summary itself has none). */
  providerStatus: string;
}

/**
 * The jobs the four list operations show when the emulators started at `anchorMs` (their clock
 * then), each provider's newest first (ties by global ID), without the progressing jobs (their creation time moves
 * with the clock; PROGRESSING_JOB_IDS names them). For tests that check a list against the data.
 * With `jobsPerSource` (as given to `startEmulators`): the big account's jobs of the demo
 * regions (Panorama us-east-1, both reference stores, COS ap-guangzhou, Import/Export).
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
  const lists =
    options.account === 'staging'
      ? secondAccountListedJobs(anchorMs)
      : n !== undefined
        ? bigListedJobs(anchorMs, n)
        : demoListSummaries(
            {
              panorama: panoramaListedJobs(anchorMs),
              omics: omicsListedJobs(anchorMs),
              cosbatch: cosListedJobs(anchorMs),
              importexport: importExportListedJobs(anchorMs),
              batch: batchData.batchDemoJobs(anchorMs).listed,
            },
            panoramaData.PANORAMA_DEMO_REGION,
            DEMO_TENCENT_CREDENTIALS,
          );
  return {
    panorama: newestFirst(lists.panorama),
    omics: newestFirst(lists.omics),
    cosbatch: newestFirst(lists.cosbatch),
    importexport: newestFirst(lists.importexport),
    batch: newestFirst(lists.batch),
  };
}

/** The big account's listed jobs of the demo sources, without the progressing jobs (see `listedDemoJobs`). */
function bigListedJobs(anchorMs: number, n: number): Record<OrderedEmulatorName, ListedDemoJob[]> {
  const cos = DEMO_TENCENT_CREDENTIALS;
  const listed = (
    list: { entries(): { id: string; createdMs: number; status: string }[] },
    globalId: (id: string) => string,
    createdAt = (ms: number) => new Date(ms).toISOString(),
  ) =>
    list.entries().map((e) => ({
      globalId: globalId(e.id),
      createdAt: createdAt(e.createdMs),
      providerStatus: e.status,
    }));
  const region = panoramaData.PANORAMA_DEMO_REGION;
  return {
    panorama: listed(
      bigAccountJobs(PANORAMA_BIG_ACCOUNT, anchorMs, region, n - 1),
      (id) => `panorama:${region}:${id}`,
      // The wire time is epoch seconds: read back as the demo path reads it.
      (ms) => new Date((ms / 1000) * 1000).toISOString(),
    ),
    omics: OMICS_REFERENCE_STORES.flatMap(({ id: store }) =>
      listed(
        bigAccountJobs(
          OMICS_BIG_ACCOUNT,
          anchorMs,
          store,
          n - (store === omicsData.OMICS_DEMO_REFERENCE_STORE_ID ? 1 : 0),
        ),
        (id) => `omics:${omicsData.OMICS_DEMO_REGION}:${store}:${id}`,
      ),
    ),
    cosbatch: listed(
      bigAccountJobs(COS_BIG_ACCOUNT, anchorMs, cos.region, n - 1),
      (id) => `cos:${cos.region}:${cos.uin}:${id}`,
    ),
    importexport: listed(importExportBigJobs(anchorMs, n - 1), (id) => `importexport:${id}`),
    batch: batchData.BATCH_QUEUES.flatMap((q) =>
      listed(
        bigAccountJobs(
          BATCH_BIG_ACCOUNT,
          anchorMs,
          q.jobQueueName,
          n - (q === batchData.HIGH_PRIORITY_QUEUE ? 1 : 0),
        ),
        batchData.batchGlobalId,
      ),
    ),
  };
}

/** The second account's listed jobs (see `listedDemoJobs`). */
function secondAccountListedJobs(anchorMs: number): Record<OrderedEmulatorName, ListedDemoJob[]> {
  return demoListSummaries(
    {
      panorama: panoramaSecondAccountJobs(anchorMs),
      omics: omicsSecondAccountJobs(anchorMs),
      cosbatch: cosSecondAccountJobs(anchorMs),
      importexport: importExportSecondAccountJobs(anchorMs),
      batch: batchSecondAccountJobs(anchorMs),
    },
    PANORAMA_SECOND_ACCOUNT_REGION,
    DEMO_SECOND_TENCENT_ACCOUNT,
  );
}

/** An account's demo list jobs as `listedDemoJobs` shows them, in the order given. */
function demoListSummaries(
  jobs: {
    panorama: ReturnType<typeof panoramaListedJobs>;
    omics: ReturnType<typeof omicsListedJobs>;
    cosbatch: ReturnType<typeof cosListedJobs>;
    importexport: ReturnType<typeof importExportListedJobs>;
    batch: readonly batchData.WireBatchJob[];
  },
  panoramaRegion: string,
  cos: { region: string; uin: string },
): Record<OrderedEmulatorName, ListedDemoJob[]> {
  const iso = (value: string | number) =>
    new Date(typeof value === 'number' ? value * 1000 : value).toISOString();
  return {
    panorama: jobs.panorama.map((j) => ({
      globalId: `panorama:${panoramaRegion}:${j.wire.JobId as string}`,
      createdAt: iso(j.wire.CreatedTime as number),
      providerStatus: j.wire.Status as string,
    })),
    omics: jobs.omics.map((j) => ({
      globalId: `omics:${omicsData.OMICS_DEMO_REGION}:${j.referenceStoreId}:${j.id}`,
      createdAt: iso(j.creationTime),
      providerStatus: j.status,
    })),
    cosbatch: jobs.cosbatch.map((j) => ({
      globalId: `cos:${cos.region}:${cos.uin}:${j.JobId as string}`,
      createdAt: iso(j.CreationTime as string),
      providerStatus: j.Status as string,
    })),
    importexport: jobs.importexport.map((j) => ({
      globalId: `importexport:${j.JobId}`,
      createdAt: iso(j.CreationDate as string),
      providerStatus: j.ProgressCode as string,
    })),
    batch: jobs.batch.map((j) => ({
      globalId: batchData.batchGlobalId(j.jobId),
      createdAt: new Date(j.createdAt).toISOString(),
      providerStatus: j.status,
    })),
  };
}

/** One job of an account as each provider names it natively (the parts of its key). */
export interface NativeJobs {
  panorama: { region: string; jobId: string };
  omics: { region: string; referenceStoreId: string; jobId: string };
  cosbatch: { region: string; uin: string; jobId: string };
  importexport: { jobId: string };
  codepipeline: { region: string; jobId: string };
}

/**
 * Per provider, the second account's job whose native ID is exactly a default-account job's
 * (the default account's example job, `exampleGlobalIds()`), with other content: Panorama FAILED
 * (SUCCEEDED in the default account), HealthOmics FAILED (COMPLETED), COS Batch Failed
 * (Complete), Import/Export InProgress (Complete), CodePipeline a Deploy of
 * `staging-storefront-deploy` (a Build of `storefront-release`). COS's `uin` is the second
 * account's: COS names the account in the key, the AWS providers do not.
 */
export const SHARED_NATIVE_JOB_IDS: Readonly<NativeJobs> = Object.freeze({
  panorama: {
    region: PANORAMA_SECOND_ACCOUNT_REGION,
    jobId: PANORAMA_SECOND_ACCOUNT_JOB_IDS.shared,
  },
  omics: {
    region: omicsData.OMICS_DEMO_REGION,
    referenceStoreId: OMICS_SECOND_ACCOUNT_STORE_IDS.shared,
    jobId: OMICS_SECOND_ACCOUNT_JOB_IDS.shared,
  },
  cosbatch: {
    region: DEMO_SECOND_TENCENT_ACCOUNT.region,
    uin: DEMO_SECOND_TENCENT_ACCOUNT.uin,
    jobId: COS_SECOND_ACCOUNT_JOB_IDS.shared,
  },
  importexport: { jobId: IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS.shared },
  codepipeline: {
    region: codepipelineData.DEMO_REGION,
    jobId: CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS.shared,
  },
});

/**
 * Per provider, one job only the second account has (its keys find it; the default account's
 * answer the provider's not-found error): Panorama SUCCEEDED, HealthOmics COMPLETED (in the
 * second account's own store), COS Batch Active, Import/Export Complete, CodePipeline a Build.
 */
export function exampleSecondAccountJobs(): NativeJobs {
  return {
    panorama: {
      region: PANORAMA_SECOND_ACCOUNT_REGION,
      jobId: PANORAMA_SECOND_ACCOUNT_JOB_IDS.succeeded,
    },
    omics: {
      region: omicsData.OMICS_DEMO_REGION,
      referenceStoreId: OMICS_SECOND_ACCOUNT_STORE_IDS.staging,
      jobId: OMICS_SECOND_ACCOUNT_JOB_IDS.completed,
    },
    cosbatch: {
      region: DEMO_SECOND_TENCENT_ACCOUNT.region,
      uin: DEMO_SECOND_TENCENT_ACCOUNT.uin,
      jobId: COS_SECOND_ACCOUNT_JOB_IDS.active,
    },
    importexport: { jobId: IMPORTEXPORT_SECOND_ACCOUNT_JOB_IDS.complete },
    codepipeline: {
      region: codepipelineData.DEMO_REGION,
      jobId: CODEPIPELINE_SECOND_ACCOUNT_JOB_IDS.build,
    },
  };
}
