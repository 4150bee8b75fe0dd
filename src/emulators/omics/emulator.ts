import { randomUUID } from 'node:crypto';
import { DEMO_AWS_CREDENTIALS, synthesizedJob, type EmulatorRequest, type EmulatorResponse, type ProviderEmulator } from '../framework.ts';
import { verifySigV4 } from '../sigv4Verify.ts';
import { progressClock, type ProgressClockOptions } from '../progress.ts';
import { OMICS_DEMO_JOBS, OMICS_DEMO_REFERENCE_STORE_ID, OMICS_DEMO_REGION, OMICS_ERROR_CASE_IDS, type WireOmicsJob } from './data.ts';
import { OMICS_PROGRESSING_JOB_ID, omicsProgressingJob } from './progressing.ts';

const ROUTE = /^\/referencestore\/([^/]*)\/importjob\/([^/]*)$/;

/**
 * AWS HealthOmics `GetReferenceImportJob` over rest-json, as the service answers it:
 * `GET /referencestore/{referenceStoreId}/importjob/{id}`, SigV4 `omics` (any region in the
 * credential scope; demo jobs live in us-east-1), JSON bodies with ISO-8601 timestamps,
 * errors as status + `x-amzn-ErrorType` + `{"message": …}` + `x-amzn-RequestId`.
 * Independent of src/datasources by design. `now` (ms) drives the signature clock-skew check
 * and the `Date` header; with `epochMs` it also places the progressing job (progressing.ts) in its cycle.
 */
export function createOmicsEmulator(opts: ProgressClockOptions = {}): ProviderEmulator {
  const now = opts.now ?? Date.now;
  const cycle = progressClock(opts);
  const progressingKey = jobKey(OMICS_DEMO_REGION, OMICS_DEMO_REFERENCE_STORE_ID, OMICS_PROGRESSING_JOB_ID);
  const jobs = new Map<string, WireOmicsJob>(OMICS_DEMO_JOBS.map((j) => [jobKey(OMICS_DEMO_REGION, j.referenceStoreId, j.id), j]));

  const headers = (): Record<string, string> => ({
    'Content-Type': 'application/json',
    'x-amzn-RequestId': randomUUID(),
    Date: new Date(now()).toUTCString(),
  });
  const error = (status: number, code: string, message: string): EmulatorResponse => ({
    status,
    headers: { ...headers(), 'x-amzn-ErrorType': code },
    body: JSON.stringify({ message }),
  });
  const throttled = () => error(429, 'ThrottlingException', 'Rate exceeded');
  const serverError = () => error(500, 'InternalServerException', 'An unexpected error occurred. Try the request again.');

  async function handle(req: EmulatorRequest): Promise<EmulatorResponse> {
    const auth = await verifySigV4(req, { service: 'omics', credentials: DEMO_AWS_CREDENTIALS, now });
    if (!auth.ok) {
      switch (auth.reason) {
        case 'missing':
          return error(403, 'MissingAuthenticationTokenException', 'Missing Authentication Token');
        case 'unknown-key':
          return error(403, 'UnrecognizedClientException', 'The security token included in the request is invalid.');
        case 'wrong-scope':
          return error(403, 'InvalidSignatureException', "Credential should be scoped to correct service: 'omics'.");
        case 'skewed':
          return error(403, 'InvalidSignatureException', 'Signature expired: the request time is too skewed from the server time.');
        default:
          return error(
            403,
            'InvalidSignatureException',
            'The request signature we calculated does not match the signature you provided. Check your AWS Secret Access Key and signing method. Consult the service documentation for details.',
          );
      }
    }
    const route = matchRoute(req);
    if (!route) return error(404, 'UnknownOperationException', 'Unknown operation');
    for (const [label, value] of [
      ['referenceStoreId', route.referenceStoreId],
      ['id', route.id],
    ] as const) {
      const problem = validateId(value);
      if (problem) {
        return error(400, 'ValidationException', `1 validation error detected: Value '${value}' at '${label}' failed to satisfy constraint: ${problem}`);
      }
    }
    // Error-case IDs answer the same in every store and region.
    switch (route.id) {
      case OMICS_ERROR_CASE_IDS.throttled:
        return throttled();
      case OMICS_ERROR_CASE_IDS.serverError:
        return serverError();
      case OMICS_ERROR_CASE_IDS.accessDenied:
        return error(403, 'AccessDeniedException', 'User is not authorized to perform: omics:GetReferenceImportJob on the requested resource.');
      case OMICS_ERROR_CASE_IDS.requestTimeout:
        return error(408, 'RequestTimeoutException', 'The request timed out.');
    }
    const key = jobKey(signingRegion(req) ?? '', route.referenceStoreId, route.id);
    const job =
      key === progressingKey ? omicsProgressingJob(cycle()) : (jobs.get(key) ?? synthesizedJob(req, route.id, (t) => OMICS_DEMO_JOBS.find((j) => j.id === t)));
    if (!job) return error(404, 'ResourceNotFoundException', 'The specified import job was not found.');
    return { status: 200, headers: headers(), body: JSON.stringify(job) };
  }

  return {
    name: 'omics',
    handle,
    describe(req) {
      const route = matchRoute(req);
      if (!route) return { operation: `${req.method} ${req.path}`, job: null };
      return {
        operation: `GetReferenceImportJob ${route.referenceStoreId}/${route.id}`,
        job: `${signingRegion(req) ?? '?'}/${route.referenceStoreId}/${route.id}`,
      };
    },
    throttled,
    serverError,
    errorAnswer(_req, answer) {
      const out = error(answer.status, answer.code, answer.message);
      return { ...out, headers: { ...out.headers, 'x-amzn-RequestId': answer.requestId } };
    },
    malformed: () => ({ status: 200, headers: headers(), body: '{"id":"8110394857","referenceStoreId":"50387' }),
  };
}

function jobKey(region: string, referenceStoreId: string, id: string): string {
  return `${region}/${referenceStoreId}/${id}`;
}

function matchRoute(req: EmulatorRequest): { referenceStoreId: string; id: string } | null {
  if (req.method !== 'GET') return null;
  const m = ROUTE.exec(req.rawPath);
  if (!m) return null;
  const decode = (s: string) => {
    try {
      return decodeURIComponent(s);
    } catch {
      return s;
    }
  };
  return { referenceStoreId: decode(m[1] as string), id: decode(m[2] as string) };
}

/** The model's constraints (length 10-36, pattern [0-9]+), enforced anchored as the service does. */
function validateId(value: string): string | null {
  if (value.length < 10) return 'Member must have length greater than or equal to 10';
  if (value.length > 36) return 'Member must have length less than or equal to 36';
  if (!/^[0-9]+$/.test(value)) return 'Member must satisfy regular expression pattern: [0-9]+';
  return null;
}

/** The region of the SigV4 credential scope. */
function signingRegion(req: EmulatorRequest): string | null {
  const m = /Credential=[^/]+\/\d{8}\/([^/]+)\//.exec(req.headers.authorization ?? '');
  return m ? (m[1] as string) : null;
}
