import { createRequire } from 'node:module';
import { BadUserInputError } from '../errors.ts';
import type { JobKey, KeyOf } from './globalId.ts';
import type { JobProvider } from './job.ts';

/**
 * The grammar of loader keys and global IDs, with nothing else loaded (the configuration reads
 * the patterns too, and `jobgraph token` loads only the configuration): the documented argument
 * patterns and the regions served, a provider's key grammar (its global-ID prefix and key parts),
 * and the generic check, format and build. Each provider's grammar is in its folder
 * (`src/datasources/<p>/key.ts`); `globalId.ts` reads them all from the registry.
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
 * @aws-sdk/core (about 12 MB and 40 ms).
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

interface ArgumentPattern {
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
  accountAlias: {
    // `default` matches too: it names the default account, so it is refused as an alias apart.
    re: /^[a-z](?:[a-z0-9-]{0,30}[a-z0-9])?$/,
    form: 'an account alias: 1-32 characters of a-z, 0-9 and -, starting with a letter, not "default"',
  },
} as const satisfies Record<string, ArgumentPattern>;
export type PatternName = keyof typeof PATTERNS;

/**
 * Throws BAD_USER_INPUT naming `argument` and the expected form unless `value` matches `pattern`
 * and, for a region, is one the provider serves. Never calls upstream.
 */
export function checkArgument(argument: string, value: string, pattern: PatternName): string {
  const { re, form, served } = PATTERNS[pattern] as ArgumentPattern;
  if (!re.test(value)) {
    throw new BadUserInputError(
      `Argument "${argument}" must be ${form}; got ${describeValue(value)}.`,
      { argument },
    );
  }
  if (served && !served.test(value)) {
    throw new BadUserInputError(
      `Argument "${argument}" is not a region ${served.by} serves: got ${describeValue(value)}; expected ${form}.`,
      { argument },
    );
  }
  return value;
}

function describeValue(value: string): string {
  if (value.length === 0) return 'an empty string';
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return JSON.stringify(shown);
}

/**
 * A provider's key and global-ID grammar: `{prefix}:{part}:…:{part}`, e.g.
 * `panorama:{region}:{jobId}`, and the entity type whose `@key`s name the same parts. A key with a `region` part lives in the regions its pattern
 * names (an AWS region, a Tencent Cloud region); one without is a global service.
 */
export interface KeyGrammar<P extends JobProvider = JobProvider> {
  readonly provider: P;
  /** The concrete GraphQL type of its jobs: the entity `_entities` representations name. */
  readonly typeName: string;
  /** The global ID's first part, before the first `:` (`panorama`). */
  readonly prefix: string;
  /**
   * The key's parts in global-ID order, with the pattern each must match. The last part is the
   * provider's own job ID (`nativeId` in the schema).
   */
  readonly parts: readonly (readonly [part: string, pattern: PatternName])[];
  /**
   * The key part that names the account a job lives in (COS Batch: `uin`), when the provider's own
   * key has one; absent: the key names its account by alias (`account`, JOBGRAPH_AWS_ACCOUNTS), and
   * a key without one is the default account's.
   */
  readonly accountPart?: string;
  /**
   * Whether the last part may itself hold `:` (AWS Batch's array children, `parent:index`): a
   * global ID's parts past the grammar's count are joined back into it.
   */
  readonly lastPartHasColons?: boolean;
}

/** The account alias of the default account (in filters and `JobListSource.account`). */
export const DEFAULT_ACCOUNT = 'default';

/**
 * Whose credentials a job of `grammar` is called with: its alias (AWS; undefined for the default
 * account) or its account part (COS Batch: the UIN).
 */
export function accountOfKey(grammar: KeyGrammar, key: JobKey): string | undefined {
  const parts = key as unknown as Readonly<Record<string, string | undefined>>;
  return parts[grammar.accountPart ?? 'account'];
}

/** The pattern of a grammar's `region` part; null for a global service. */
export function regionPatternOf(grammar: KeyGrammar): PatternName | null {
  return grammar.parts.find(([part]) => part === 'region')?.[1] ?? null;
}

/** The global ID of `key` in its provider's grammar. */
export function formatKey<P extends JobProvider>(grammar: KeyGrammar<P>, key: KeyOf<P>): string {
  const parts = key as unknown as Readonly<Record<string, string>>;
  let id = grammar.prefix;
  if (parts.account !== undefined) id += `@${parts.account}`;
  for (const [part] of grammar.parts) id += `:${parts[part]}`;
  return id;
}

/**
 * Build and validate a loader key from its parts in the grammar's order, in the account aliased
 * `account` (undefined: the default account). `argumentOf(part, index)` names the argument in a
 * BAD_USER_INPUT error (`account` for the alias). Never calls upstream; whether the alias is
 * configured is the source's to say (`AwsAccounts`).
 */
export function keyFromParts(
  grammar: KeyGrammar,
  values: readonly string[],
  argumentOf: (part: string, index: number) => string,
  account?: string,
): JobKey {
  const key: Record<string, string> = { provider: grammar.provider };
  if (account !== undefined && account !== DEFAULT_ACCOUNT) {
    if (grammar.accountPart !== undefined) {
      throw new BadUserInputError(
        `Argument "${argumentOf('account', -1)}": ${grammar.prefix} jobs name their account by ${grammar.accountPart}, not by alias.`,
        { argument: argumentOf('account', -1) },
      );
    }
    key.account = checkArgument(argumentOf('account', -1), account, 'accountAlias');
  }
  grammar.parts.forEach(([part, pattern], i) => {
    key[part] = checkArgument(argumentOf(part, i), values[i] ?? '', pattern);
  });
  return key as unknown as JobKey;
}
