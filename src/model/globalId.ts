import { PROVIDERS, providerOf } from '../datasources/registry.ts';
import type { AnyProvider } from '../datasources/shared/provider.ts';
import { BadUserInputError } from '../errors.ts';
import type { JobProvider } from './job.ts';
import { formatKey, keyFromParts } from './keyGrammar.ts';

export {
  COS_REGIONS,
  PATTERNS,
  checkArgument,
  isAwsRegion,
  rememberedAwsRegions,
  type PatternName,
} from './keyGrammar.ts';

/** Loader keys: what identifies one job at one provider. */
export interface PanoramaKey {
  provider: 'AWS_PANORAMA';
  region: string;
  jobId: string;
}
export interface OmicsKey {
  provider: 'AWS_OMICS';
  region: string;
  referenceStoreId: string;
  id: string;
}
export interface CosBatchKey {
  provider: 'TENCENT_COS_BATCH';
  region: string;
  uin: string;
  jobId: string;
}
export interface ImportExportKey {
  provider: 'AWS_IMPORT_EXPORT';
  jobId: string;
}
export interface CodePipelineKey {
  provider: 'AWS_CODEPIPELINE';
  region: string;
  jobId: string;
}
export type JobKey = PanoramaKey | OmicsKey | CosBatchKey | ImportExportKey | CodePipelineKey;
export type KeyOf<P extends JobProvider> = Extract<JobKey, { provider: P }>;

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

/** Each grammar written out (`cos:{region}:{uin}:{jobId}`). */
const forms = PROVIDERS.map(({ key }) =>
  [key.prefix, ...key.parts.map(([part]) => `{${part}}`)].join(':'),
);
const GLOBAL_ID_FORMS = `${forms.slice(0, -1).join(', ')} or ${forms.at(-1) ?? ''}`;

/** The readable, stable global ID of a job. */
export function formatGlobalId(key: JobKey): string {
  return formatKey(providerOf(key.provider).key, key);
}

/**
 * Build and validate a loader key of `provider` from its parts in its grammar's order.
 * `argumentOf(part, index)` names the argument in a BAD_USER_INPUT error. Never calls upstream.
 */
export function buildKey(
  provider: JobProvider,
  values: readonly string[],
  argumentOf: (part: string, index: number) => string,
): JobKey {
  return keyFromParts(providerOf(provider).key, values, argumentOf);
}

/**
 * Parse and validate a global ID. `argument` names the GraphQL argument in the error
 * (for example `id` or `ids[3]`). Throws BAD_USER_INPUT; never calls upstream.
 */
export function parseGlobalId(value: string, argument = 'id'): JobKey {
  const [prefix = '', ...rest] = value.split(':');
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
  if (rest.length !== parts.length)
    bad(`"${prefix}" IDs have the form ${[prefix, ...parts.map(([p]) => `{${p}}`)].join(':')}`);
  return keyFromParts(provider.key, rest, (part) => `${argument} (${part})`);
}
