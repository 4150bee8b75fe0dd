import { BadUserInputError } from './errors.ts';
import type { JobProvider } from './model.ts';

/** Loader keys: what identifies one job at one provider. */
export interface PanoramaKey { provider: 'AWS_PANORAMA'; region: string; jobId: string }
export interface OmicsKey { provider: 'AWS_OMICS'; region: string; referenceStoreId: string; id: string }
export interface CosBatchKey { provider: 'TENCENT_COS_BATCH'; region: string; uin: string; jobId: string }
export interface ImportExportKey { provider: 'AWS_IMPORT_EXPORT'; jobId: string }
export interface CodePipelineKey { provider: 'AWS_CODEPIPELINE'; region: string; jobId: string }
export type JobKey = PanoramaKey | OmicsKey | CosBatchKey | ImportExportKey | CodePipelineKey;
export type KeyOf<P extends JobProvider> = Extract<JobKey, { provider: P }>;

/** Documented argument patterns (reference/providers.md), anchored. */
export const PATTERNS = {
  awsRegion: { re: /^[a-z]{2}(-[a-z]+)+-\d{1,2}$/, form: 'an AWS region such as us-east-1' },
  cosRegion: { re: /^[a-z]{2,4}-[a-z]+(-[a-z0-9]+)?$/, form: 'a Tencent Cloud region such as ap-guangzhou' },
  panoramaJobId: { re: /^[a-zA-Z0-9_-]{1,255}$/, form: '1-255 characters of a-z, A-Z, 0-9, - and _' },
  omicsId: { re: /^[0-9]{10,36}$/, form: '10-36 digits' },
  cosUin: { re: /^[0-9]{5,20}$/, form: 'a numeric account UIN such as 100000000001' },
  cosJobId: { re: /^[a-zA-Z0-9-]{5,36}$/, form: '5-36 characters of a-z, A-Z, 0-9 and -, usually a UUID' },
  importExportJobId: { re: /^[A-Za-z0-9]{1,64}$/, form: '1-64 letters and digits, such as ABCDE' },
  codePipelineJobId: {
    re: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/,
    form: 'a lower-case UUID such as 11111111-2222-4333-8444-555555555555',
  },
} as const;
export type PatternName = keyof typeof PATTERNS;

/** Throws BAD_USER_INPUT naming `argument` and the expected form unless `value` matches `pattern`. */
export function checkArgument(argument: string, value: string, pattern: PatternName): string {
  const { re, form } = PATTERNS[pattern];
  if (!re.test(value)) {
    throw new BadUserInputError(`Argument "${argument}" must be ${form}; got ${describeValue(value)}.`, { argument });
  }
  return value;
}

function describeValue(value: string): string {
  if (value.length === 0) return 'an empty string';
  const shown = value.length > 64 ? `${value.slice(0, 64)}…` : value;
  return JSON.stringify(shown);
}

const PREFIX: Record<JobProvider, string> = {
  AWS_PANORAMA: 'panorama',
  AWS_OMICS: 'omics',
  TENCENT_COS_BATCH: 'cos',
  AWS_IMPORT_EXPORT: 'importexport',
  AWS_CODEPIPELINE: 'codepipeline',
};

const GLOBAL_ID_FORMS =
  'panorama:{region}:{jobId}, omics:{region}:{referenceStoreId}:{id}, cos:{region}:{uin}:{jobId}, importexport:{jobId} or codepipeline:{region}:{jobId}';

/** The readable, stable global ID of a job. */
export function formatGlobalId(key: JobKey): string {
  switch (key.provider) {
    case 'AWS_PANORAMA':
      return `panorama:${key.region}:${key.jobId}`;
    case 'AWS_OMICS':
      return `omics:${key.region}:${key.referenceStoreId}:${key.id}`;
    case 'TENCENT_COS_BATCH':
      return `cos:${key.region}:${key.uin}:${key.jobId}`;
    case 'AWS_IMPORT_EXPORT':
      return `importexport:${key.jobId}`;
    case 'AWS_CODEPIPELINE':
      return `codepipeline:${key.region}:${key.jobId}`;
  }
}

/**
 * Parse and validate a global ID. `argument` names the GraphQL argument in the error
 * (for example `id` or `ids[3]`). Throws BAD_USER_INPUT; never calls upstream.
 */
export function parseGlobalId(value: string, argument = 'id'): JobKey {
  const parts = value.split(':');
  const [prefix, ...rest] = parts;
  const bad = (why: string): never => {
    throw new BadUserInputError(`Argument "${argument}" is not a valid job ID: ${why}. Expected ${GLOBAL_ID_FORMS}.`, {
      argument,
    });
  };
  const expect = (n: number, form: string) => {
    if (rest.length !== n) bad(`"${prefix}" IDs have the form ${form}`);
  };
  switch (prefix) {
    case PREFIX.AWS_PANORAMA: {
      expect(2, 'panorama:{region}:{jobId}');
      const [region, jobId] = rest as [string, string];
      return {
        provider: 'AWS_PANORAMA',
        region: checkArgument(`${argument} (region)`, region, 'awsRegion'),
        jobId: checkArgument(`${argument} (jobId)`, jobId, 'panoramaJobId'),
      };
    }
    case PREFIX.AWS_OMICS: {
      expect(3, 'omics:{region}:{referenceStoreId}:{id}');
      const [region, referenceStoreId, id] = rest as [string, string, string];
      return {
        provider: 'AWS_OMICS',
        region: checkArgument(`${argument} (region)`, region, 'awsRegion'),
        referenceStoreId: checkArgument(`${argument} (referenceStoreId)`, referenceStoreId, 'omicsId'),
        id: checkArgument(`${argument} (id)`, id, 'omicsId'),
      };
    }
    case PREFIX.TENCENT_COS_BATCH: {
      expect(3, 'cos:{region}:{uin}:{jobId}');
      const [region, uin, jobId] = rest as [string, string, string];
      return {
        provider: 'TENCENT_COS_BATCH',
        region: checkArgument(`${argument} (region)`, region, 'cosRegion'),
        uin: checkArgument(`${argument} (uin)`, uin, 'cosUin'),
        jobId: checkArgument(`${argument} (jobId)`, jobId, 'cosJobId'),
      };
    }
    case PREFIX.AWS_IMPORT_EXPORT: {
      expect(1, 'importexport:{jobId}');
      return { provider: 'AWS_IMPORT_EXPORT', jobId: checkArgument(`${argument} (jobId)`, rest[0] as string, 'importExportJobId') };
    }
    case PREFIX.AWS_CODEPIPELINE: {
      expect(2, 'codepipeline:{region}:{jobId}');
      const [region, jobId] = rest as [string, string];
      return {
        provider: 'AWS_CODEPIPELINE',
        region: checkArgument(`${argument} (region)`, region, 'awsRegion'),
        jobId: checkArgument(`${argument} (jobId)`, jobId, 'codePipelineJobId'),
      };
    }
    default:
      return bad(value.length === 0 ? 'it is empty' : `unknown provider prefix ${JSON.stringify((prefix ?? '').slice(0, 32))}`);
  }
}
