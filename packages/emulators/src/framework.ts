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
  /** The `synthesize` knob as it stood when the request arrived (see `synthesizedJob`). */
  synthesize?: Readonly<Record<string, string>> | null;
  /**
   * Aborted when the request's connection closes before its answer is written (the client gave
   * up, or the emulator is closing): a handler that waits (SQS's long polls) stops waiting.
   */
  signal?: AbortSignal;
}

export interface EmulatorResponse {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** Whether `value`, a step's result, is the answer to send (a refusal) rather than what it read. */
export function isResponse(value: object): value is EmulatorResponse {
  return 'status' in value && 'headers' in value && 'body' in value;
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
  /**
   * The account the request was signed for (AWS account ID, COS UIN), only when it is not the
   * demo's default account, so default-account calls read as they always did.
   */
  account?: string;
}

/** An error answer in the provider's own envelope, with every value chosen by the test (hostile ones included). */
export interface ErrorAnswer {
  status: number;
  /** The provider's error code (`__type` / `x-amzn-ErrorType` / `<Code>`), as sent. */
  code: string;
  /** The provider's free-text message, as sent. */
  message: string;
  /** The request id, in the header and, where the protocol has one, in the body. */
  requestId: string;
}

/** A provider's side of the wire protocol. Implementations must not import src/datasources. */
export interface ProviderEmulator {
  readonly name: string;
  /** Answer one request: auth check, routing, demo data, error cases. */
  handle(req: EmulatorRequest): EmulatorResponse | Promise<EmulatorResponse>;
  /**
   * Identify the operation and job a request asks for, for the call log, and the account it is
   * signed for when that is not the default one (see `RecordedCall.account`).
   */
  describe(req: EmulatorRequest): { operation: string; job: string | null; account?: string };
  /** The provider's own throttling answer. */
  throttled(req: EmulatorRequest): EmulatorResponse;
  /** The provider's own 5xx answer. */
  serverError(req: EmulatorRequest): EmulatorResponse;
  /** A success status with a truncated, unparsable body. */
  malformed(req: EmulatorRequest): EmulatorResponse;
  /** The provider's error envelope carrying exactly the given status, code, message and request id. */
  errorAnswer(req: EmulatorRequest, answer: ErrorAnswer): EmulatorResponse;
  /**
   * The emulator's own test switches beyond the fault knobs: a request to a path under
   * `/__emulator/` other than `/__emulator/faults`, answered as JSON; null for a path it does
   * not know (404).
   */
  control?(req: EmulatorRequest): EmulatorResponse | null;
  /** What tests and tools may do to its jobs, where it emulates that (see `JobControls`). */
  readonly jobs?: JobControls;
  /**
   * Publish the state changes its progressing job made since the last call (an emulator whose
   * provider publishes job events; see `EmulatorCreateOptions.events`). `startEmulators` calls it
   * at each phase boundary on a real clock; tests call the set's `publishDue()` after moving theirs.
   */
  publishDue?(): void;
  /** Called once as the server closes: end whatever the emulator waits on (long polls, timers). */
  close?(): void;
}

/**
 * Switches a provider emulator offers over its jobs, in process (`RunningEmulator.jobs`) and over
 * HTTP (`POST /__emulator/jobs/state`, `POST /__emulator/jobs/forget`).
 */
export interface JobControls {
  /**
   * Move a job to `status` now, as the provider would (its times and reason filled in as the
   * provider fills them), and publish the provider's state-change event; returns the job's new
   * record as its describe call answers it, or null for a job the account does not have.
   * `environment` (AWS Batch, in process): the container's environment from now on, as the job's owner set it.
   */
  changeState(
    jobId: string,
    status: string,
    options?: {
      account?: string;
      statusReason?: string;
      environment?: readonly { name: string; value: string }[];
    },
  ): Record<string, unknown> | null;
  /**
   * Forget a job, as a provider forgets finished jobs after a while: its describe call answers
   * nothing for it (as for an ID it never had) and its list call leaves it out. Returns whether
   * the account had it.
   */
  forget(jobId: string, options?: { account?: string }): boolean;
}

type FaultKind = 'ok' | '5xx' | 'throttle' | 'malformed' | 'reset' | 'hang' | 'error-answer';

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
  /** Answer every request with this error envelope (`ErrorAnswer`); null = off. */
  errorAnswer: ErrorAnswer | null;
  /**
   * Pad every answer's body with trailing whitespace (still valid JSON/XML) to at least this
   * many bytes; 0 = off. Written in chunks as the client reads, so a huge body costs the
   * emulator no memory and a client that stops reading stops it.
   */
  oversize: number;
  /** Send answers chunked, without Content-Length, so a client cannot see the size before reading. */
  chunked: boolean;
  /** One fault per request, consumed in order, then the knobs above apply. */
  script: FaultKind[];
  /**
   * When set, the knobs above apply only to requests whose job (as `describe` names it, e.g.
   * `eu-west-1/…`) starts with this prefix; every other request is answered normally.
   */
  jobPrefix: string | null;
  /**
   * When set, the knobs above apply only to requests signed for this account (an AWS account ID,
   * a COS UIN, as `RecordedCall.account` names it; the default account's requests are never
   * matched): one account failing or throttled while the others answer.
   */
  account: string | null;
  /**
   * Hold every request (after recording its arrival and emitting `request`) until `release()`
   * lets it go on or `hold` is set back to false; closing the emulator cuts held requests.
   */
  hold: boolean;
  /**
   * Handle every request (its effect made: a SubmitJob's job exists, its call logged), then hold
   * its answer until `release()` lets it go or `holdAnswer` is set back to false; `jobPrefix` and
   * `account` narrow it as they do the other knobs. A client that dies meanwhile never hears it.
   */
  holdAnswer: boolean;
  /**
   * Answer unknown job IDs as existing jobs: an ID (as the provider names it, without region or
   * store) that no demo job has and that starts with one of these prefixes is answered as a
   * full copy of the demo job named by the prefix's value, with the ID substituted everywhere.
   * Lets a bench ask for any number of fresh, full-size jobs. null = off.
   */
  synthesize: Record<string, string> | null;
}

