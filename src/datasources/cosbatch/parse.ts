import { MalformedBodyError } from '../../errors.ts';
import type { CosBatchKey } from '../../model/keys.ts';
import { mapState, type JobState, type KeyValue } from '../../model/job.ts';
import { jobHeader } from '../shared/jobHeader.ts';
import { toIsoTimestamp } from '../shared/time.ts';
import {
  boolean,
  child,
  children,
  createXmlParser,
  integer,
  text,
  type XmlNode,
} from '../shared/xml.ts';
import {
  COSBATCH_STATE_MAP,
  type CosBatchJobFailure,
  type CosBatchJobRecord,
  type CosBatchManifest,
  type CosBatchOperation,
  type CosBatchProgressSummary,
  type CosBatchPutObjectCopy,
  type CosBatchReport,
} from './record.ts';
import { COSBATCH_KEY } from './key.ts';

const JOB = 'DescribeJobResult.Job';
const COPY = `${JOB}.Operation.COSPutObjectCopy`;

/** Elements that are lists on the wire, even with one child (cos-go-sdk-v5 `batch.go`; Tencent Cloud DescribeJob, https://www.tencentcloud.com/document/product/436/33776). */
const COSBATCH_ARRAY_PATHS: readonly string[] = [
  `${JOB}.FailureReasons.JobFailure`,
  `${JOB}.Manifest.Spec.Fields.member`,
  `${COPY}.AccessControlGrants.COSGrant`,
  `${COPY}.NewObjectMetadata.UserMetadata.member`,
  `${COPY}.NewObjectTagging.COSTag`,
  `${JOB}.Operation.COSPutObjectTagging.TagSet.COSTag`,
  `${JOB}.Operation.COSPutObjectTagging.TagSet.member`,
];

const parseXml = createXmlParser(COSBATCH_ARRAY_PATHS);

/** Parse a 200 DescribeJob body. Throws MalformedBodyError naming the field that could not be read. */
export function parse(key: CosBatchKey, body: string): CosBatchJobRecord {
  const root = parseXml(body);
  const result = root['DescribeJobResult'];
  if (result === undefined) throw new MalformedBodyError('DescribeJobResult element is missing');
  const job = child(result, 'Job');
  if (!isElement(job)) throw new MalformedBodyError('DescribeJobResult.Job element is missing');
  return normaliseJob(key, job);
}

/** A job's state from its Status: COSBATCH_STATE_MAP, and a Complete job whose tasks partly failed SUCCEEDED_WITH_ERRORS. */
export function cosJobState(
  status: string | null,
  progressSummary: { numberOfTasksFailed: number | null } | null,
): JobState {
  const state = mapState(COSBATCH_STATE_MAP, status);
  return state === 'SUCCEEDED' && (progressSummary?.numberOfTasksFailed ?? 0) > 0
    ? 'SUCCEEDED_WITH_ERRORS'
    : state;
}

function normaliseJob(key: CosBatchKey, job: XmlNode): CosBatchJobRecord {
  const status = text(child(job, 'Status'));
  const progressSummary = parseProgress(child(job, 'ProgressSummary'));
  const failureReasons = children(child(job, 'FailureReasons'), 'JobFailure')
    .map((f): CosBatchJobFailure => ({
      failureCode: text(child(f, 'FailureCode')),
      failureReason: text(child(f, 'FailureReason')),
    }))
    // The service pads a job without failures with one empty <JobFailure/> (cos-go-sdk-v5 batch_test.go).
    .filter((f) => !isBlank(f.failureCode) || !isBlank(f.failureReason));
  const state = cosJobState(status, progressSummary);

  const creationTime = toIsoTimestamp(text(child(job, 'CreationTime')), 'CreationTime');
  const terminationDate = toIsoTimestamp(text(child(job, 'TerminationDate')), 'TerminationDate');
  const statusUpdateReason = text(child(job, 'StatusUpdateReason'));
  const suspendedCause = text(child(job, 'SuspendedCause'));
  const firstFailure = failureReasons[0];
  const description = text(child(job, 'Description'));

  return {
    ...jobHeader(COSBATCH_KEY, key, {
      nativeId: key.jobId,
      // COS Batch names a job by its description (the COS console's list shows it).
      name: description,
      state,
      providerStatus: status,
      statusMessage: firstNonBlank(
        statusUpdateReason,
        firstFailure && describeFailure(firstFailure),
        suspendedCause,
      ),
      createdAt: creationTime,
      updatedAt: null,
      completedAt: terminationDate,
    }),
    uin: key.uin,
    jobId: text(child(job, 'JobId')) ?? key.jobId,
    clientRequestToken: text(child(job, 'ClientRequestToken')),
    confirmationRequired: boolean(child(job, 'ConfirmationRequired'), 'ConfirmationRequired'),
    creationTime,
    description,
    failureReasons,
    manifest: parseManifest(child(job, 'Manifest')),
    operation: parseOperation(child(job, 'Operation')),
    priority: integer(child(job, 'Priority'), 'Priority'),
    progressSummary,
    report: parseReport(child(job, 'Report')),
    roleArn: text(child(job, 'RoleArn')),
    status,
    statusUpdateReason,
    suspendedCause,
    suspendedDate: toIsoTimestamp(text(child(job, 'SuspendedDate')), 'SuspendedDate'),
    terminationDate,
  };
}

