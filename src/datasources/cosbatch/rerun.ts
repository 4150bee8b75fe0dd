/**
 * COS Batch's rerun (docs/actions.md, "Rerun"): CreateJob rebuilt from the described job, with
 * the rerun's key as its `ClientRequestToken`. COS Batch answers the same token with the same
 * request by the job it made, so a submit repeated after a lost answer (a retry, another replica,
 * a restart) finds that job: no look-up by tags is needed, and COS Batch jobs carry none.
 */
import { XMLBuilder } from 'fast-xml-parser';
import type { CosBatchKey } from '../../model/keys.ts';
import type { JobRecord, KeyValue } from '../../model/job.ts';
import { MalformedBodyError } from '../../errors.ts';
import type { RerunInput, RerunSubmitted } from '../shared/rerunning.ts';
import type { Operation, ProviderWire } from '../shared/source.ts';
import { child, createXmlParser, text } from '../shared/xml.ts';
import { cosRequestId, jobSubject, readCosError } from './errors.ts';
import type {
  CosBatchJobRecord,
  CosBatchManifest,
  CosBatchOperation,
  CosBatchPutObjectCopy,
  CosBatchReport,
} from './record.ts';

type Element = Record<string, unknown>;

/** The operations CreateJob takes (Tencent's CreateJob page and cos-go-sdk-v5), the ones jobgraph reads whole. */
const REBUILT = new Set(['COSPutObjectCopy', 'COSInitiateRestoreObject', 'COSPutObjectTagging']);

/** An element of its defined children only, in the order given (null and undefined left out). */
function element(entries: [string, unknown][]): Element | undefined {
  const kept = entries.filter(([, v]) => v !== null && v !== undefined);
  return kept.length > 0 ? Object.fromEntries(kept) : undefined;
}

const tagsOf = (tags: readonly KeyValue[]) =>
  tags.length > 0 ? { COSTag: tags.map((t) => ({ Key: t.key, Value: t.value ?? '' })) } : undefined;

// duplicates: data — COS's CreateJob elements written one by one, as parse.ts reads them
function manifestOf(m: CosBatchManifest): Element | undefined {
  const location = m.location;
  const spec = m.spec;
  return element([
    [
      'Location',
      location &&
        element([
          ['ETag', location.eTag],
          ['ObjectArn', location.objectArn],
          ['ObjectVersionId', location.objectVersionId],
        ]),
    ],
    [
      'Spec',
      spec &&
        element([
          ['Fields', spec.fields.length > 0 ? { member: spec.fields } : null],
          ['Format', spec.format],
        ]),
    ],
  ]);
}

// duplicates: data — COSPutObjectCopy's elements written one by one, as parse.ts reads them
function copyOf(c: CosBatchPutObjectCopy): Element {
  const meta = c.newObjectMetadata;
  return (
    element([
      ['AccessControlDirective', c.accessControlDirective],
      [
        'AccessControlGrants',
        c.accessControlGrants.length > 0
          ? {
              COSGrant: c.accessControlGrants.map((g) =>
                element([
                  [
                    'Grantee',
                    g.grantee &&
                      element([
                        ['DisplayName', g.grantee.displayName],
                        ['Identifier', g.grantee.identifier],
                        ['TypeIdentifier', g.grantee.typeIdentifier],
                      ]),
                  ],
                  ['Permission', g.permission],
                ]),
              ),
            }
          : null,
      ],
      ['CannedAccessControlList', c.cannedAccessControlList],
      ['PrefixReplace', c.prefixReplace],
      ['ResourcesPrefix', c.resourcesPrefix],
      ['TargetKeyPrefix', c.targetKeyPrefix],
      ['MetadataDirective', c.metadataDirective],
      ['ModifiedSinceConstraint', c.modifiedSinceConstraint],
      ['UnModifiedSinceConstraint', c.unModifiedSinceConstraint],
      [
        'NewObjectMetadata',
        meta &&
          element([
            ['CacheControl', meta.cacheControl],
            ['ContentDisposition', meta.contentDisposition],
            ['ContentEncoding', meta.contentEncoding],
            ['ContentType', meta.contentType],
            ['HttpExpiresDate', meta.httpExpiresDate],
            ['SSEAlgorithm', meta.sseAlgorithm],
            [
              'UserMetadata',
              meta.userMetadata.length > 0
                ? { member: meta.userMetadata.map((t) => ({ Key: t.key, Value: t.value ?? '' })) }
                : null,
            ],
          ]),
      ],
      ['TaggingDirective', c.taggingDirective],
      ['NewObjectTagging', tagsOf(c.newObjectTagging)],
      ['StorageClass', c.storageClass],
      ['TargetResource', c.targetResource],
    ]) ?? {}
  );
}