const NO_FAULTS: Readonly<Faults> = Object.freeze({
  latencyMs: 0,
  errorRate: 0,
  throttleRate: 0,
  hang: false,
  malformed: false,
  reset: false,
  errorAnswer: null,
  oversize: 0,
  chunked: false,
  script: [],
  jobPrefix: null,
  account: null,
  hold: false,
  holdAnswer: false,
  synthesize: null,
});

/**
 * For an emulator's job lookup: when `jobId` is unknown and matches a `synthesize` prefix of
 * the request, a deep copy of the template job (found with `lookup`) with every occurrence of
 * the template's ID replaced by `jobId`; otherwise undefined.
 */
export function synthesizedJob<T>(
  req: EmulatorRequest,
  jobId: string,
  lookup: (templateId: string) => T | undefined,
): T | undefined {
  for (const [prefix, templateId] of Object.entries(req.synthesize ?? {})) {
    if (prefix === '' || !jobId.startsWith(prefix) || !/^[\w.-]+$/.test(jobId)) continue;
    const template = lookup(templateId);
    return template === undefined
      ? undefined
      : (JSON.parse(JSON.stringify(template).split(templateId).join(jobId)) as T);
  }
  return undefined;
}

export interface RunningEmulator {
  readonly name: ProviderEmulator['name'];
  /** Base URL, e.g. http://127.0.0.1:4101 */
  readonly url: string;
  readonly port: number;
  readonly calls: RecordedCall[];
  /** The job of every request, in the order the requests arrived (held ones included). */
  readonly received: (string | null)[];
  /** Resolves once `received` holds at least `count` entries. */
  waitForReceived(count: number): Promise<void>;
  /** Let the `count` oldest held requests go on (default all); returns how many were released. */
  release(count?: number): number;
  /** Emits `request` (with the EmulatorRequest) as each provider request arrives, before faults apply: tests wait for it instead of polling. */
  readonly events: EventEmitter;
  /** The emulator's job switches (`ProviderEmulator.jobs`), where it has them. */
  readonly jobs: JobControls | undefined;
  /** Number of TCP connections accepted so far (for keep-alive checks). */
  connections(): number;
  /** Resolves once every answer being written has been written whole or cut off. */
  settled(): Promise<void>;
  /**
   * Answers whose connection closed before all of them was handed over (the client stopped
   * reading), since start; wait for `settled()` first.
   */
  cutOff(): number;
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
  /** How long an idle keep-alive connection is kept, in ms (default 65 s, as cloud front ends keep them). */
  keepAliveMs?: number;
  /**
   * The call log (`calls`, `received`) keeps at least the newest this many entries, the older half
   * dropped whenever it holds twice as many: a long-running demo's log does not grow for its life.
   * Unset: every call is kept (tests and benchmarks count them).
   */
  keepCalls?: number;
}

