import {
  synthesizedJob,
  type EmulatorRequest,
  type EmulatorResponse,
  type ProviderEmulator,
} from '../framework.ts';
import {
  awsCallers,
  jsonAuthRefusal,
  type AwsAccountsOptions,
  type AwsCallerRefusal,
} from '../awsCaller.ts';
import { NO_EVENTS, publishOnChange, type EventSink } from '../eventBridge.ts';
import { progressClock, type ProgressClockOptions } from '../progress.ts';
import { codePipelineActionEvent } from './jobEvents.ts';
import {
  CODEPIPELINE_DEMO_JOBS,
  DEMO_ACCOUNT_ID,
  DEMO_REGION,
  SERVER_ERROR_JOB_ID,
  THROTTLED_JOB_ID,
  type WireJobDetails,
} from './data.ts';
import { CODEPIPELINE_PROGRESSING_JOB_ID, codePipelineProgressingJob } from './progressing.ts';
import { CODEPIPELINE_SECOND_ACCOUNT_JOBS } from './secondAccount.ts';

const TARGET_PREFIX = 'CodePipeline_20150709.';
const GET_JOB_DETAILS = `${TARGET_PREFIX}GetJobDetails`;
const JSON_11 = 'application/x-amz-json-1.1';
const JOB_ID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;

export interface CodePipelineEmulatorOptions extends ProgressClockOptions, AwsAccountsOptions {
  /** Where `CodePipeline Action Execution State Change` events go (default: dropped). */
  events?: EventSink;
}

/**
 * CodePipeline's side of `GetJobDetails` (AWS JSON 1.1): `POST /` with
 * `X-Amz-Target: CodePipeline_20150709.GetJobDetails`, SigV4 `codepipeline` scoped to the
 * region the demo data lives in, errors as `{"__type","message"}` with `x-amzn-RequestId`.
 * The demo jobs (data.ts) live in us-east-1; request IDs are deterministic per instance.
 *
 * Accounts (`opts.accounts`): the demo keys are the default account's and see the demo jobs;
 * the keys of an STS session (with their `x-amz-security-token`) see their own account's: the
 * second account (DEMO_SECOND_AWS_ACCOUNT) its few jobs of secondAccount.ts, any other account
 * none. A session key without its token is 400 UnrecognizedClientException, an expired one 400
 * ExpiredTokenException (the AWS JSON protocols' front end answers 400, as DynamoDB does).
 */