function parseProgress(node: XmlNode): CosBatchProgressSummary | null {
  if (node === undefined) return null;
  return {
    numberOfTasksFailed: integer(
      child(node, 'NumberOfTasksFailed'),
      'ProgressSummary.NumberOfTasksFailed',
    ),
    numberOfTasksSucceeded: integer(
      child(node, 'NumberOfTasksSucceeded'),
      'ProgressSummary.NumberOfTasksSucceeded',
    ),
    totalNumberOfTasks: integer(
      child(node, 'TotalNumberOfTasks'),
      'ProgressSummary.TotalNumberOfTasks',
    ),
    autoManifestStatus: text(child(node, 'AutoManifestStatus')),
  };
}

function parseManifest(node: XmlNode): CosBatchManifest | null {
  if (node === undefined) return null;
  const location = child(node, 'Location');
  const spec = child(node, 'Spec');
  return {
    location:
      location === undefined
        ? null
        : {
            eTag: text(child(location, 'ETag')),
            objectArn: text(child(location, 'ObjectArn')),
            objectVersionId: text(child(location, 'ObjectVersionId')),
          },
    spec:
      spec === undefined
        ? null
        : {
            format: text(child(spec, 'Format')),
            fields: children(child(spec, 'Fields'), 'member').map((m) => text(m) ?? ''),
          },
  };
}

function parseOperation(node: XmlNode): CosBatchOperation | null {
  if (node === undefined) return null;
  // Exactly one child names the operation.
  const name = isElement(node) ? (Object.keys(node).find((k) => !k.startsWith('#')) ?? null) : null;
  const copy = child(node, 'COSPutObjectCopy');
  const restore = child(node, 'COSInitiateRestoreObject');
  const tagging = child(node, 'COSPutObjectTagging');
  return {
    name,
    putObjectCopy: copy === undefined ? null : parseCopy(copy),
    initiateRestoreObject:
      restore === undefined
        ? null
        : {
            expirationInDays: integer(
              child(restore, 'ExpirationInDays'),
              'COSInitiateRestoreObject.ExpirationInDays',
            ),
            jobTier: text(child(restore, 'JobTier')),
          },
    // Shape unverified (only cos-go-sdk-v5 `batch.go` has it); TagSet/COSTag mirrors NewObjectTagging/COSTag, TagSet/member is accepted too.
    putObjectTagging:
      tagging === undefined
        ? null
        : {
            tags: [
              ...keyValues(children(child(tagging, 'TagSet'), 'COSTag')),
              ...keyValues(children(child(tagging, 'TagSet'), 'member')),
            ],
          },
  };
}