function operationOf(o: CosBatchOperation): Element | undefined {
  if (o.putObjectCopy) return { COSPutObjectCopy: copyOf(o.putObjectCopy) };
  if (o.initiateRestoreObject)
    return {
      COSInitiateRestoreObject:
        element([
          ['ExpirationInDays', o.initiateRestoreObject.expirationInDays],
          ['JobTier', o.initiateRestoreObject.jobTier],
        ]) ?? {},
    };
  if (o.putObjectTagging)
    return { COSPutObjectTagging: { TagSet: tagsOf(o.putObjectTagging.tags) ?? '' } };
  return undefined;
}

function reportOf(r: CosBatchReport): Element | undefined {
  return element([
    ['Bucket', r.bucket],
    ['Enabled', r.enabled],
    ['Format', r.format],
    ['Prefix', r.prefix],
    ['ReportScope', r.reportScope],
  ]);
}

/**
 * Why jobgraph cannot rebuild the CreateJob of `r` (null: it can): an operation it does not read
 * whole, or a required element the description lacked.
 */
export function unrebuildable(r: CosBatchJobRecord): string | null {
  const operation = r.operation?.name ?? null;
  if (!operation || !REBUILT.has(operation))
    return `jobgraph rebuilds a COS Batch job of ${[...REBUILT].join(', ')}; this one's operation is ${operation ?? 'not named'}.`;
  const missing = [
    ['Manifest', r.manifest?.location?.objectArn],
    ['Report', r.report],
    ['RoleArn', r.roleArn],
    ['Priority', r.priority],
  ].flatMap(([name, v]) => (v === null || v === undefined ? [name as string] : []));
  return missing.length > 0
    ? `Its description lacks ${missing.join(', ')}, which CreateJob requires.`
    : null;
}

const builder = new XMLBuilder({ format: false, suppressEmptyNode: false });

/**
 * The CreateJob body that reruns `r` (`<CreateJobRequest>`, its elements in the documented
 * order): `token` as ClientRequestToken, its confirmation requirement, description, manifest,
 * operation, priority, report and role as described. Throws for a job `unrebuildable` refuses.
 */
function createJobBody(r: CosBatchJobRecord, token: string): string {
  const why = unrebuildable(r);
  if (why) throw new TypeError(why);
  const request = element([
    ['ClientRequestToken', token],
    ['ConfirmationRequired', r.confirmationRequired ?? false],
    ['Description', r.description],
    ['Manifest', r.manifest && manifestOf(r.manifest)],
    ['Operation', r.operation && operationOf(r.operation)],
    ['Priority', r.priority],
    ['Report', r.report && reportOf(r.report)],
    ['RoleArn', r.roleArn],
  ]);
  return `<?xml version="1.0" encoding="UTF-8"?>${builder.build({ CreateJobRequest: request })}`;
}

type CosRerun = RerunInput<CosBatchKey>;
const cosRecord = (input: CosRerun) => input.record as CosBatchJobRecord;
const parseResult = createXmlParser([]);

/**
 * CreateJob (`POST /jobs`, `x-cos-appid`, the COS signature) on the account's host, for the APPID
 * of the job's account: answers `<CreateJobResult><JobId/></CreateJobResult>`.
 * @public (the permissions test reads each exported operation of the provider's folder)
 */
export function createJobOperation(
  appIdOf: (uin: string) => string,
): Operation<CosRerun, RerunSubmitted> {
  return {
    name: 'CreateJob',
    acts: true,
    region: (input) => input.key.region,
    send: (input) => ({
      method: 'POST',
      path: '/jobs',
      headers: { 'x-cos-appid': appIdOf(input.key.uin), 'content-type': 'application/xml' },
      body: createJobBody(cosRecord(input), input.rerunKey),
      hostPrefix: `${input.key.uin}.`,
    }),
    readError: (input, answer) => readCosError(jobSubject(input.key), 'CreateJobResult', answer),
    parse: (_input, answer) => {
      const jobId = text(child(parseResult(answer.body).CreateJobResult, 'JobId'));
      if (!jobId) throw new MalformedBodyError('CreateJobResult.JobId is missing');
      return { jobId, requestId: cosRequestId(answer) };
    },
  };
}

/** COS Batch's rerun on the wire (ProviderWire.rerun): no candidates, its token finds a lost answer's job. */
export function cosRerun(
  appIdOf: (uin: string) => string,
): NonNullable<ProviderWire<CosBatchKey, CosBatchJobRecord, unknown>['rerun']> {
  return {
    subject: (key) => key,
    keyOf: (key, jobId) => ({ ...key, jobId }),
    made: (record: JobRecord, input) =>
      (record as CosBatchJobRecord).clientRequestToken === input.rerunKey,
    submit: createJobOperation(appIdOf),
    said: 'COS Batch keeps its ClientRequestToken: asked again, it answers this same job.',
  };
}
