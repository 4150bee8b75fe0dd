import { MalformedBodyError } from '../../errors.ts';
import type { JobState } from '../../model/job.ts';
import { enumValue } from '../shared/json.ts';
import { addPage, type ListPage, type PageParams } from '../shared/paging.ts';
import { formEncode } from '../shared/rfc3986.ts';
import type { Operation, WireRequest } from '../shared/source.ts';
import { requiredXmlTime, xmlListMember } from '../shared/listReaders.ts';
import { boolean, child, children, createXmlParser, text, type XmlNode } from '../shared/xml.ts';
import {
  FORM_CONTENT_TYPE,
  IMPORTEXPORT_API_VERSION,
  IMPORTEXPORT_SIGNING_REGION,
} from './client.ts';
import { listUpstreamError } from './errors.ts';
import { IMPORTEXPORT_JOB_TYPES, type ImportExportJobType } from './record.ts';

/**
 * ListJobs on the wire (botocore `importexport/2010-06-01/service-2.json` and
 * `paginators-1.json`; AWS Import/Export Developer Guide "ListJobs",
 * https://docs.aws.amazon.com/AWSImportExport/latest/DG/WebListJobs.html): the query protocol,
 * a form `POST /` with `Action=ListJobs&Version=2010-06-01&MaxJobs=&Marker=`, signed as GetStatus
 * is. `MaxJobs` is 0..1000; `Marker` is a job ID: the jobs after it are listed. Jobs come newest
 * first ("reverse chronological order"). The answer is `ListJobsResponse/ListJobsResult` with
 * `Jobs/member*{JobId, CreationDate, IsCanceled, JobType}` and `IsTruncated` (beside `Jobs` in
 * the model; the guide's table puts it inside `Jobs`, so both are read). A summary has no status:
 * only `IsCanceled`. The next page's Marker is the last JobId when `IsTruncated` is true
 * (botocore's paginator: `Jobs[-1].JobId`). Errors: InvalidParameterException (a bad MaxJobs or
 * Marker), InvalidAccessKeyIdException, InvalidVersionException, in the query error envelope
 * read by errors.ts.
 */

/** The operation, as metrics and traces name it. */
const IMPORTEXPORT_LIST_OPERATION = 'ListJobs';

/** Largest `MaxJobs` (Developer Guide: 0..1000; 0 is never sent). */
export const IMPORTEXPORT_LIST_MAX_JOBS = 1000;

/** One ListJobs call. */
export interface ImportExportListInput {
  /** Page size, 1..1000; absent leaves it to the service. */
  maxJobs?: number;
  /** The previous page's next token (its last JobId); absent or null for the first page. */
  marker?: string | null;
}

/** One `Jobs/member`, normalised. */
export interface ImportExportJobSummary {
  jobId: string;
  /** `CreationDate`. */
  createdAt: Date;
  jobType: ImportExportJobType | null;
  /** `IsCanceled` as sent (null when absent). */
  isCanceled: boolean | null;
  /** CANCELLED when the summary says IsCanceled (GetStatus then says ProgressCode `Canceled`); else null: the summary has no status. */
  state: JobState | null;
  /** Always null: the summary carries no ProgressCode. */
  upstreamStatus: null;
}

/** One page of summaries; the next page's token is its Marker (null when not truncated). */
export type ImportExportListPage = ListPage<ImportExportJobSummary>;

/** ListJobs as an operation of the one pipeline (`ProviderSource.call`): the global service, signed for us-east-1. */
export const IMPORTEXPORT_LIST: Operation<ImportExportListInput, ImportExportListPage> = {
  name: IMPORTEXPORT_LIST_OPERATION,
  region: () => IMPORTEXPORT_SIGNING_REGION,
  send: (input) => listRequest(input),
  readError: (_input, answer) => listUpstreamError(answer),
  parse: (_input, answer) => parseListPage(answer.body),
};

/** The page's parameters on the wire. */
const PAGE: PageParams = {
  size: 'MaxJobs',
  sizeInput: 'maxJobs',
  max: IMPORTEXPORT_LIST_MAX_JOBS,
  token: 'Marker',
};

/** The request of one page. Throws RangeError for a `maxJobs` outside 1..1000. */
export function listRequest(input: ImportExportListInput = {}): WireRequest {
  const form: [string, string][] = [
    ['Action', 'ListJobs'],
    ['Version', IMPORTEXPORT_API_VERSION],
  ];
  addPage(form, PAGE, input.maxJobs, input.marker);
  return {
    method: 'POST',
    path: '/',
    headers: { 'content-type': FORM_CONTENT_TYPE },
    body: formEncode(form),
  };
}

const listXml = createXmlParser(['ListJobsResponse.ListJobsResult.Jobs.member']);

/**
 * Parse a 200 ListJobs body (namespace-agnostic: the model's and the guide's namespaces read the
 * same). Throws MalformedBodyError when it is not a ListJobsResponse, a member lacks JobId or
 * CreationDate, a typed element does not read, or IsTruncated is true on a page without jobs
 * (there would be no Marker to go on from).
 */
export function parseListPage(body: string): ImportExportListPage {
  const result = listResult(listXml(body));
  const jobs = child(result, 'Jobs');
  const items = children(jobs, 'member').map((member, i) => summary(member, `Jobs.member[${i}]`));
  const truncated =
    boolean(child(result, 'IsTruncated') ?? child(jobs, 'IsTruncated'), 'IsTruncated') ?? false;
  const last = items[items.length - 1];
  if (truncated && !last)
    throw new MalformedBodyError('IsTruncated is true on a page without jobs');
  return { items, nextToken: truncated && last ? last.jobId : null };
}

/** The request id of a ListJobs success body (`ResponseMetadata/RequestId`), or null. */
export function listRequestId(body: string): string | null {
  try {
    return text(child(child(listXml(body).ListJobsResponse, 'ResponseMetadata'), 'RequestId'));
  } catch {
    return null;
  }
}

function listResult(doc: Record<string, XmlNode>): XmlNode {
  const response = doc.ListJobsResponse;
  if (response === undefined || typeof response === 'string')
    throw new MalformedBodyError('body is not a ListJobsResponse');
  const result = child(response, 'ListJobsResult');
  if (result === undefined) throw new MalformedBodyError('ListJobsResponse has no ListJobsResult');
  return result;
}

function summary(node: XmlNode, field: string): ImportExportJobSummary {
  const { element: member, jobId } = xmlListMember(node, field);
  const createdAt = requiredXmlTime(member, 'CreationDate', field);
  const isCanceled = boolean(child(member, 'IsCanceled'), `${field}.IsCanceled`);
  return {
    jobId,
    createdAt,
    jobType: enumValue(text(child(member, 'JobType')), IMPORTEXPORT_JOB_TYPES),
    isCanceled,
    state: isCanceled === true ? 'CANCELLED' : null,
    upstreamStatus: null,
  };
}
