import { EventEmitter } from 'node:events';
import http from 'node:http';
import type { AddressInfo } from 'node:net';

/** One received request, as an emulator sees it. */
export interface EmulatorRequest {
  method: string;
  /** Path without the query string, percent-decoded per segment by the handler if needed. */
  path: string;
  rawPath: string;
  query: URLSearchParams;
  headers: http.IncomingHttpHeaders;
  body: string;
}

export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** What the emulator recorded for each request: enough to assert the exact upstream calls. */
export interface RecordedCall {
  method: string;
  path: string;
  /** The provider-level description of the call, e.g. `GetJobDetails 1111…` (from `describe`). */
  operation: string;
  /** The job the call asked for, as the provider names it (e.g. `us-east-1/ABCDE`), or null. */
  job: string | null;
  status: number;
}

/** A provider's side of the wire protocol. Implementations must not import src/datasources. */
export interface ProviderEmulator {
  readonly name: 'panorama' | 'omics' | 'cosbatch' | 'importexport' | 'codepipeline';
  /** Answer one request: auth check, routing, demo data, error cases. */
  handle(req: EmulatorRequest): EmulatorResponse | Promise<EmulatorResponse>;
  /** Identify the operation and job a request asks for, for the call log. */
  describe(req: EmulatorRequest): { operation: string; job: string | null };
  /** The provider's own throttling answer. */
  throttled(req: EmulatorRequest): EmulatorResponse;
  /** The provider's own 5xx answer. */
  serverError(req: EmulatorRequest): EmulatorResponse;
  /** A success status with a truncated, unparsable body. */
  malformed(req: EmulatorRequest): EmulatorResponse;
}

export type FaultKind = 'ok' | '5xx' | 'throttle' | 'malformed' | 'reset' | 'hang';

/**
 * Fault knobs, changeable at run time (programmatically or with `POST /__emulator/faults`).
 * `script` entries are consumed one per request before the rates apply, so a test can say
 * "503 then succeed" deterministically. Rates use the injected `random`.
 */
export interface Faults {
  /** Added before every answer, in ms (default 0). */
  latencyMs: number;
  /** Fraction of requests answered with the provider's 5xx (0..1). */
  errorRate: number;
  /** Fraction of requests answered with the provider's throttling error (0..1). */
  throttleRate: number;
  /** Never answer (the socket stays open until the client gives up). */
  hang: boolean;
  /** Answer 200 with a truncated body. */
  malformed: boolean;
  /** Destroy the connection without answering. */
  reset: boolean;
  /** Hold every answer until `hold` is set back to false: keeps a request in flight for exactly as long as a test needs. */
  hold: boolean;
  /** One fault per request, consumed in order, then the knobs above apply. */
  script: FaultKind[];
}

export const NO_FAULTS: Readonly<Faults> = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  throttleRate: 0,
  hang: false,
  malformed: false,
  reset: false,
  hold: false,
  script: [],
});

export interface RunningEmulator {
  readonly name: ProviderEmulator['name'];
  /** Base URL, e.g. http://127.0.0.1:4101 */
  readonly url: string;
  readonly port: number;
  readonly calls: RecordedCall[];
  /** Emits `request` (with the EmulatorRequest) as each provider request arrives, before faults apply: tests wait for it instead of polling. */
  readonly events: EventEmitter;
  /** Number of TCP connections accepted so far (for keep-alive checks). */
  connections(): number;
  faults: Faults;
  setFaults(patch: Partial<Faults>): void;
  resetFaults(): void;
  close(): Promise<void>;
}

export interface StartOptions {
  port?: number;
  host?: string;
  faults?: Partial<Faults>;
  /** Random source for fault rates, default Math.random. */
  random?: () => number;
}

const CONTROL_PATH = '/__emulator/faults';

