import { MalformedBodyError } from '../../errors.ts';
import type { CosBatchKey } from '../../model/keys.ts';
import type { TencentCredentials } from '../../config/index.ts';
import type { CosSourceOptions } from '../shared/options.ts';
import { rfc3986 } from '../shared/rfc3986.ts';
import { updateJobStatusOperation } from './actions.ts';
import type { Operation, ProviderWire, SignableRequest, WireRequest } from '../shared/source.ts';
import { cosRequestId, notConfigured, toUpstreamError } from './errors.ts';
import { parse } from './parse.ts';
import { cosRerun } from './rerun.ts';
import type { CosBatchJobRecord } from './record.ts';
import { CosSignKeys, signCosRequest } from './signer.ts';

/** What a COS Batch call is signed and addressed with: the account's keys and its APPID. */
export interface CosCredentials extends TencentCredentials {
  /** Sent as `x-cos-appid`. */
  appId: string;
}

/**
 * The control-plane endpoint of a region; each call puts the account (`{uin}.`) in front of
 * its host, so the default host is `{uin}.cos-control.{region}.myqcloud.com`. An override
 * (COS_BATCH_ENDPOINT_URL) is used as given, its path kept as a prefix.
 */
function cosEndpoint(region: string): URL {
  return new URL(`https://cos-control.${region}.myqcloud.com`);
}

/** DescribeJob on the wire: `GET /jobs/{JobId}` on the account's host. */
function describeJobRequest(key: CosBatchKey, appId: string): WireRequest {
  return {
    method: 'GET',
    path: `/jobs/${rfc3986(key.jobId)}`,
    headers: { 'x-cos-appid': appId },
    body: '',
    hostPrefix: `${key.uin}.`,
  };
}

/**
 * The headers of one signed COS request: its own, plus host, `x-cos-security-token` with a
 * session token, and the `sha1` q-sign `authorization` (signer.ts) valid from `date`, with the
 * KeyTime and SignKey `keys` holds for that time (a fresh one each call without). The Host
 * header is signed, so the one sent is the one signed (an override's `host:port` included).
 */
export function signCos(
  request: SignableRequest,
  credentials: CosCredentials,
  date: Date,
  keys: CosSignKeys = new CosSignKeys(),
): Record<string, string> {
  const headers: Record<string, string> = { ...request.headers, host: request.host };
  if (credentials.sessionToken) headers['x-cos-security-token'] = credentials.sessionToken;
  const { keyTime, signKey } = keys.at(credentials.secretId, credentials.secretKey, date.getTime());
  headers.authorization = signCosRequest({
    secretId: credentials.secretId,
    secretKey: credentials.secretKey,
    method: request.method,
    pathname: decodeURIComponent(request.path),
    ...(request.query.length > 0 ? { query: Object.fromEntries(request.query) } : {}),
    headers,
    keyTime,
    signKey,
  });
  return headers;
}

/**
 * DescribeJob as an operation of the one pipeline, for the APPID of the job's account (sent as
 * `x-cos-appid`).
 */
function describeJob(appIdOf: (uin: string) => string): Operation<CosBatchKey, CosBatchJobRecord> {
  return {
    name: 'DescribeJob',
    region: (key) => key.region,
    send: (key) => describeJobRequest(key, appIdOf(key.uin)),
    readError: toUpstreamError,
    parse(key, answer) {
      try {
        return parse(key, answer.body);
      } catch (err) {
        // A 2xx can still carry an <Error> envelope (Tencent "Error Codes" says so for PUT Object - Copy).
        if (err instanceof MalformedBodyError && /<Error>/.test(answer.body))
          throw toUpstreamError(key, answer);
        throw err;
      }
    },
  };
}

/**
 * Tencent COS Batch on the wire (no Node SDK covers COS Batch): the account's control-plane host
 * in the job's region (or `options.endpoint`), the COS `sha1` signature, the XML read by
 * parse.ts and errors.ts. Without credentials or an APPID every job answers
 * PROVIDER_NOT_CONFIGURED.
 */
export function cosWire(
  options: CosSourceOptions,
): ProviderWire<CosBatchKey, CosBatchJobRecord, CosCredentials> {
  const { credentials, appId } = options;
  const keys: Promise<CosCredentials> | null =
    credentials && appId ? Promise.resolve({ ...credentials, appId }) : null;
  // Each other account's keys, by UIN; any other UIN is called with the default keys (an
  // authorised account's UIN works with them).
  const byUin = new Map(
    (options.accounts ?? []).map((a) => [
      a.uin,
      { appId: a.appId, keys: Promise.resolve({ ...a.credentials, appId: a.appId }) },
    ]),
  );
  // One KeyTime and SignKey per secret key at a time, for every call of this configuration.
  const signKeys = new CosSignKeys();
  const appIdOf = (uin: string) => byUin.get(uin)?.appId ?? appId ?? '';
  return {
    describe: describeJob(appIdOf),
    actions: { cancel: updateJobStatusOperation(appIdOf) },
    rerun: cosRerun(appIdOf),
    credentials: (uin) =>
      (uin !== undefined ? byUin.get(uin)?.keys : undefined) ??
      keys ??
      Promise.reject(notConfigured(credentials ? 'appId' : 'credentials')),
    endpoint: cosEndpoint,
    sign: (request, creds, _region, date) => signCos(request, creds, date, signKeys),
    requestId: (answer) => cosRequestId(answer),
  };
}