const CONTROL_PREFIX = '/__emulator/';
const CONTROL_PATH = `${CONTROL_PREFIX}faults`;

/** Serve one provider emulator over real HTTP with fault injection and a call log. */
export async function startEmulator(
  emulator: ProviderEmulator,
  options: StartOptions = {},
): Promise<RunningEmulator> {
  const random = options.random ?? Math.random;
  const calls: RecordedCall[] = [];
  const received: (string | null)[] = [];
  const keep = options.keepCalls ?? Number.POSITIVE_INFINITY;
  /** Append to a call log, its oldest half dropped at twice `keepCalls`. */
  const logTo = <T>(log: T[], entry: T) => {
    if (log.length >= 2 * keep) log.splice(0, log.length - keep);
    log.push(entry);
  };
  const arrivalWaiters: { count: number; resolve: () => void }[] = [];
  const held: (() => void)[] = [];
  const hanging = new Set<http.ServerResponse>();
  const writing = new Set<Promise<void>>();
  let cutOffCount = 0;
  let connectionCount = 0;
  const state = { faults: { ...NO_FAULTS, script: [] as FaultKind[], ...options.faults } };
  const events = new EventEmitter();
  let closing = false;
  function setFaults(faults: Faults) {
    state.faults = faults;
    if (!faults.hold && !faults.holdAnswer) release();
  }

  const server = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawUrl = req.url ?? '/';
      const q = rawUrl.indexOf('?');
      const rawPath = q >= 0 ? rawUrl.slice(0, q) : rawUrl;
      const aborted = new AbortController();
      res.once('close', () => {
        if (!res.writableFinished) aborted.abort();
      });
      const request: EmulatorRequest = {
        method: req.method ?? 'GET',
        rawPath,
        path: rawPath,
        query: new URLSearchParams(q >= 0 ? rawUrl.slice(q + 1) : ''),
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
        synthesize: state.faults.synthesize,
        signal: aborted.signal,
      };
      if (rawPath === CONTROL_PATH) return control(request, res);
      if (rawPath.startsWith(CONTROL_PREFIX)) return emulatorControl(request, res);
      void answer(request, res);
    });
  });
  server.on('connection', () => {
    connectionCount += 1;
  });
  // Cloud front ends keep idle keep-alive connections for about a minute (AWS load balancers: 60 s),
  // not Node's default 5 s; clients' pools are measured against that.
  const keepAliveMs = options.keepAliveMs ?? 65_000;
  server.keepAliveTimeout = keepAliveMs;
  server.headersTimeout = keepAliveMs + 1_000;

  function control(request: EmulatorRequest, res: http.ServerResponse) {
    if (request.method === 'POST') {
      try {
        const patch = JSON.parse(request.body || '{}') as Partial<Faults>;
        setFaults({ ...state.faults, ...patch });
      } catch {
        res
          .writeHead(400, { 'content-type': 'application/json' })
          .end('{"error":"body must be JSON"}');
        return;
      }
    } else if (request.method === 'DELETE') {
      setFaults({ ...NO_FAULTS, script: [] });
    }
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify(state.faults));
  }

  /** An emulator's own switches (`ProviderEmulator.control`); 404 where it has none. */
  function emulatorControl(request: EmulatorRequest, res: http.ServerResponse) {
    let out: EmulatorResponse | null;
    try {
      out = emulator.control?.(request) ?? null;
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      out = { status: 400, headers: {}, body: JSON.stringify({ error: message }) };
    }
    out ??= { status: 404, headers: {}, body: '{"error":"no such switch"}' };
    res.writeHead(out.status, { 'content-type': 'application/json', ...out.headers }).end(out.body);
  }

  /** Whether the knobs apply to a request of `job` signed for `account` (`jobPrefix`, `account`). */
  function faultsApply(job: string | null, account: string | undefined): boolean {
    const f = state.faults;
    if (f.jobPrefix !== null && !(job ?? '').startsWith(f.jobPrefix)) return false;
    return f.account === null || account === f.account;
  }

  function pickFault(job: string | null, account: string | undefined): FaultKind {
    const f = state.faults;
    if (!faultsApply(job, account)) return 'ok';
    const scripted = f.script.shift();
    if (scripted) return scripted;
    if (f.hang) return 'hang';
    if (f.reset) return 'reset';
    if (f.malformed) return 'malformed';
    if (f.errorAnswer) return 'error-answer';
    if (f.throttleRate > 0 && random() < f.throttleRate) return 'throttle';
    if (f.errorRate > 0 && random() < f.errorRate) return '5xx';
    return 'ok';
  }

  function release(count = held.length): number {
    const n = Math.min(count, held.length);
    for (const resume of held.splice(0, n)) resume();
    return n;
  }

  async function answer(request: EmulatorRequest, res: http.ServerResponse) {
    const { operation, job, account } = safeDescribe(request);
    const logged = (status: number): RecordedCall => ({
      method: request.method,
      path: request.path,
      operation,
      job,
      status,
      ...(account === undefined ? {} : { account }),
    });
    logTo(received, job);
    for (const w of [...arrivalWaiters]) {
      if (received.length >= w.count) {
        arrivalWaiters.splice(arrivalWaiters.indexOf(w), 1);
        w.resolve();
      }
    }
    events.emit('request', request);
    // The fault is chosen on arrival (a scripted one is used up then), whether or not the answer is held.
    const fault = pickFault(job, account);
    if (state.faults.hold) {
      hanging.add(res);
      await new Promise<void>((resume) => held.push(resume));
      hanging.delete(res);
      if (closing || res.destroyed) return;
    }
    if (state.faults.latencyMs > 0) await new Promise((r) => setTimeout(r, state.faults.latencyMs));
    if (fault === 'hang') {
      hanging.add(res);
      res.on('close', () => hanging.delete(res));
      logTo(calls, logged(0));
      return;
    }
    if (fault === 'reset') {
      logTo(calls, logged(0));
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
            : fault === 'error-answer' && state.faults.errorAnswer
              ? emulator.errorAnswer(request, state.faults.errorAnswer)
              : emulator.handle(request));
    } catch {
      out = emulator.serverError(request);
    }
    // The connection closed while the answer was made (a long poll the client gave up on, or the
    // emulator closing): nothing to write to.
    if (request.signal?.aborted) return void logTo(calls, logged(0));
    logTo(calls, logged(out.status));
    if (state.faults.holdAnswer && faultsApply(job, account)) {
      hanging.add(res);
      await new Promise<void>((resume) => held.push(resume));
      hanging.delete(res);
      if (closing || res.destroyed) return;
    }
    const done = write(res, out, state.faults.oversize, state.faults.chunked).then((complete) => {
      if (!complete) cutOffCount += 1;
      writing.delete(done);
    });
    writing.add(done);
  }

  /** Write one answer, padded to `padTo` bytes; resolves true once all of it was handed to the socket, false if it closed first. */
  async function write(
    res: http.ServerResponse,
    out: EmulatorResponse,
    padTo: number,
    chunked: boolean,
  ): Promise<boolean> {
    const closed = new Promise<false>((resolve) => res.once('close', () => resolve(false)));
    const finished = new Promise<true>((resolve) => res.once('finish', () => resolve(true)));
    const bodyBytes = Buffer.byteLength(out.body);
    const total = Math.max(bodyBytes, padTo);
    res.writeHead(
      out.status,
      chunked ? out.headers : { ...out.headers, 'content-length': String(total) },
    );
    if (total === bodyBytes) {
      res.end(out.body);
      return Promise.race([finished, closed]);
    }
    res.write(out.body);
    const chunk = Buffer.alloc(64 * 1024, 0x20);
    for (let left = total - bodyBytes; left > 0; left -= chunk.length) {
      if (res.destroyed) return false;
      const piece = left >= chunk.length ? chunk : chunk.subarray(0, left);
      if (!res.write(piece)) {
        const drained = new Promise<true>((resolve) => res.once('drain', () => resolve(true)));
        if (!(await Promise.race([drained, closed]))) return false;
      }
    }
    res.end();
    return Promise.race([finished, closed]);
  }

  function safeDescribe(request: EmulatorRequest): ReturnType<ProviderEmulator['describe']> {
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
    received,
    waitForReceived: (count) =>
      received.length >= count
        ? Promise.resolve()
        : new Promise<void>((resolve) => arrivalWaiters.push({ count, resolve })),
    release,
    events,
    jobs: emulator.jobs,
    connections: () => connectionCount,
    settled: async () => {
      while (writing.size > 0) await Promise.all([...writing]);
    },
    cutOff: () => cutOffCount,
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
        closing = true;
        emulator.close?.();
        for (const res of hanging) res.socket?.destroy();
        release();
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
