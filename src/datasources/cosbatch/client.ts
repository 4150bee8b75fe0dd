import type { CosBatchKey } from '../../globalId.ts';
import { DEFAULT_MAX_BODY_BYTES } from '../shared/bodyCap.ts';
import { createAgents, destroyAgents, httpOrigin, httpRequest, type Agents, type HttpOrigin, type HttpResult } from '../shared/http.ts';
import type { TencentCredentials } from '../shared/options.ts';
import { cosKeyTime, signCosRequest } from './signer.ts';
import { USER_AGENT } from '../shared/userAgent.ts';

export interface CosBatchClientConfig {
  region: string;
  credentials: TencentCredentials;
  /** Sent as `x-cos-appid`. */
  appId: string;
  /** Base URL override (COS_BATCH_ENDPOINT_URL); default `https://{uin}.cos-control.{region}.myqcloud.com`. */
  endpoint?: string;
  /** Per-attempt timeout in ms, unless a call gives its own. */
  timeoutMs: number;
  /** Keep-alive sockets of this client (when it has agents of its own). */
  maxSockets: number;
  /** Agents shared with the provider's other clients (the source closes them); default: its own. */
  agents?: Agents;
  /** Clock in ms for the signature's KeyTime (default Date.now). */
  now?: () => number;
}

/**
 * The COS Batch control-plane client of one region: builds, signs and sends
 * `GET /jobs/{JobId}` over its own keep-alive agents. One attempt per call; the source
 * decides about retries. Returns every HTTP answer as is; rejects only on transport errors.
 */
export class CosBatchClient {
  readonly region: string;
  readonly #config: CosBatchClientConfig;
  readonly #agents: Agents;
  readonly #ownAgents: boolean;
  readonly #base: URL | null;
  /** The override's origin and path, taken apart once. */
  readonly #baseOrigin: HttpOrigin | null;
  readonly #basePath: string;

  constructor(config: CosBatchClientConfig) {
    this.region = config.region;
    this.#config = config;
    this.#ownAgents = config.agents === undefined;
    this.#agents = config.agents ?? createAgents(config.maxSockets);
    this.#base = config.endpoint === undefined ? null : new URL(config.endpoint);
    this.#baseOrigin = this.#base === null ? null : httpOrigin(this.#base);
    this.#basePath = this.#base === null ? '' : this.#base.pathname.replace(/\/+$/, '');
  }

  /** Where DescribeJob goes for this account, without building a URL: origin and encoded path. */
  #target(uin: string, jobId: string): { origin: HttpOrigin; path: string } {
    const path = `/jobs/${encodeURIComponent(jobId)}`;
    if (this.#baseOrigin !== null) return { origin: this.#baseOrigin, path: this.#basePath + path };
    const host = `${uin}.cos-control.${this.region}.myqcloud.com`;
    return { origin: { https: true, hostname: host, port: undefined, host }, path };
  }

  /** The URL DescribeJob is sent to for this account. */
  describeJobUrl(uin: string, jobId: string): URL {
    const path = `/jobs/${encodeURIComponent(jobId)}`;
    if (this.#base === null) return new URL(`https://${uin}.cos-control.${this.region}.myqcloud.com${path}`);
    const url = new URL(this.#base.href);
    url.pathname = `${url.pathname.replace(/\/+$/, '')}${path}`;
    url.search = '';
    url.hash = '';
    return url;
  }

  /**
   * Send one signed DescribeJob request. `init.timeoutMs` (default: the client's) bounds the
   * whole exchange; `init.maxBodyBytes` (default 1 MiB) caps the body read.
   */
  describeJob(key: CosBatchKey, init: { signal?: AbortSignal; timeoutMs?: number; maxBodyBytes?: number } = {}): Promise<HttpResult> {
    const { origin, path } = this.#target(key.uin, key.jobId);
    const { credentials, appId } = this.#config;
    // The Host header is signed, so sign exactly the one sent (the override's host:port when there is one).
    const headers: Record<string, string> = { host: origin.host, 'x-cos-appid': appId };
    if (credentials.sessionToken) headers['x-cos-security-token'] = credentials.sessionToken;
    headers['authorization'] = signCosRequest({
      secretId: credentials.secretId,
      secretKey: credentials.secretKey,
      method: 'GET',
      pathname: decodeURIComponent(path),
      headers,
      keyTime: cosKeyTime((this.#config.now ?? Date.now)()),
    });
    headers['user-agent'] = USER_AGENT;
    return httpRequest(
      {
        method: 'GET',
        origin,
        path,
        headers,
        timeoutMs: init.timeoutMs ?? this.#config.timeoutMs,
        maxBodyBytes: init.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
        ...(init.signal ? { signal: init.signal } : {}),
      },
      this.#agents,
    );
  }

  /** Close its keep-alive sockets, unless they are shared (the source closes those). */
  close(): void {
    if (this.#ownAgents) destroyAgents(this.#agents);
  }
}
