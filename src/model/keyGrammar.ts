import {
  DEFAULT_ACCOUNT,
  PATTERNS,
  type ArgumentPattern,
  type PatternName,
} from '../config/patterns.ts';
import { BadUserInputError } from '../errors.ts';
import type { JobKey, AnyKeyOf } from './keys.ts';
import type { JobProvider } from './job.ts';

/**
 * The grammar of loader keys and global IDs, with nothing else loaded: a provider's key grammar
 * (its global-ID prefix and key parts) and the generic check, format and build, over the argument
 * patterns and regions served that the configuration checks its values against too
 * (`src/config/patterns.ts`). Each provider's grammar is in its folder
 * (`src/datasources/<p>/key.ts`); `globalId.ts` reads them all from the registry.
 */

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
  /**
   * The kind of job within its provider whose keys this grammar reads (`Provider.kinds`): its keys
   * carry it as `kind`. Absent: the provider's first kind, whose keys carry none.
   */
  readonly kind?: string;
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
  /**
   * The job's ARN, where AWS documents one (`arn:{partition}:{service}:{region}:{account}:{resource}/{jobId}`,
   * e.g. AWS Batch's `jobArn`), accepted wherever a global ID is: its region and job ID are the
   * key's two parts (a grammar with an ARN has exactly `region` and the job ID), its account ID
   * the account, by the alias jobgraph reads it as.
   */
  readonly arn?: { readonly service: string; readonly resource: string };
}

/**
 * Whose credentials a job of `grammar` is called with: its alias (AWS; undefined for the default
 * account) or its account part (COS Batch: the UIN).
 */
export function accountOfKey(grammar: KeyGrammar, key: JobKey): string | undefined {
  const parts = key as unknown as Readonly<Record<string, string | undefined>>;
  return parts[grammar.accountPart ?? 'account'];
}

/** The key's own job ID, its grammar's last part (a listed row's, a describe answer without `id`), and that part's pattern. */
export function nativeIdOfKey(
  grammar: KeyGrammar,
  key: JobKey,
): { nativeId: string; pattern: PatternName } {
  const parts = key as unknown as Readonly<Record<string, string>>;
  const [part, pattern] = grammar.parts[grammar.parts.length - 1]!;
  return { nativeId: String(parts[part]), pattern };
}

/** The pattern of a grammar's `region` part; null for a global service. */
export function regionPatternOf(grammar: KeyGrammar): PatternName | null {
  return grammar.parts.find(([part]) => part === 'region')?.[1] ?? null;
}

/** Each key's global ID as first formatted: keys are never changed once built (keyFromParts). */
const FORMATTED = new WeakMap<object, string>();

/**
 * The global ID of `key` in its provider's grammar: one string for one key object, so a watched
 * job's schedule, its store entry and each record read for its key hold one copy, not one each.
 */
export function formatKey<P extends JobProvider>(grammar: KeyGrammar<P>, key: AnyKeyOf<P>): string {
  const known = FORMATTED.get(key);
  if (known !== undefined) return known;
  const id = joinKey(grammar, key);
  FORMATTED.set(key, id);
  return id;
}

function joinKey<P extends JobProvider>(grammar: KeyGrammar<P>, key: AnyKeyOf<P>): string {
  const parts = key as unknown as Readonly<Record<string, string>>;
  const words = [
    parts.account === undefined ? grammar.prefix : `${grammar.prefix}@${parts.account}`,
  ];
  for (const [part] of grammar.parts) words.push(String(parts[part]));
  // Joined, the ID is one flat string: built by `+=` it was a rope of a string a part, held as
  // such by each watched job's schedule and record (docs/performance.md, "Memory a watched job").
  return words.join(':');
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
  if (grammar.kind !== undefined) key.kind = grammar.kind;
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