/** Serve one provider emulator over real HTTP with fault injection and a call log. */
export async function startEmulator(emulator: ProviderEmulator, options: StartOptions = {}): Promise<RunningEmulator> {
  const random = options.random ?? Math.random;
  const calls: RecordedCall[] = [];
  const hanging = new Set<http.ServerResponse>();
  let connectionCount = 0;
  const state = { faults: { ...NO_FAULTS, script: [] as FaultKind[], ...options.faults } };
  const events = new EventEmitter();
  const releaseHeld: (() => void)[] = [];
  function setFaults(faults: Faults) {
    state.faults = faults;
    if (!faults.hold) for (const release of releaseHeld.splice(0)) release();
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawUrl = req.url ?? '/';
      const q = rawUrl.indexOf('?');
      const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
      const request: EmulatorRequest = {
        method: req.method ?? 'GET',
        rawPath,
        path: rawPath,
        query: new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : ''),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      if (rawPath === CONTROL_PATH) return control(request, res);
      void answer(request, res);
    });
  });
  server.on('connection', () => {
    connectionCount += 1;
  });
  // Cloud front ends keep idle keep-alive connections for about a minute (AWS load balancers: 60 s),
  // not Node's default 5 s; clients' pools are measured against that.
  server.keepAliveTimeout = 65_000;
  server.headersTimeout = 66_000;

  function control(request: EmulatorRequest, res: http.ServerResponse) {
    if (request.method === 'POST') {
      try {
        const patch = JSON.parse(request.body || '{}') as Partial<Faults>;
        setFaults({ ...state.faults, ...patch });
      } catch {
        res.writeHead(400, { 'content-type': 'application/json' }).end('{"error":"body must be JSON"}');
        return;
      }
    } else if (request.method === 'DELETE') {
      setFaults({ ...NO_FAULTS, script: [] });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.faults));
  }

  function pickFault(): FaultKind {
    const f = state.faults;
    const scripted = f.script.shift();
    if (scripted) return scripted;
    if (f.hang) return 'hang';
    if (f.reset) return 'reset';
    if (f.malformed) return 'malformed';
    if (f.throttleRate > 0 && random() < f.throttleRate) return 'throttle';
    if (f.errorRate > 0 && random() < f.errorRate) return '5xx';
    return 'ok';
  }

  async function answer(request: EmulatorRequest, res: http.ServerResponse) {
    const fault = pickFault();
    const { operation, job } = safeDescribe(request);
    events.emit('request', request);
    if (state.faults.hold) {
      hanging.add(res);
      await new Promise<void>((resolve) => releaseHeld.push(resolve));
      hanging.delete(res);
      if (res.destroyed) return;
    }
    if (state.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, state.faults.latencyMs));
    if (fault === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      calls.push({ method: request.method, path: request.path, operation, job, status: 0 });
      return;
    }
    if (fault === 'reset') {
      calls.push({ method: request.method, path: request.path, operation, job, status: 0 });
      res.socket?.destroy();
      return;
    }
    let out: EmulatorResponse;
    try {
      out = await (fault === 'throttle'
          ? emulator.throttled(request)
          : fault === '5xx'
            ? emulator.serverError(request)
            : fault === 'malformed'
              ? emulator.malformed(request)
              : emulator.handle(request));
    } catch {
      out = emulator.serverError(request);
    }
    calls.push({ method: request.method, path: request.path, operation, job, status: out.status });
    res.writeHead(out.status, { ...out.headers, 'content-length': String(Buffer.byteLength(out.body)) });
    res.end(out.body);
  }

  function safeDescribe(request: EmulatorRequest) {
    try {
      return emulator.describe(request);
    } catch {
      return { operation: 'unknown', job: null };
    }
  }

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address() as AddressInfo;
  const host = address.family === 'IPv6' ? `[${address.address}]` : address.address;

  return {
    name: emulator.name,
    url: `http://${host}:${address.port}`,
    port: address.port,
    calls,
    events,
    connections: () => connectionCount,
    get faults() {
      return state.faults;
    },
    set faults(f: Faults) {
      setFaults(f);
    },
    setFaults(patch) {
      setFaults({ ...state.faults, ...patch });
    },
    resetFaults() {
      setFaults({ ...NO_FAULTS, script: [] });
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const res of hanging) res.socket?.destroy();
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Demo AWS credentials the emulators accept (not a real key; fine to print). */
export const DEMO_AWS_CREDENTIALS = Object.freeze({
  accessKeyId: 'JOBGRAPHDEMOACCESSKEY',
  secretAccessKey: 'jobgraph-demo-secret-access-key',
});

/** Demo Tencent Cloud credentials and account the COS emulator accepts. */
export const DEMO_TENCENT_CREDENTIALS = Object.freeze({
  secretId: 'AKIDjobgraphDemoSecretId',
  secretKey: 'jobgraph-demo-cos-secret-key',
  uin: '100000000001',
  appId: '1250000000',
  region: 'ap-guangzhou',
});
