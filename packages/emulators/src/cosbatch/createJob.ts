import { createHash, randomUUID } from 'node:crypto';
import { XMLParser, XMLValidator } from 'fast-xml-parser';
import { isoSeconds } from '../progress.ts';
import type { WireElement } from './xml.ts';

/**
 * Tencent COS Batch's CreateJob, as Tencent Cloud's API pages describe it ("CreateJob", 436/33781;
 * the Job's fields of "DescribeJob", 436/38609; the batch "ErrorResponse" page, 436/33787) and
 * as the S3-compatible batch API it follows answers:
 *
 * - `POST /jobs`, `x-cos-appid`, body `<CreateJobRequest>`: `ClientRequestToken` (1–64 bytes, "a
 *   token unique to each request, which can prevent the frontend from initiating one batch
 *   operation job multiple times"), `ConfirmationRequired` (`true`/`false`, optional),
 *   `Description` (0–256 bytes, optional), `Manifest` (`Location{ETag, ObjectArn}`,
 *   `Spec{Format, Fields}`), `Operation` (exactly one operation element), `Priority`
 *   (0–2147483647), `Report` (`Bucket`, `Enabled`, `Format`, `Prefix`, `ReportScope`), `RoleArn`.
 * - Answer: `<CreateJobResult><JobId/></CreateJobResult>`.
 * - The same ClientRequestToken with the same request answers the job it made; with another
 *   request, 409 `IdempotencyException` (the S3-compatible answer: Tencent's wording is unverified).
 * - Errors: 400 `MalformedXML` for a body that is not a CreateJobRequest or lacks a required
 *   element, 400 `InvalidArgument` for a value out of its documented range.
 *
 * The job made is `Suspended` (`SuspendedCause: AwaitingConfirmation`) when confirmation is
 * required, else `New`, and stays so until UpdateJobStatus moves it (docs/emulators.md): the
 * emulator does not run the operation over the manifest.
 */

/** The documented limits CreateJob checks. */
const CREATE_LIMITS = {
  tokenMaxBytes: 64,
  descriptionMaxBytes: 256,
  maxPriority: 2_147_483_647,
} as const;

/** The elements the `<Operation>` of a CreateJob may hold, one of them (Tencent's and the Go SDK's). */
const OPERATIONS = ['COSPutObjectCopy', 'COSInitiateRestoreObject', 'COSPutObjectTagging'];

const parser = new XMLParser({
  parseTagValue: false,
  ignoreDeclaration: true,
  isArray: (name) => ['member', 'COSGrant', 'COSTag'].includes(name),
});

/** A CreateJob body as checked: the job's own elements, and a digest telling one request from another. */
export interface CreateJobInput {
  token: string;
  job: WireElement;
  digest: string;
}

/** A refusal: HTTP status, COS error code, message. */
export interface CreateJobRefusal {
  status: number;
  code: string;
  message: string;
}

const malformed = (message: string): CreateJobRefusal => ({
  status: 400,
  code: 'MalformedXML',
  message,
});
const invalid = (message: string): CreateJobRefusal => ({
  status: 400,
  code: 'InvalidArgument',
  message,
});

const isElement = (v: unknown): v is WireElement =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const bytes = (s: string) => Buffer.byteLength(s);

