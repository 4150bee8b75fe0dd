import { createRequire } from 'node:module';

/**
 * The forms of the values a job's key and the configuration share (regions, job IDs, account UINs,
 * account aliases): the documented argument patterns, the regions each provider serves and the
 * default account's alias. They sit with the configuration, which checks AWS_REGION, COS_UIN and
 * the account lists against them, so that the ID grammar (`src/model/keyGrammar.ts`) and the
 * providers read them from below and the configuration imports nothing above it.
 */

/**
 * Whether AWS serves `region`: a region listed in one of the AWS SDK's partitions (aws, aws-cn,
 * aws-us-gov, aws-iso*, aws-eusc). The SDK's `partition()` returns the region's own entry, with
 * its `description`, only for a listed region; for anything else it falls back to a partition's
 * defaults. The `*-global` pseudo-regions are endpoints, not regions a job lives in.
 */
export function isAwsRegion(region: string): boolean {
  if (servedAwsRegions.has(region)) return true;
  if (region.endsWith('-global')) return false;
  const served = typeof sdkPartition()(region).description === 'string';
  if (served) servedAwsRegions.add(region);
  return served;
}

/**
 * Regions `isAwsRegion` has found served, so each is looked up in the partitions once. Only
 * served regions are kept (they are the SDK's finite list), never a string that failed, so
 * callers sending made-up regions cannot grow it.
 */
const servedAwsRegions = new Set<string>();

/** How many regions `isAwsRegion` remembers (at most the regions the SDK's partitions list). */
export function rememberedAwsRegions(): number {
  return servedAwsRegions.size;
}

type Partition = (region: string) => { description?: unknown };
let partitionOf: Partition | undefined;

/**
 * The SDK's partition data, loaded on first use (the same module instance an `import` gets):
 * `jobgraph token` and `--help` check no region unless AWS_REGION is set, so they never load
 * @aws-sdk/core (its memory and start-up time: docs/performance.md).
 */
function sdkPartition(): Partition {
  partitionOf ??= (
    createRequire(import.meta.url)('@aws-sdk/core/client') as { partition: Partition }
  ).partition;
  return partitionOf;
}

/**
 * The regions Tencent Cloud COS serves, from Tencent's "Regions and Access Endpoints" page for
 * COS (https://www.tencentcloud.com/document/product/436/6224). COS Batch's control endpoint is
 * `{uin}.cos-control.{region}.myqcloud.com` in the same regions. Add a region here when
 * Tencent opens one.
 */
export const COS_REGIONS: ReadonlySet<string> = new Set([
  'ap-beijing',
  'ap-nanjing',
  'ap-shanghai',
  'ap-guangzhou',
  'ap-chengdu',
  'ap-chongqing',
  'ap-hongkong',
  'ap-singapore',
  'ap-jakarta',
  'ap-seoul',
  'ap-bangkok',
  'ap-tokyo',
  'na-siliconvalley',
  'na-ashburn',
  'sa-saopaulo',
  'eu-frankfurt',
]);

export interface ArgumentPattern {
  re: RegExp;
  form: string;
  /**
   * For regions: whether the provider serves the value (checked after `re`), and who "the provider"
   * is.
   */
  served?: { test(value: string): boolean; by: string };
}

/**
 * Documented argument patterns, anchored; regions also checked against the regions served.
 * From each provider's API reference:
 * https://docs.aws.amazon.com/panorama/latest/api/API_DescribePackageImportJob.html,
 * https://docs.aws.amazon.com/omics/latest/api/API_GetReferenceImportJob.html,
 * https://intl.cloud.tencent.com/document/product/436/33782 (COS Batch DescribeJob),
 * https://docs.aws.amazon.com/AWSImportExport/latest/DG/GettingStatus.html,
 * https://docs.aws.amazon.com/codepipeline/latest/APIReference/API_GetJobDetails.html.
 * The README's "Global IDs" section lists them for users.
 */
export const PATTERNS = {
  awsRegion: {
    re: /^[a-z]{2,4}(-[a-z]+)+-\d{1,2}$/,
    form: 'an AWS region such as us-east-1',
    served: { test: isAwsRegion, by: 'AWS' },
  },
  cosRegion: {
    re: /^[a-z]{2,4}-[a-z]+(-[a-z0-9]+)?$/,
    form: 'a Tencent Cloud region such as ap-guangzhou',
    served: { test: (value: string) => COS_REGIONS.has(value), by: 'Tencent COS' },
  },
  panoramaJobId: {
    re: /^[a-zA-Z0-9_-]{1,255}$/,
    form: '1-255 characters of a-z, A-Z, 0-9, - and _',
  },
  omicsId: { re: /^[0-9]{10,36}$/, form: '10-36 digits' },
  // A HealthOmics run batch's ID (GetBatch's `batchId`: 1-18 digits).
  omicsBatchId: { re: /^[0-9]{1,18}$/, form: '1-18 digits' },
  // HealthOmics workflow runs (GetRun, https://docs.aws.amazon.com/omics/latest/api/API_GetRun.html):
  // a run ID of 1-18 digits, and the run's UUID, which tells it from a later run of a deleted ID.
  omicsRunId: { re: /^[0-9]{1,18}$/, form: '1-18 digits' },
  omicsRunUuid: {
    re: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    form: 'a lower-case UUID such as 11111111-2222-4333-8444-555555555555',
  },
  cosUin: { re: /^[0-9]{5,20}$/, form: 'a numeric account UIN such as 100000000001' },
  cosJobId: {
    re: /^[a-zA-Z0-9-]{5,36}$/,
    form: '5-36 characters of a-z, A-Z, 0-9 and -, usually a UUID',
  },
  importExportJobId: { re: /^[A-Za-z0-9]{1,64}$/, form: '1-64 letters and digits, such as ABCDE' },
  codePipelineJobId: {
    re: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    form: 'a lower-case UUID such as 11111111-2222-4333-8444-555555555555',
  },
  batchJobId: {
    // A job (a UUID), an array job's child (`parent:index`, index < 10000) or a multi-node job's
    // node (`parent#index`), as DescribeJobs takes them.
    re: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}(?::\d{1,4})?(?:#\d{1,4})?$/,
    form: 'a lower-case UUID such as 11111111-2222-4333-8444-555555555555, an array child `UUID:index` or a node `UUID#index`',
  },
  // AWS Batch service jobs (issue 102): DescribeServiceJob's `jobId`, a UUID (no children).
  batchServiceJobId: {
    re: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    form: 'a lower-case UUID such as 11111111-2222-4333-8444-555555555555',
  },
  accountAlias: {
    // `default` matches too: it names the default account, so it is refused as an alias apart.
    re: /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/,
    form: 'an account alias: 1-32 characters of a-z, 0-9 and -, starting with a letter, not "default"',
  },
} as const satisfies Record<string, ArgumentPattern>;
export type PatternName = keyof typeof PATTERNS;

/** The account alias of the default account (in filters and `JobListSource.account`). */
export const DEFAULT_ACCOUNT = 'default';
