// The peer's providers, as a team would write them in a day (bench/README.md, The SDK peer).
import { BatchClient, DescribeJobsCommand } from '@aws-sdk/client-batch';
import { CodePipelineClient, GetJobDetailsCommand } from '@aws-sdk/client-codepipeline';
import { GetReferenceImportJobCommand, OmicsClient } from '@aws-sdk/client-omics';
import { DescribePackageImportJobCommand, PanoramaClient } from '@aws-sdk/client-panorama';
import { Hash } from '@smithy/core/serde';
import { SignatureV4 } from '@smithy/signature-v4';
import { XMLParser } from 'fast-xml-parser';
import { GraphQLError } from 'graphql';
// The status tables are jobgraph's own (README, "State mapping"), so both servers map alike.
import { BATCH_STATE_MAP } from '../../src/datasources/batch/record.ts';
import { COSBATCH_STATE_MAP } from '../../src/datasources/cosbatch/record.ts';
import { IMPORTEXPORT_STATE_MAP } from '../../src/datasources/importexport/record.ts';
import { OMICS_STATE_MAP } from '../../src/datasources/omics/record.ts';
import { PANORAMA_STATE_MAP } from '../../src/datasources/panorama/record.ts';
import { DEMO_AWS_CREDENTIALS, DEMO_TENCENT_CREDENTIALS } from '@jobgraph/emulators/framework';
import { callsOf, cosSign } from '../lib/floor.ts';
import type { BenchProvider } from '../lib/ids.ts';
import { JOB_PROVIDERS, JOB_STATES } from '../../src/model/job.ts';
import type { JobProvider, JobRecord, JobState } from '../../src/model/job.ts';

/** The peer's schema: the `Job` fields the bench asks for, provider and state as jobgraph's enums. */
export const typeDefs = /* GraphQL */ `
  enum JobProvider { ${JOB_PROVIDERS.join(' ')} }

  enum JobState { ${JOB_STATES.join(' ')} }
  type Job {
    id: ID!
    provider: JobProvider!
    nativeId: String!
    region: String
    state: JobState!
    providerStatus: String
    statusMessage: String
    terminal: Boolean!
    createdAt: String
    updatedAt: String
    completedAt: String
  }
  type Query {
    jobs(ids: [ID!]!): [Job]!
  }
`;

/** What a `Job` resolves from: every field the schema has, already in its answer form. */
export type Job = Omit<JobRecord, 'name' | 'retained' | 'lastConfirmedAt'>;

/** Global-ID prefix → the function that reads jobs of that provider, an Error in the slot of each that failed. */
export type Providers = Record<string, (globalIds: readonly string[]) => Promise<(Job | Error)[]>>;

const toError = (err: unknown): Error => (err instanceof Error ? err : new Error(String(err)));

/** A provider with no batch describe: one call per ID, all at once. */
const each =
  (read: (globalId: string) => Promise<Job>) =>
  (ids: readonly string[]): Promise<(Job | Error)[]> =>
    Promise.all(ids.map((id) => read(id).catch(toError)));

const TERMINAL = new Set<JobState>(['CANCELLED', 'SUCCEEDED', 'SUCCEEDED_WITH_ERRORS', 'FAILED']);

const stateOf = (map: Readonly<Record<string, JobState>>, status: string | null): JobState =>
  status !== null && Object.hasOwn(map, status) ? (map[status] as JobState) : 'UNKNOWN';

const iso = (value: Date | string | number | undefined | null): string | null => {
  if (value === undefined || value === null || value === '') return null;
  return (value instanceof Date ? value : new Date(value)).toISOString();
};

/** An XML leaf as text: fast-xml-parser's defaults read numeric text as a number. */
const text = (value: string | number | undefined): string | null =>
  value === undefined || value === '' ? null : String(value);

/** A job of the peer's answers: the fields a provider does not give, null. */
function job(
  id: string,
  provider: JobProvider,
  nativeId: string,
  region: string | null,
  fields: Pick<Job, 'state'> & Partial<Omit<Job, 'id' | 'provider' | 'nativeId' | 'region'>>,
): Job {
  const none = { statusMessage: null, createdAt: null, updatedAt: null, completedAt: null };
  const rest = { providerStatus: null, ...none, ...fields, terminal: TERMINAL.has(fields.state) };
  // When it last changed: the provider's own time, else a finished job's completion (as jobgraph).
  rest.updatedAt ??= rest.terminal ? rest.completedAt : null;
  return { id, provider, nativeId, region, ...rest };
}

/** The error of a job the provider does not know (the core floor's too). */
export const notFound = (id: string) =>
  new GraphQLError(`Job ${id} was not found.`, { extensions: { code: 'NOT_FOUND' } });

/** An SDK error that means "no such job" becomes NOT_FOUND; anything else is thrown as it came. */
function awsError(id: string, notFoundName: string) {
  return (err: unknown): never => {
    if (err instanceof Error && err.name === notFoundName) throw notFound(id);
    throw err;
  };
}

