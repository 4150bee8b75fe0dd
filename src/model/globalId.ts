import type { Config } from '../config/index.ts';
import { accountOf, KINDS, kindOf } from '../datasources/registry.ts';
import type { AnyKind } from '../datasources/shared/provider.ts';
import { BadUserInputError } from '../errors.ts';
import type { JobProvider } from './job.ts';
import { formatKey, keyFromParts } from './keyGrammar.ts';
import type { JobKey } from './keys.ts';

import { PATTERNS } from '../config/patterns.ts';

export {
  COS_REGIONS,
  PATTERNS,
  isAwsRegion,
  rememberedAwsRegions,
  type PatternName,
} from '../config/patterns.ts';
export { checkArgument } from './keyGrammar.ts';

export type {
  AnyKeyOf,
  BatchKey,
  CodePipelineKey,
  CosBatchKey,
  ImportExportKey,
  JobKey,
  KeyOf,
  OmicsKey,
  PanoramaKey,
} from './keys.ts';

/**
 * Global IDs of every provider, in the grammars the providers declare (`src/datasources/<p>/key.ts`,
 * read from the registry): the one place that parses an ID without knowing its provider.
 */

const KIND_OF_PREFIX: ReadonlyMap<string, AnyKind> = new Map(KINDS.map((k) => [k.key.prefix, k]));

/** A grammar written out (`cos:{region}:{uin}:{jobId}`, `panorama[@{account}]:{region}:{jobId}`). */
export const formOf = ({ key }: AnyKind) =>
  [
    key.prefix + (key.accountPart === undefined ? '[@{account}]' : ''),
    ...key.parts.map(([part]) => `{${part}}`),
  ].join(':');

/**
 * The kinds whose jobs have an ARN (keyGrammar.ts `arn`), by the ARN's service and the resource
 * type its resource begins with (`batch` `job/…`, `batch` `service-job/…`).
 */
const KIND_OF_ARN: ReadonlyMap<string, AnyKind> = new Map(
  KINDS.flatMap((k) =>
    k.key.arn ? [[`${k.key.arn.service}:${k.key.arn.resource}`, k] as const] : [],
  ),
);
const ARN_SERVICES: ReadonlySet<string> = new Set(
  KINDS.flatMap((k) => (k.key.arn ? [k.key.arn.service] : [])),
);

/** A job ARN written out (`arn:aws:batch:{region}:{account}:job/{jobId}`). */
const arnFormOf = ({ key }: AnyKind) =>
  `arn:aws:${key.arn?.service}:{region}:{account}:${key.arn?.resource}/{${key.parts.at(-1)?.[0]}}`;

/**
 * What a job ID looks like, short: the prefixes, and which ARNs are taken. An error message stays
 * under 600 characters whatever it echoes, with every kind of every provider; a known prefix's
 * error names its whole form (`formOf`), and the README's "Global IDs" table has each.
 */
const GLOBAL_ID_FORMS = (() => {
  const byService = new Map<string, string[]>();
  for (const { key } of KIND_OF_ARN.values()) {
    const resources = byService.get(key.arn!.service) ?? [];
    resources.push(`${key.arn!.resource}/`);
    byService.set(key.arn!.service, resources);
  }
  const arns = [...byService].map(([service, resources]) => `${service} ${resources.join(' or ')}`);
  return `{prefix}:{region}:…:{job ID}, the prefix one of ${KINDS.map((k) => k.key.prefix).join(', ')} (with @{account} for an AWS account's alias; the README's "Global IDs" has each form)${arns.length > 0 ? `, or a job ARN (${arns.join(', ')})` : ''}`;
})();

/** The readable, stable global ID of a job. */
export function formatGlobalId(key: JobKey): string {
  return formatKey(kindOf(key).key, key as never);
}

/**
 * Build and validate a loader key of `kind` (a provider's kind of job, `kindOf`) from its parts in
 * its grammar's order, in the account aliased `account` (undefined or `default`: the default
 * account). `argumentOf(part, index)` names the argument in a BAD_USER_INPUT error. Never calls
 * upstream.
 */
export function buildKey(
  kind: AnyKind,
  values: readonly string[],
  argumentOf: (part: string, index: number) => string,
  account?: string,
): JobKey {
  return keyFromParts(kind.key, values, argumentOf, account);
}

/**
 * The alias jobgraph reads an AWS account ID as (`default` for the default account's), for a job
 * ARN; throws (BAD_USER_INPUT for an account jobgraph does not read, FORBIDDEN for one the caller
 * may not) naming `argument`. The request's context has one (`RequestContext.accountAliasOfId`).
 */
export type AccountAliasOf = (provider: JobProvider, accountId: string, argument: string) => string;

/**
 * Parse and validate a global ID, or a job ARN where the provider has one (AWS Batch's `jobArn`),
 * whose account ID `aliasOf` turns into the account's alias (without it an ARN is refused).
 * `argument` names the GraphQL argument in the error (for example `id` or `ids[3]`). Throws
 * BAD_USER_INPUT (or what `aliasOf` throws); never calls upstream.
 */
