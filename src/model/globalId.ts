import { PROVIDERS, providerOf } from '../datasources/registry.ts';
import type { AnyProvider } from '../datasources/shared/provider.ts';
import { BadUserInputError } from '../errors.ts';
import type { JobProvider } from './job.ts';
import { formatKey, keyFromParts } from './keyGrammar.ts';
import type { JobKey } from './keys.ts';

export {
  COS_REGIONS,
  PATTERNS,
  isAwsRegion,
  rememberedAwsRegions,
  type PatternName,
} from '../config/patterns.ts';
export { checkArgument } from './keyGrammar.ts';

export type {
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

/** Each provider's global ID prefix, the part before the first `:`. */
export const GLOBAL_ID_PREFIX: Readonly<Record<JobProvider, string>> = Object.fromEntries(
  PROVIDERS.map((p) => [p.name, p.key.prefix]),
) as Record<JobProvider, string>;

const PROVIDER_OF_PREFIX: ReadonlyMap<string, AnyProvider> = new Map(
  PROVIDERS.map((p) => [p.key.prefix, p]),
);

/** A grammar written out (`cos:{region}:{uin}:{jobId}`, `panorama[@{account}]:{region}:{jobId}`). */
export const formOf = ({ key }: AnyProvider) =>
  [
    key.prefix + (key.accountPart === undefined ? '[@{account}]' : ''),
    ...key.parts.map(([part]) => `{${part}}`),
  ].join(':');
const forms = PROVIDERS.map(formOf);
const GLOBAL_ID_FORMS = `${forms.slice(0, -1).join(', ')} or ${forms.at(-1) ?? ''}`;

/** The readable, stable global ID of a job. */
export function formatGlobalId(key: JobKey): string {
  return formatKey(providerOf(key.provider).key, key);
}

/**
 * Build and validate a loader key of `provider` from its parts in its grammar's order, in the
 * account aliased `account` (undefined or `default`: the default account). `argumentOf(part,
 * index)` names the argument in a BAD_USER_INPUT error. Never calls upstream.
 */
export function buildKey(
  provider: JobProvider,
  values: readonly string[],
  argumentOf: (part: string, index: number) => string,
  account?: string,
): JobKey {
  return keyFromParts(providerOf(provider).key, values, argumentOf, account);
}

/**
 * Parse and validate a global ID. `argument` names the GraphQL argument in the error
 * (for example `id` or `ids[3]`). Throws BAD_USER_INPUT; never calls upstream.
 */
export function parseGlobalId(value: string, argument = 'id'): JobKey {
  const [head = '', ...rest] = value.split(':');
  // `panorama@prod`: the provider's prefix, then the account's alias.
  const at = head.indexOf('@');
  const prefix = at < 0 ? head : head.slice(0, at);
  const account = at < 0 ? undefined : head.slice(at + 1);
  const provider = PROVIDER_OF_PREFIX.get(prefix);
  const bad = (why: string): never => {
    throw new BadUserInputError(
      `Argument "${argument}" is not a valid job ID: ${why}. Expected ${GLOBAL_ID_FORMS}.`,
      {
        argument,
      },
    );
  };
  if (!provider)
    return bad(
      value.length === 0
        ? 'it is empty'
        : `unknown provider prefix ${JSON.stringify(prefix.slice(0, 32))}`,
    );
  const parts = provider.key.parts;
  const values =
    provider.key.lastPartHasColons && rest.length > parts.length
      ? [...rest.slice(0, parts.length - 1), rest.slice(parts.length - 1).join(':')]
      : rest;
  if (values.length !== parts.length) bad(`"${prefix}" IDs have the form ${formOf(provider)}`);
  return keyFromParts(provider.key, values, (part) => `${argument} (${part})`, account);
}