// duplicates: data — COS's PutObjectCopy elements read one by one, as rerun.ts's copyOf writes them
function parseCopy(node: XmlNode): CosBatchPutObjectCopy {
  const metadata = child(node, 'NewObjectMetadata');
  const field = (name: string) => `COSPutObjectCopy.${name}`;
  return {
    accessControlDirective: text(child(node, 'AccessControlDirective')),
    accessControlGrants: children(child(node, 'AccessControlGrants'), 'COSGrant').map((g) => {
      const grantee = child(g, 'Grantee');
      return {
        grantee:
          grantee === undefined
            ? null
            : {
                displayName: text(child(grantee, 'DisplayName')),
                identifier: text(child(grantee, 'Identifier')),
                typeIdentifier: text(child(grantee, 'TypeIdentifier')),
              },
        permission: text(child(g, 'Permission')),
      };
    }),
    cannedAccessControlList: text(child(node, 'CannedAccessControlList')),
    prefixReplace: boolean(child(node, 'PrefixReplace'), field('PrefixReplace')),
    resourcesPrefix: text(child(node, 'ResourcesPrefix')),
    targetKeyPrefix: text(child(node, 'TargetKeyPrefix')),
    metadataDirective: text(child(node, 'MetadataDirective')),
    modifiedSinceConstraint: integer(
      child(node, 'ModifiedSinceConstraint'),
      field('ModifiedSinceConstraint'),
    ),
    unModifiedSinceConstraint: integer(
      child(node, 'UnModifiedSinceConstraint'),
      field('UnModifiedSinceConstraint'),
    ),
    newObjectMetadata:
      metadata === undefined
        ? null
        : {
            cacheControl: text(child(metadata, 'CacheControl')),
            contentDisposition: text(child(metadata, 'ContentDisposition')),
            contentEncoding: text(child(metadata, 'ContentEncoding')),
            contentType: text(child(metadata, 'ContentType')),
            httpExpiresDate: text(child(metadata, 'HttpExpiresDate')),
            sseAlgorithm: text(child(metadata, 'SSEAlgorithm')),
            userMetadata: keyValues(children(child(metadata, 'UserMetadata'), 'member')),
          },
    taggingDirective: text(child(node, 'TaggingDirective')),
    newObjectTagging: keyValues(children(child(node, 'NewObjectTagging'), 'COSTag')),
    storageClass: text(child(node, 'StorageClass')),
    targetResource: text(child(node, 'TargetResource')),
  };
}

function keyValues(nodes: XmlNode[]): KeyValue[] {
  return nodes.map((n) => ({
    key: text(child(n, 'Key')) ?? '',
    value: text(child(n, 'Value')) ?? '',
  }));
}

function parseReport(node: XmlNode): CosBatchReport | null {
  if (node === undefined) return null;
  return {
    bucket: text(child(node, 'Bucket')),
    enabled: boolean(child(node, 'Enabled'), 'Report.Enabled'),
    format: text(child(node, 'Format')),
    prefix: text(child(node, 'Prefix')),
    reportScope: text(child(node, 'ReportScope')),
  };
}

function describeFailure(f: CosBatchJobFailure): string | null {
  const code = nonBlank(f.failureCode);
  const reason = nonBlank(f.failureReason);
  return code && reason ? `${code}: ${reason}` : (reason ?? code);
}

function isElement(node: XmlNode | XmlNode[]): node is Record<string, XmlNode | XmlNode[]> {
  return node !== null && typeof node === 'object' && !Array.isArray(node);
}

function isBlank(value: string | null): boolean {
  return value === null || value.trim() === '';
}

function nonBlank(value: string | null): string | null {
  return isBlank(value) ? null : value;
}

function firstNonBlank(...values: (string | null | undefined)[]): string | null {
  for (const v of values) if (v != null && v.trim() !== '') return v;
  return null;
}

/** The `<Error>` envelope every COS API answers failures with. */
export interface CosErrorEnvelope {
  code: string | null;
  message: string | null;
  resource: string | null;
  requestId: string | null;
  traceId: string | null;
}

const parseErrorXml = createXmlParser([]);

/** Read a COS `<Error>` body; null when the body is not one (empty, HTML from a proxy, truncated). */
export function parseCosErrorBody(body: string): CosErrorEnvelope | null {
  if (body.trim() === '') return null;
  let root: Record<string, XmlNode>;
  try {
    root = parseErrorXml(body);
  } catch {
    return null;
  }
  const error = root['Error'];
  if (!isElement(error)) return null;
  return {
    code: nonBlank(text(child(error, 'Code')))?.trim() ?? null,
    message: text(child(error, 'Message')),
    resource: text(child(error, 'Resource')),
    requestId: nonBlank(text(child(error, 'RequestId')))?.trim() ?? null,
    traceId: nonBlank(text(child(error, 'TraceId')))?.trim() ?? null,
  };
}
