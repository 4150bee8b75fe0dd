import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';
import type { ImportExportKey } from '../../globalId.ts';
import { credentialSource } from '../shared/awsCall.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../shared/bodyCap.ts';
import { createAgents, destroyAgents, httpOrigin, httpRequest, type HttpOrigin, type HttpResult } from '../shared/http.ts';
import { rfc3986 } from '../shared/rfc3986.ts';
import { SigV4Signer } from '../shared/sigv4.ts';
import { USER_AGENT } from '../shared/userAgent.ts';

/** The single global endpoint (partition `aws`, `isRegionalized: false`). */
export const IMPORTEXPORT_ENDPOINT = 'https://importexport.amazonaws.com';
/** botocore signs Import/Export with SigV4 under this name and region whatever the client region. */
export const IMPORTEXPORT_SIGNING_NAME = 'IngestionService';
export const IMPORTEXPORT_SIGNING_REGION = 'us-east-1';
/** The query API version every SDK model uses (the Developer Guide says 2010-06-03). */
export const IMPORTEXPORT_API_VERSION = '2010-06-01';
export const FORM_CONTENT_TYPE = 'application/x-www-form-urlencoded; charset=utf-8';

export interface ImportExportClientOptions {
  /** Static credentials or a provider; undefined means the standard chain (loaded on first use). */
  credentials?: AwsCredentialIdentity | AwsCredentialIdentityProvider;
  /** Endpoint override; its path, if any, is the request path. */
  endpoint?: string;
  /** Keep-alive sockets. */
  maxSockets: number;
  /** Clock in ms for the signature, default Date.now. */
  now?: () => number;
}

/** The form body of one GetStatus call: `Action=GetStatus&Version=2010-06-01&JobId=…`, RFC 3986 encoded. */
export function getStatusBody(jobId: string): string {
  return [
    ['Action', 'GetStatus'],
    ['Version', IMPORTEXPORT_API_VERSION],
    ['JobId', jobId],
  ]
    .map(([k, v]) => `${rfc3986(k as string)}=${rfc3986(v as string)}`)
    .join('&');
}

/** The process's Import/Export signer (its signing-key cache is per day, region and service). */
const signer = new SigV4Signer();

/**
 * The headers of one signed Import/Export request: `headers` (lower-case names) plus host,
 * x-amz-date, x-amz-security-token (with a session token) and authorization, signed as SigV4
 * `IngestionService`/us-east-1 over the whole body (shared `SigV4Signer`, node:crypto; a test
 * checks it against `@smithy/signature-v4`). Pure apart from the key cache: the clock is `date`.
 * No `x-amz-content-sha256` (the query protocol does not send one).
 */
export function signRequest(
  request: { url: URL; headers: Record<string, string>; body: string },
  credentials: AwsCredentialIdentity,
  date: Date,
): Record<string, string> {
  const { url } = request;
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(request.headers)) headers[name.toLowerCase()] = value;
  return signer.sign(
    { method: 'POST', host: url.host, path: url.pathname, query: [...url.searchParams], headers, body: request.body },
    credentials,
    IMPORTEXPORT_SIGNING_NAME,
    IMPORTEXPORT_SIGNING_REGION,
    date,
  );
}

/**
 * The Import/Export query client: form POST to `/`, SigV4 `IngestionService`/us-east-1, one
 * set of keep-alive agents for the process (the service is global). It returns the raw
 * exchange; reading the body and the error envelope is the parse and errors steps' job.
 * Credential failures are thrown as they come, for the caller to classify.
 */
export class ImportExportClient {
  readonly url: URL;
  private readonly origin: HttpOrigin;
  private readonly path: string;
  private readonly agents: ReturnType<typeof createAgents>;
  private readonly credentials: AwsCredentialIdentityProvider;
  private readonly now: () => number;

  constructor(options: ImportExportClientOptions) {
    this.url = new URL(options.endpoint ?? IMPORTEXPORT_ENDPOINT);
    if (this.url.protocol !== 'http:' && this.url.protocol !== 'https:') {
      throw new TypeError('The Import/Export endpoint must be an http or https URL');
    }
    this.url.search = '';
    this.url.hash = '';
    this.origin = httpOrigin(this.url);
    this.path = this.url.pathname;
    this.agents = createAgents(options.maxSockets);
    this.credentials = credentialSource(options.credentials);
    this.now = options.now ?? Date.now;
  }

  /** Resolve credentials (may throw CredentialsProviderError). */
  async resolveCredentials(): Promise<AwsCredentialIdentity> {
    const c = await this.credentials();
    return { accessKeyId: c.accessKeyId, secretAccessKey: c.secretAccessKey, ...(c.sessionToken ? { sessionToken: c.sessionToken } : {}) };
  }

  /**
   * One signed GetStatus attempt: `init.timeoutMs` bounds the whole exchange, `init.maxBodyBytes`
   * (default 1 MiB) caps the body read. Rejects only for transport failures and a body over the cap.
   */
  async describeJob(
    key: ImportExportKey,
    credentials: AwsCredentialIdentity,
    init: { timeoutMs: number; maxBodyBytes?: number; signal?: AbortSignal },
  ): Promise<HttpResult> {
    const body = getStatusBody(key.jobId);
    const signed = signRequest({ url: this.url, headers: { 'content-type': FORM_CONTENT_TYPE }, body }, credentials, new Date(this.now()));
    signed['user-agent'] = USER_AGENT;
    return httpRequest(
      {
        method: 'POST',
        origin: this.origin,
        path: this.path,
        headers: signed,
        body,
        timeoutMs: init.timeoutMs,
        maxBodyBytes: init.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      this.agents,
    );
  }

  close(): void {
    destroyAgents(this.agents);
  }
}
