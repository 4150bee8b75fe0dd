import { createHash } from 'node:crypto';
import { DEMO_TENCENT_CREDENTIALS, synthesizedJob, type EmulatorRequest, type EmulatorResponse, type ProviderEmulator } from '../framework.ts';
import { progressClock, type ProgressClockOptions } from '../progress.ts';
import { DEMO_JOBS, ERROR_CASE_JOB_IDS } from './data.ts';
import { COS_PROGRESSING_JOB_ID, cosProgressingJob } from './progressing.ts';
import { verifyCosSignature } from './signature.ts';
import { toXmlDocument, type WireElement } from './xml.ts';

/**
 * Tencent COS Batch Operations (`{uin}.cos-control.{region}.myqcloud.com`): DescribeJob
 * (`GET /jobs/{JobId}`) for the demo account.
 *
 * Checks, in order: the COS signature (q-ak, key time window, the signature over `host` and
 * every signed header), `x-cos-appid` (missing → 400 InvalidArgument), the account in the
 * Host labels when the Host is a cos-control host (any other Host, e.g. 127.0.0.1:port behind
 * an endpoint override, stands for the demo account; it is still covered by the signature),
 * then the route. Answers carry `Server: tencent-cos` and `x-cos-request-id`; errors the
 * `<Error>` envelope and `x-cos-trace-id`.
 */

const ACCOUNT = DEMO_TENCENT_CREDENTIALS;
const CONTROL_HOST_RE = /^(\d+)\.cos-control\.([a-z0-9-]+)\.myqcloud\.com(?::\d+)?$/;
const JOB_PATH_RE = /^\/jobs\/([^/]*)$/;

export interface CosBatchEmulatorOptions extends ProgressClockOptions {
  /** Clock in ms for the signature window, the Date header and the progressing job (default Date.now). */
  now?: () => number;
}

export function createCosBatchEmulator(opts: CosBatchEmulatorOptions = {}): ProviderEmulator {
  const now = opts.now ?? Date.now;
  const cycle = progressClock(opts);
  let counter = 0;

  function requestId(): string {
    counter += 1;
    const stamp = Math.floor(now() / 1000).toString(16);
    return Buffer.from(`${stamp}_jobgraph_${counter.toString(16).padStart(6, '0')}`).toString('base64');
  }

  function baseHeaders(id: string): Record<string, string> {
    return {
      'content-type': 'application/xml',
      server: 'tencent-cos',
      date: new Date(now()).toUTCString(),
      'x-cos-request-id': id,
    };
  }

  function xml(status: number, rootName: string, root: WireElement): EmulatorResponse {
    return { status, headers: baseHeaders(requestId()), body: toXmlDocument(rootName, root) };
  }

  function error(req: EmulatorRequest, status: number, code: string, message: string, id = requestId()): EmulatorResponse {
    const traceId = Buffer.from(createHash('sha512').update(`${id}/${code}`).digest('hex').slice(0, 96)).toString('base64');
    const host = typeof req.headers.host === 'string' ? req.headers.host : `${ACCOUNT.uin}.cos-control.${ACCOUNT.region}.myqcloud.com`;
    return {
      status,
      headers: { ...baseHeaders(id), 'x-cos-trace-id': traceId },
      body: toXmlDocument('Error', { Code: code, Message: message, Resource: `${host}${req.rawPath}`, RequestId: id, TraceId: traceId }),
    };
  }

  function regionOf(req: EmulatorRequest): string {
    const m = CONTROL_HOST_RE.exec(String(req.headers.host ?? ''));
    return m ? (m[2] as string) : ACCOUNT.region;
  }

  function jobIdOf(req: EmulatorRequest): string | null {
    const m = JOB_PATH_RE.exec(req.rawPath);
    if (!m) return null;
    try {
      return decodeURIComponent(m[1] as string);
    } catch {
      return m[1] as string;
    }
  }

  function describeJob(req: EmulatorRequest, jobId: string): EmulatorResponse {
    switch (jobId) {
      case ERROR_CASE_JOB_IDS.notFound:
        return error(req, 404, 'NoSuchJob', 'The specified job does not exist.');
      case ERROR_CASE_JOB_IDS.throttled:
        return slowDown(req);
      case ERROR_CASE_JOB_IDS.serverError:
        return internalError(req);
      case ERROR_CASE_JOB_IDS.accessDenied:
        return error(req, 403, 'AccessDenied', 'Access Denied.');
    }
    const job = jobId === COS_PROGRESSING_JOB_ID ? cosProgressingJob(cycle()) : (DEMO_JOBS.get(jobId) ?? synthesizedJob(req, jobId, (t) => DEMO_JOBS.get(t)));
    if (!job) return error(req, 404, 'NoSuchJob', 'The specified job does not exist.');
    return xml(200, 'DescribeJobResult', { Job: job });
  }

  function slowDown(req: EmulatorRequest): EmulatorResponse {
    return error(req, 503, 'SlowDown', 'Please reduce your request rate.');
  }

  function internalError(req: EmulatorRequest): EmulatorResponse {
    return error(req, 500, 'InternalError', 'We encountered an internal error. Please try again.');
  }

  return {
    name: 'cosbatch',

    handle(req) {
      const auth = verifyCosSignature(req, {
        credentials: ACCOUNT,
        now,
        requiredSignedHeaders: ['host'],
      });
      if (!auth.ok) return error(req, 403, auth.code, auth.message);

      const appId = req.headers['x-cos-appid'];
      if (typeof appId !== 'string' || appId.trim() === '') return error(req, 400, 'InvalidArgument', 'x-cos-appid cannot be empty');
      if (appId !== ACCOUNT.appId) return error(req, 403, 'AccessDenied', 'Access Denied.');

      const host = CONTROL_HOST_RE.exec(String(req.headers.host ?? ''));
      if (host && host[1] !== ACCOUNT.uin) return error(req, 403, 'AccessDenied', 'Access Denied.');
      // Jobs are regional: the demo account has none in other regions.
      const otherRegion = host !== null && host[2] !== ACCOUNT.region;

      const jobId = jobIdOf(req);
      if (jobId === null) return error(req, 400, 'InvalidRequest', 'The request is not a COS Batch operation.');
      if (jobId === '') return error(req, 400, 'InvalidRequest', 'Job id is required.');
      if (req.method !== 'GET') return error(req, 405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
      if (otherRegion) return error(req, 404, 'NoSuchJob', 'The specified job does not exist.');
      return describeJob(req, jobId);
    },

    describe(req) {
      const jobId = jobIdOf(req);
      if (jobId === null || jobId === '') return { operation: `${req.method} ${req.path}`, job: null };
      return { operation: `DescribeJob ${jobId}`, job: `${regionOf(req)}/${jobId}` };
    },

    throttled: slowDown,
    serverError: internalError,
    errorAnswer: (req, answer) => error(req, answer.status, answer.code, answer.message, answer.requestId),

    malformed() {
      const full = xml(200, 'DescribeJobResult', { Job: DEMO_JOBS.values().next().value });
      return { ...full, body: full.body.slice(0, Math.floor(full.body.length / 2)) };
    },
  };
}