export function parseGlobalId(value: string, argument = 'id', aliasOf?: AccountAliasOf): JobKey {
  // `formed`: the reason names the forms that apply already (a known prefix's, an ARN's, a bare
  // ID's): the whole list is left out.
  const bad = (why: string, formed = false): never => {
    throw new BadUserInputError(
      `Argument "${argument}" is not a valid job ID: ${why}${formed ? '' : `. Expected ${GLOBAL_ID_FORMS}`}.`,
      { argument },
    );
  };
  if (value.startsWith('arn:')) return parseArn(value, argument, aliasOf, bad);
  const [head = '', ...rest] = value.split(':');
  // `panorama@prod`: the provider's prefix, then the account's alias.
  const at = head.indexOf('@');
  const prefix = at < 0 ? head : head.slice(0, at);
  const account = at < 0 ? undefined : head.slice(at + 1);
  const kind = KIND_OF_PREFIX.get(prefix);
  if (!kind) return value.length === 0 ? bad('it is empty') : unknownPrefix(value, prefix, bad);
  const parts = kind.key.parts;
  const values =
    kind.key.lastPartHasColons && rest.length > parts.length
      ? [...rest.slice(0, parts.length - 1), rest.slice(parts.length - 1).join(':')]
      : rest;
  if (values.length !== parts.length) bad(`"${prefix}" IDs have the form ${formOf(kind)}`, true);
  return keyFromParts(kind.key, values, (part) => `${argument} (${part})`, account);
}

/**
 * The alias of the account the job of `globalId` lives in (`default`: the default one), by the
 * registry's `accountOf` of its key: what authorization, the history and the notifications read a
 * job's account by. Throws BAD_USER_INPUT for an ID no grammar reads.
 */
export function accountOfId(config: Config, globalId: string): string {
  return accountOf(config, parseGlobalId(globalId));
}

/**
 * Why an ID with no known prefix is refused, and what it may have meant: a provider's own job ID
 * pasted bare (a Batch job's UUID from the console) matches the last part of some grammars, so
 * the forms it fits are named with the ID in place.
 */
function unknownPrefix(
  value: string,
  prefix: string,
  bad: (why: string, formed?: boolean) => never,
): never {
  // At most 40 characters of its JSON form (a control character is six).
  const quoted = JSON.stringify(prefix.slice(0, 32));
  const shown = quoted.length > 40 ? `${quoted.slice(0, 39)}…"` : quoted;
  const fits = KINDS.filter((p) => {
    const last = p.key.parts.at(-1);
    return last !== undefined && PATTERNS[last[1]].re.test(value);
  });
  if (fits.length === 0) return bad(`unknown provider prefix ${shown}; a job ID is {provider}:…`);
  const written = fits.map((p) => formOf(p).replace(/\{[^}]+\}$/, value));
  const bare = JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  return bad(
    `${bare} has no provider prefix; a provider's own job ID needs its provider and where it runs: ${written.slice(0, -1).join(', ')}${written.length > 1 ? ' or ' : ''}${written.at(-1)}`,
    true,
  );
}

/** An ARN's six fields (partition, service, region, account, resource); the resource may hold `:`. */
const ARN = /^arn:(aws(?:-[a-z]+)*):([a-z0-9-]+):([^:]*):([^:]*):(.*)$/;
const AWS_ACCOUNT_ID = /^[0-9]{12}$/;

/** A job ARN → its provider's key, in the account `aliasOf` names for its account ID. */
function parseArn(
  value: string,
  argument: string,
  aliasOf: AccountAliasOf | undefined,
  bad: (why: string, formed?: boolean) => never,
): JobKey {
  const [, , service = '', region = '', accountId = '', resource = ''] = ARN.exec(value) ?? [];
  const shown = JSON.stringify(value.length > 64 ? `${value.slice(0, 64)}…` : value);
  if (!ARN_SERVICES.has(service))
    return bad(
      service
        ? `${shown} is an ARN of ${JSON.stringify(service.slice(0, 32))}, which names no job jobgraph reads`
        : `${shown} is not an ARN`,
    );
  const slash = resource.indexOf('/');
  const kind = KIND_OF_ARN.get(`${service}:${slash < 0 ? '' : resource.slice(0, slash)}`);
  const forms = [...KIND_OF_ARN.values()].filter((k) => k.key.arn?.service === service);
  if (!kind || !AWS_ACCOUNT_ID.test(accountId))
    return bad(
      `${shown} is not a job ARN: they have the form ${forms.map(arnFormOf).join(' or ')}`,
      true,
    );
  const arn = kind.key.arn as NonNullable<AnyKind['key']['arn']>;
  if (!aliasOf)
    return bad(`a job ARN is not accepted here; use its global ID, ${formOf(kind)}`, true);
  const alias = aliasOf(kind.name, accountId, argument);
  return keyFromParts(
    kind.key,
    [region, resource.slice(arn.resource.length + 1)],
    (part) => `${argument} (${part})`,
    alias,
  );
}