/** One client per region, made on first use (the SDK's clients are per region). */
function perRegion<C>(make: (region: string) => C): (region: string) => C {
  const clients = new Map<string, C>();
  return (region) => clients.get(region) ?? clients.set(region, make(region)).get(region)!;
}

/** A failed answer: NOT_FOUND where the service's `code` says there is no such job. */
function failed(id: string, res: Response, what: string, none: string, code?: string): never {
  throw code === none ? notFound(id) : new Error(`${what} answered ${res.status} ${code ?? ''}`);
}

interface CosJob {
  Status?: string;
  CreationTime?: string;
  TerminationDate?: string;
  StatusUpdateReason?: string;
  SuspendedCause?: string;
  ProgressSummary?: { NumberOfTasksFailed?: number };
  FailureReasons?: { JobFailure?: CosFailure | CosFailure[] } | '';
}
type CosFailure = { FailureCode?: string; FailureReason?: string } | '';

/** `code: reason` of the first failure the service listed (it pads an empty list with one empty entry). */
function firstFailure(reasons: CosJob['FailureReasons']): string | null {
  const list = reasons ? reasons.JobFailure : undefined;
  for (const f of list === undefined ? [] : Array.isArray(list) ? list : [list]) {
    const code = f ? text(f.FailureCode)?.trim() : undefined;
    const reason = f ? text(f.FailureReason)?.trim() : undefined;
    if (code && reason) return `${code}: ${reason}`;
    if (reason || code) return (reason || code) as string;
  }
  return null;
}

const firstNonBlank = (...values: (string | null)[]): string | null =>
  values.find((v) => v !== null && v.trim() !== '') ?? null;

type Urls = Record<BenchProvider, string>;
const credentials = { ...DEMO_AWS_CREDENTIALS };
/** A client's configuration: the SDK's defaults but for region, endpoint and credentials. */
const at = (endpoint: string, region: string) => ({ region, endpoint, credentials });

/** AWS Batch: one DescribeJobs per region (`callsOf` groups them, as jobgraph does); an ID the service does not know is absent from its answer. */
function batchProvider(urls: Urls) {
  const batch = perRegion((region) => new BatchClient(at(urls.batch, region)));
  const batchRegion = async (region: string, ids: readonly string[]): Promise<(Job | Error)[]> => {
    const jobId = (id: string) => id.split(':').slice(2).join(':');
    try {
      const out = await batch(region).send(new DescribeJobsCommand({ jobs: ids.map(jobId) }));
      const found = new Map((out.jobs ?? []).map((j) => [j.jobId, j]));
      return ids.map((id) => {
        const j = found.get(jobId(id));
        if (!j) return notFound(id);
        const state = stateOf(BATCH_STATE_MAP, j.status ?? null);
        return job(id, 'AWS_BATCH', j.jobId ?? jobId(id), region, {
          state,
          providerStatus: j.status ?? null,
          statusMessage: j.statusReason ?? null,
          createdAt: iso(j.createdAt),
          updatedAt: j.status === 'RUNNING' ? iso(j.startedAt) : null,
          completedAt: TERMINAL.has(state) ? iso(j.stoppedAt) : null,
        });
      });
    } catch (err) {
      return ids.map(() => toError(err));
    }
  };
  return async (ids: readonly string[]) => {
    const answers = new Map<string, Job | Error>();
    for (const [, own] of callsOf(ids)) {
      const out = await batchRegion(own[0]?.split(':')[1] ?? '', own);
      own.forEach((id, i) => answers.set(id, out[i] as Job | Error));
    }
    return ids.map((id) => answers.get(id) as Job | Error);
  };
}

function panoramaProvider(urls: Urls) {
  const panorama = perRegion((region) => new PanoramaClient(at(urls.panorama, region)));
  return each(async (id) => {
    const [, region = '', jobId = ''] = id.split(':');
    const out = await panorama(region)
      .send(new DescribePackageImportJobCommand({ JobId: jobId }))
      .catch(awsError(id, 'ResourceNotFoundException'));
    const state = stateOf(PANORAMA_STATE_MAP, out.Status ?? null);
    return job(id, 'AWS_PANORAMA', out.JobId ?? jobId, region, {
      state,
      providerStatus: out.Status ?? null,
      statusMessage: out.StatusMessage ?? null,
      createdAt: iso(out.CreatedTime),
      updatedAt: iso(out.LastUpdatedTime),
      completedAt: TERMINAL.has(state) ? iso(out.LastUpdatedTime) : null,
    });
  });
}

function omicsProvider(urls: Urls) {
  // The emulator answers on one host: the SDK's `control-storage-` host prefix is turned off, as AWS_DISABLE_HOST_PREFIX_INJECTION does.
  const omics = perRegion(
    (region) => new OmicsClient({ ...at(urls.omics, region), disableHostPrefix: true }),
  );
  return each(async (id) => {
    const [, region = '', referenceStoreId = '', jobId = ''] = id.split(':');
    const out = await omics(region)
      .send(new GetReferenceImportJobCommand({ referenceStoreId, id: jobId }))
      .catch(awsError(id, 'ResourceNotFoundException'));
    return job(id, 'AWS_OMICS', out.id ?? jobId, region, {
      state: stateOf(OMICS_STATE_MAP, out.status ?? null),
      providerStatus: out.status ?? null,
      statusMessage: out.statusMessage ?? null,
      createdAt: iso(out.creationTime),
      completedAt: iso(out.completionTime),
    });
  });
}