export function createCodePipelineEmulator(
  opts: CodePipelineEmulatorOptions = {},
): ProviderEmulator {
  const cycle = progressClock(opts);
  const now = opts.now ?? Date.now;
  const callers = awsCallers(opts, { service: 'codepipeline', region: DEMO_REGION, now });
  let requestCounter = 0;
  const nextRequestId = () => {
    requestCounter += 1;
    return `c0de9000-0000-4000-8000-${requestCounter.toString(16).padStart(12, '0')}`;
  };

  const json = (status: number, body: unknown): EmulatorResponse => ({
    status,
    headers: { 'x-amzn-RequestId': nextRequestId(), 'Content-Type': JSON_11 },
    body: JSON.stringify(body),
  });
  const error = (status: number, type: string, message?: string): EmulatorResponse =>
    json(status, message === undefined ? { __type: type } : { __type: type, message });

  const throttled = () => error(400, 'ThrottlingException', 'Rate exceeded');

  function authError(check: AwsCallerRefusal): EmulatorResponse {
    // The AWS JSON protocols' front end answers key and token refusals 400, as DynamoDB does.
    const { status, code, message } = jsonAuthRefusal(check, { tokenStatus: 400 });
    return error(status, code, message);
  }

  function readJobId(body: string): string | null {
    try {
      const parsed = JSON.parse(body) as { jobId?: unknown };
      return typeof parsed?.jobId === 'string' ? parsed.jobId : null;
    } catch {
      return null;
    }
  }

  // Each cycle starts the progressing job's action again: one STARTED event per cycle (the
  // action never finishes; its job's credentials change within the cycle, not its state).
  const publishDue = publishOnChange(
    opts.events ?? NO_EVENTS,
    () => cycle(),
    (point) => String(point.cycle),
    (point) =>
      codePipelineActionEvent(
        codePipelineProgressingJob(point),
        'STARTED',
        DEMO_REGION,
        point.cycleStartMs,
        now(),
      ),
  );

  return {
    name: 'codepipeline',
    publishDue,

    async handle(req: EmulatorRequest): Promise<EmulatorResponse> {
      // Coral routes JSON protocols by X-Amz-Target on POST /; anything else names no operation.
      if (req.method !== 'POST' || req.path !== '/') return error(404, 'UnknownOperationException');
      const contentType = String(req.headers['content-type'] ?? '')
        .split(';')[0]
        ?.trim()
        .toLowerCase();
      if (contentType !== JSON_11) return error(400, 'UnknownOperationException');

      const auth = await callers.verify(req);
      if (!auth.ok) return authError(auth);

      if (req.headers['x-amz-target'] !== GET_JOB_DETAILS)
        return error(400, 'UnknownOperationException');

      let input: unknown;
      try {
        input = JSON.parse(req.body === '' ? '{}' : req.body);
      } catch {
        return error(
          400,
          'SerializationException',
          'Start of structure or map found where not expected.',
        );
      }
      const jobId = (input as { jobId?: unknown } | null)?.jobId;
      if (typeof jobId !== 'string') {
        return error(
          400,
          'ValidationException',
          "1 validation error detected: Value null at 'jobId' failed to satisfy constraint: Member must not be null",
        );
      }
      if (!JOB_ID_RE.test(jobId)) {
        return error(
          400,
          'ValidationException',
          `1 validation error detected: Value '${jobId.slice(0, 64)}' at 'jobId' failed to satisfy constraint: Member must satisfy regular expression pattern: [0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}`,
        );
      }
      if (jobId === THROTTLED_JOB_ID) return throttled();
      if (jobId === SERVER_ERROR_JOB_ID)
        return error(
          503,
          'ServiceUnavailableException',
          'Service is unavailable. Please try again later.',
        );
      const job =
        callers.which(auth.accountId) !== 'default'
          ? callers.which(auth.accountId) === 'second'
            ? CODEPIPELINE_SECOND_ACCOUNT_JOBS.get(jobId)
            : undefined
          : jobId === CODEPIPELINE_PROGRESSING_JOB_ID
            ? codePipelineProgressingJob(cycle())
            : (CODEPIPELINE_DEMO_JOBS.get(jobId) ??
              synthesizedJob(req, jobId, (t) => CODEPIPELINE_DEMO_JOBS.get(t)));
      if (!job)
        return error(
          400,
          'JobNotFoundException',
          `The job was specified in an invalid format or cannot be found. JobId: ${jobId}`,
        );
      return json(200, { jobDetails: serialize(job) });
    },

    describe(req: EmulatorRequest) {
      const target = req.headers['x-amz-target'];
      const operation =
        typeof target === 'string' && target.startsWith(TARGET_PREFIX)
          ? target.slice(TARGET_PREFIX.length)
          : 'unknown';
      const jobId = readJobId(req.body);
      return {
        operation: jobId ? `${operation} ${jobId}` : operation,
        job: jobId ? `${DEMO_REGION}/${jobId}` : null,
        ...callers.otherAccountOf(req),
      };
    },

    throttled,

    serverError: () =>
      error(500, 'InternalFailure', 'We encountered an internal error. Please try again.'),

    errorAnswer(_req, answer) {
      const out = error(answer.status, answer.code, answer.message);
      return { ...out, headers: { ...out.headers, 'x-amzn-RequestId': answer.requestId } };
    },

    malformed(req: EmulatorRequest): EmulatorResponse {
      // Truncated before any secret member, so a malformed answer can never carry one.
      const jobId = readJobId(req.body) ?? '';
      const full = JSON.stringify({
        jobDetails: { id: jobId, accountId: DEMO_ACCOUNT_ID, data: {} },
      });
      return { ...json(200, {}), body: full.slice(0, full.indexOf('"accountId"') + 16) };
    },
  };
}

/**
 * The wire body of one job. CodePipeline (as in the API reference's sample response) tags nested
 * structures with their Coral shape name in `__type`; clients must ignore it.
 */
function serialize(job: WireJobDetails): unknown {
  const d = job.data;
  const tagged = <T extends object>(type: string, value: T | undefined) =>
    value === undefined ? undefined : { __type: type, ...value };
  return {
    accountId: job.accountId,
    data: d && {
      actionConfiguration: tagged('ActionConfiguration', d.actionConfiguration),
      actionTypeId: tagged('ActionTypeId', d.actionTypeId),
      artifactCredentials: tagged('AWSSessionCredentials', d.artifactCredentials),
      continuationToken: d.continuationToken,
      encryptionKey: tagged('EncryptionKey', d.encryptionKey),
      inputArtifacts: d.inputArtifacts?.map((a) => tagged('Artifact', a)),
      outputArtifacts: d.outputArtifacts?.map((a) => tagged('Artifact', a)),
      pipelineContext: tagged('PipelineContext', d.pipelineContext),
    },
    id: job.id,
  };
}