/** The body checked against the documented shape and limits, or its refusal. */
export function readCreateJob(body: string): CreateJobInput | CreateJobRefusal {
  if (body.trim() === '' || XMLValidator.validate(body) !== true)
    return malformed('The XML you provided was not well-formed.');
  const doc = parser.parse(body) as Record<string, unknown>;
  const request = doc.CreateJobRequest;
  if (!isElement(request)) return malformed('The XML root must be CreateJobRequest.');
  const token = request.ClientRequestToken;
  if (typeof token !== 'string' || token === '')
    return malformed('ClientRequestToken is required.');
  if (bytes(token) > CREATE_LIMITS.tokenMaxBytes)
    return invalid(`ClientRequestToken is 1 to ${CREATE_LIMITS.tokenMaxBytes} bytes long.`);
  for (const name of ['Manifest', 'Operation', 'Report'] as const)
    if (!isElement(request[name])) return malformed(`${name} is required.`);
  const operation = request.Operation as WireElement;
  const kinds = Object.keys(operation);
  if (kinds.length !== 1 || !OPERATIONS.includes(kinds[0] as string))
    return malformed(`Operation holds exactly one of ${OPERATIONS.join(', ')}.`);
  const role = request.RoleArn;
  if (typeof role !== 'string' || role === '') return malformed('RoleArn is required.');
  const priority = request.Priority;
  if (typeof priority !== 'string' || !/^\d{1,10}$/.test(priority))
    return malformed('Priority is required: an integer.');
  if (Number(priority) > CREATE_LIMITS.maxPriority)
    return invalid(`Priority is 0 to ${CREATE_LIMITS.maxPriority}.`);
  const confirm = request.ConfirmationRequired ?? 'false';
  if (confirm !== 'true' && confirm !== 'false')
    return invalid('ConfirmationRequired is true or false.');
  const description = request.Description ?? '';
  if (typeof description !== 'string' || bytes(description) > CREATE_LIMITS.descriptionMaxBytes)
    return invalid(`Description is at most ${CREATE_LIMITS.descriptionMaxBytes} bytes.`);
  const job: WireElement = {
    ConfirmationRequired: confirm,
    Description: description,
    Manifest: request.Manifest,
    Operation: operation,
    Priority: priority,
    Report: request.Report,
    RoleArn: role,
  };
  const digest = createHash('sha256').update(JSON.stringify(job)).digest('hex');
  return { token, job, digest };
}

/**
 * The `<Job>` DescribeJob answers for a job CreateJob made at `atMs`, its elements in the
 * documented order.
 */
function createdJob(input: CreateJobInput, atMs: number): WireElement {
  const { job } = input;
  const suspended = job.ConfirmationRequired === 'true';
  const at = isoSeconds(atMs);
  return {
    ClientRequestToken: input.token,
    ConfirmationRequired: job.ConfirmationRequired,
    CreationTime: at,
    Description: job.Description,
    FailureReasons: {},
    JobId: randomUUID(),
    Manifest: job.Manifest,
    Operation: job.Operation,
    Priority: job.Priority,
    ProgressSummary: { NumberOfTasksFailed: 0, NumberOfTasksSucceeded: 0, TotalNumberOfTasks: 0 },
    Report: job.Report,
    RoleArn: job.RoleArn,
    Status: suspended ? 'Suspended' : 'New',
    StatusUpdateReason: '',
    ...(suspended ? { SuspendedCause: 'AwaitingConfirmation', SuspendedDate: at } : {}),
  };
}

/** The jobs CreateJob made in one account, by region: each with the request that made it. */
export class CreatedJobs {
  readonly #byToken = new Map<string, { digest: string; job: WireElement }>();

  /** The job `input` makes in `region` (the one it made before, for the same token and request), or the refusal. */
  create(
    region: string,
    input: CreateJobInput,
    atMs: number,
  ): { job: WireElement } | CreateJobRefusal {
    const key = `${region}/${input.token}`;
    const made = this.#byToken.get(key);
    if (made && made.digest !== input.digest)
      return {
        status: 409,
        code: 'IdempotencyException',
        message: 'The ClientRequestToken was used by another request.',
      };
    if (made) return { job: made.job };
    const job = createdJob(input, atMs);
    this.#byToken.set(key, { digest: input.digest, job });
    return { job };
  }

  /** The jobs made in `region`, oldest first. */
  in(region: string): WireElement[] {
    return [...this.#byToken]
      .filter(([key]) => key.startsWith(`${region}/`))
      .map(([, made]) => made.job);
  }

  /** The job `jobId` made in `region`, or undefined. */
  find(region: string, jobId: string): WireElement | undefined {
    return this.in(region).find((job) => job.JobId === jobId);
  }
}