function codepipelineProvider(urls: Urls) {
  const codepipeline = perRegion((region) => new CodePipelineClient(at(urls.codepipeline, region)));
  return each(async (id) => {
    const [, region = '', jobId = ''] = id.split(':');
    const out = await codepipeline(region)
      .send(new GetJobDetailsCommand({ jobId }))
      .catch(awsError(id, 'JobNotFoundException'));
    if (!out.jobDetails) throw new Error(`GetJobDetails answered no jobDetails for ${id}`);
    return job(id, 'AWS_CODEPIPELINE', out.jobDetails.id ?? jobId, region, { state: 'UNKNOWN' });
  });
}

function cosProvider(urls: Urls, xml: XMLParser) {
  return each(async (id) => {
    const [, region = '', , jobId = ''] = id.split(':');
    const url = new URL(`/jobs/${encodeURIComponent(jobId)}`, urls.cosbatch);
    const res = await fetch(url, {
      headers: {
        'x-cos-appid': DEMO_TENCENT_CREDENTIALS.appId,
        authorization: cosSign(url.pathname, url.host),
      },
    });
    const doc = xml.parse(await res.text()) as {
      DescribeJobResult?: { Job?: CosJob };
      Error?: { Code?: string };
    };
    if (!res.ok) failed(id, res, 'COS Batch', 'NoSuchJob', doc.Error?.Code);
    const j = doc.DescribeJobResult?.Job;
    if (!j) throw new Error(`COS Batch answered no Job for ${id}`);
    const status = text(j.Status);
    let state = stateOf(COSBATCH_STATE_MAP, status);
    if (state === 'SUCCEEDED' && Number(j.ProgressSummary?.NumberOfTasksFailed ?? 0) > 0)
      state = 'SUCCEEDED_WITH_ERRORS';
    return job(id, 'TENCENT_COS_BATCH', jobId, region, {
      state,
      providerStatus: status,
      statusMessage: firstNonBlank(
        text(j.StatusUpdateReason),
        firstFailure(j.FailureReasons),
        text(j.SuspendedCause),
      ),
      createdAt: iso(j.CreationTime),
      completedAt: iso(j.TerminationDate),
    });
  });
}

function importExportProvider(urls: Urls, xml: XMLParser) {
  const importExportSigner = new SignatureV4({
    service: 'IngestionService',
    region: 'us-east-1',
    credentials,
    // node:crypto's SHA-256, as the SDK clients' own Node runtime hashes (the pure-JS default would
    // make the peer slower than the SDK itself is).
    sha256: Hash.bind(null, 'sha256'),
  });
  return each(async (id) => {
    const jobId = id.slice(id.indexOf(':') + 1);
    const url = new URL(urls.importexport);
    const body = `Action=GetStatus&JobId=${encodeURIComponent(jobId)}&Version=2010-06-01`;
    const signed = await importExportSigner.sign({
      method: 'POST',
      protocol: url.protocol,
      hostname: url.hostname,
      port: Number(url.port),
      path: '/',
      headers: {
        host: url.host,
        'content-type': 'application/x-www-form-urlencoded; charset=utf-8',
      },
      body,
    });
    const res = await fetch(url, { method: 'POST', headers: signed.headers, body });
    type Result = { ProgressCode?: string; ProgressMessage?: string; CreationDate?: string };
    const doc = xml.parse(await res.text()) as {
      GetStatusResponse?: { GetStatusResult?: Result };
      ErrorResponse?: { Error?: { Code?: string } };
    };
    const code = doc.ErrorResponse?.Error?.Code;
    if (!res.ok) failed(id, res, 'Import/Export', 'InvalidJobIdException', code);
    const r = doc.GetStatusResponse?.GetStatusResult;
    if (!r) throw new Error(`Import/Export answered no GetStatusResult for ${id}`);
    const progressCode = text(r.ProgressCode);
    return job(id, 'AWS_IMPORT_EXPORT', jobId, null, {
      state: stateOf(IMPORTEXPORT_STATE_MAP, progressCode),
      providerStatus: progressCode,
      statusMessage: text(r.ProgressMessage),
      createdAt: iso(r.CreationDate),
    });
  });
}

/** The six providers, each calling its emulator at `urls`. */
export function createProviders(urls: Urls): Providers {
  const xml = new XMLParser();
  return {
    batch: batchProvider(urls),
    panorama: panoramaProvider(urls),
    omics: omicsProvider(urls),
    codepipeline: codepipelineProvider(urls),
    cos: cosProvider(urls, xml),
    importexport: importExportProvider(urls, xml),
  };
}
