import { MalformedBodyError } from '../../errors.ts';
import type { JobState } from '../../model/job.ts';
import type { HttpResult } from '../shared/http.ts';
import { addPage, type ListPage, type PageInput, type PageParams } from '../shared/paging.ts';
import type { Operation, WireRequest } from '../shared/source.ts';
import { requiredXmlTime, xmlListMember, xmlListTime } from '../shared/listReaders.ts';
import { child, children, createXmlParser, integer, text, type XmlNode } from '../shared/xml.ts';
import { listSubject, readCosError } from './errors.ts';
import { cosJobState } from './parse.ts';
import type { CosBatchProgressSummary } from './record.ts';

/**
 * ListJobs on the wire (Tencent Cloud "ListJobs", https://www.tencentcloud.com/document/product/436/33783;
 * cos-go-sdk-v5 `batch.go` `BatchListJobsOptions`/`BatchListJobsResult`): `GET /jobs` on the
 * account's control host (`{uin}.cos-control.{region}.myqcloud.com`) with `x-cos-appid`, the
 * query `jobStatuses` (one of the 13 statuses), `maxResults` (1..1000, default 1000) and
 * `nextToken` (1..64 bytes: the last JobId of the previous page), signed as DescribeJob is
 * (the query parameters are signed). The answer is `<ListJobsResult><Jobs><member>{CreationTime,
 * Description, JobId, Operation (the operation's name as text), Priority, ProgressSummary,
 * Status, TerminationDate}</member>…</Jobs><NextToken/></ListJobsResult>`; `Jobs/member` is a
 * list even with one member. Errors are the `<Error>` envelope (400 InvalidArgument for bad
 * parameters, a bad nextToken included), read by errors.ts like DescribeJob's. Tencent documents
 * no order (cos-go-sdk-v5's test answer lists oldest first).
 */

/** The operation, as metrics and traces name it. */
const COS_LIST_OPERATION = 'ListJobs';

/** Largest (and default) `maxResults`. */
export const COS_LIST_MAX_RESULTS = 1000;

/** One ListJobs call: a page (`maxResults` 1..1000; absent is the service's 1000) of an account. */
export interface CosListInput extends PageInput {
  /** The account UIN (the host label). */
  uin: string;
  /** Sent as `jobStatuses`: only jobs in this status (one of COSBATCH_STATE_MAP's keys); the service filters. */
  jobStatus?: string;
}

/** One `Jobs/member` summary, normalised. */
export interface CosJobSummary {
  jobId: string;
  /** `CreationTime`. */
  createdAt: Date;
  /** `TerminationDate`. */
  completedAt: Date | null;
  /**
   * `Status` through COSBATCH_STATE_MAP, and Complete with failed tasks SUCCEEDED_WITH_ERRORS as
   * the describe parse has it (parse.ts); null when the summary has no Status.
   */
  state: JobState | null;
  /** `Status` as sent. */
  upstreamStatus: string | null;
  description: string | null;
  /** The operation's name, e.g. `COSPutObjectCopy`. */
  operation: string | null;
  priority: number | null;
  progressSummary: CosBatchProgressSummary | null;
}

/** One page of summaries; its next token is null when the answer's NextToken is empty or absent. */
export type CosListPage = ListPage<CosJobSummary>;

/** One ListJobs call: a page of the account's jobs in a region. */
export interface CosListCall extends CosListInput {
  region: string;
}

/**
 * ListJobs as an operation of the one pipeline (`ProviderSource.call`), for the account's APPID
 * (sent as `x-cos-appid`). A 2xx that carries an `<Error>` envelope instead of a
 * ListJobsResult is read as that error, as DescribeJob's is.
 */
export function cosListOperation(appId: string): Operation<CosListCall, CosListPage> {
  const readError = (input: CosListCall, answer: HttpResult) =>
    readCosError(listSubject(input.region, input.uin), 'ListJobsResult', answer);
  return {
    name: COS_LIST_OPERATION,
    region: (input) => input.region,
    send: (input) => listRequest(input, appId),
    readError,
    parse(input, answer) {
      try {
        return parseListPage(answer.body);
      } catch (err) {
        if (err instanceof MalformedBodyError && /<Error>/.test(answer.body))
          throw readError(input, answer);
        throw err;
      }
    },
  };
}

/** The page's parameters on the wire. */
const PAGE: PageParams = {
  size: 'maxResults',
  sizeInput: 'maxResults',
  max: COS_LIST_MAX_RESULTS,
  token: 'nextToken',
};

/**
 * The request of one page, for the account's APPID (sent as `x-cos-appid`, as DescribeJob's
 * request takes it). Throws RangeError for a `maxResults` outside 1..1000.
 */
export function listRequest(input: CosListInput, appId: string): WireRequest {
  const query: [string, string][] = [];
  if (input.jobStatus !== undefined) query.push(['jobStatuses', input.jobStatus]);
  addPage(query, PAGE, input.maxResults, input.nextToken);
  return {
    method: 'GET',
    path: '/jobs',
    query,
    headers: { 'x-cos-appid': appId },
    body: '',
    hostPrefix: `${input.uin}.`,
  };
}

const listXml = createXmlParser(['ListJobsResult.Jobs.member']);

/** Parse a 200 ListJobs body. Throws MalformedBodyError naming what could not be read. */
export function parseListPage(body: string): CosListPage {
  const root = listXml(body);
  const result = root['ListJobsResult'];
  if (result === undefined) throw new MalformedBodyError('ListJobsResult element is missing');
  const items = children(child(result, 'Jobs'), 'member').map((member, i) =>
    summary(member, `Jobs.member[${i}]`),
  );
  const token = text(child(result, 'NextToken'));
  return { items, nextToken: token === null || token.trim() === '' ? null : token.trim() };
}

function summary(node: XmlNode, field: string): CosJobSummary {
  const { element: member, jobId } = xmlListMember(node, field);
  const createdAt = requiredXmlTime(member, 'CreationTime', field);
  const upstreamStatus = text(child(member, 'Status'));
  const progressSummary = progress(child(member, 'ProgressSummary'), `${field}.ProgressSummary`);
  const state = upstreamStatus === null ? null : cosJobState(upstreamStatus, progressSummary);
  return {
    jobId,
    createdAt,
    completedAt: xmlListTime(child(member, 'TerminationDate'), `${field}.TerminationDate`),
    state,
    upstreamStatus,
    description: text(child(member, 'Description')),
    operation: text(child(member, 'Operation')),
    priority: integer(child(member, 'Priority'), `${field}.Priority`),
    progressSummary,
  };
}

function progress(node: XmlNode, field: string): CosBatchProgressSummary | null {
  if (node === undefined) return null;
  return {
    numberOfTasksFailed: integer(
      child(node, 'NumberOfTasksFailed'),
      `${field}.NumberOfTasksFailed`,
    ),
    numberOfTasksSucceeded: integer(
      child(node, 'NumberOfTasksSucceeded'),
      `${field}.NumberOfTasksSucceeded`,
    ),
    totalNumberOfTasks: integer(child(node, 'TotalNumberOfTasks'), `${field}.TotalNumberOfTasks`),
    autoManifestStatus: text(child(node, 'AutoManifestStatus')),
  };
}
