import { InternalError, MalformedBodyError, UpstreamError } from '../../errors.ts';
import { accountOfKey, type KeyGrammar } from '../../model/keyGrammar.ts';
import { credentialsFailure } from './credentialsFailure.ts';
import type { JobKey } from '../../model/keys.ts';
import type { JobProvider, JobRecord } from '../../model/job.ts';
import { parseUnlessSame } from './answerMemo.ts';
import { failedAttempt, okAttempt, type UpstreamAttemptResult } from './attempts.ts';
import { DEFAULT_MAX_BODY_BYTES } from './bodyCap.ts';
import { badResponse, funnelError, isNetworkError, transportError } from './classify.ts';
import { ClientPool, DEFAULT_MAX_CLIENTS } from './clientPool.ts';
import { createAgents, destroyAgents, httpRequest, type HttpResult } from './http.ts';
import type { SourceOptions } from './options.ts';
import { rateWaitLimitMs, type CallOptions } from './rateGate.ts';
import { formEncode } from './rfc3986.ts';
import { handMadeRetryPolicy, retryUpstream } from './retry.ts';
import { promiseOf } from './promiseOf.ts';
import type { SourceSeams } from './seams.ts';
import { CLOCK_SKEW_CODES, CLOCK_SKEW_MS } from './clockSkew.ts';
import { rerunSourceOf, type RerunInput, type RerunSource } from './rerunning.ts';
import {
  overrideOf,
  prepareEndpoint,
  sendThroughHandler,
  withHostPrefix,
  type PreparedEndpoint,
} from './sendTarget.ts';
import { actOf, type ActionInput } from './acting.ts';
import { USER_AGENT } from './userAgent.ts';

export type { ActedAnswer } from './acting.ts';
export type {
  Operation,
  ProviderSource,
  ProviderWire,
  SignableRequest,
  WireRequest,
} from './wire.ts';
import type { KindWire, Operation, ProviderSource, ProviderWire, WireRequest } from './wire.ts';

/** A regional endpoint, resolved once and kept (bounded by `maxClients`, closed after a minute unused). */
interface RegionalEndpoint {
  url: Promise<PreparedEndpoint>;
  /** `url`'s value once it has one: a call then sends at once, without waiting a turn for it. */
  resolved?: PreparedEndpoint;
}

/**
 * The one pipeline every provider's calls go through, built from the provider's wire for
 * `options` (its client.ts): credentials (resolved once per call),
 * the endpoint (an override as given, else the provider's own for the region, resolved once
 * and kept), the provider's signature with a signing clock corrected for skew, `User-Agent`,
 * keep-alive sockets bounded at `options.maxSockets`, the per-attempt deadline and body cap,
 * retries by the one policy (`handMadeRetryPolicy`: throttling, 5xx and transport failures
 * inside `options.budgetMs`, Retry-After honoured), each attempt told to `options.observer`,
 * and one error funnel: an error answer is read by the operation's `readError`, everything
 * else by `funnelError`, so each failure becomes one UpstreamError (or an InternalError for
 * jobgraph's own), derived, never rebuilt, when the pipeline changes a fact of it.
 */
export function createSource<K extends JobKey, R extends JobRecord, O extends SourceOptions>(
  of: {
    name: K['provider'];
    key?: KeyGrammar;
    setup: { wire(options: O): ProviderWire<K, R, unknown> };
  },
  options: O,
  seams: SourceSeams = {},
): ProviderSource<K['provider'], R> {
  const wire = of.setup.wire(options);
  const pipeline = new Pipeline(of.name, wire, options, seams);
  return {
    provider: of.name,
    call: (operation, input, opts) => pipeline.call(operation, input, opts),
    // A key of the provider is a K: KeyOf<K['provider']> is K, which the compiler cannot see.
    fetchJob: (key, opts) => {
      // The default AWS account's keys name none: their calls go with the options as given.
      const account = of.key ? accountOfKey(of.key, key) : undefined;
      const options = account === undefined ? opts : { ...opts, account };
      if (key.kind === undefined) return pipeline.call(wire.describe, key as unknown as K, options);
      // A further kind's record is its own type, which the provider's R (its first kind's) names
      // for the JobSource's callers: each reads it through kindOf (the one cast of a kind's wire).
      return pipeline.call(kindWireOf(of.name, wire, key).describe, key, options) as Promise<R>;
    },
    close: () => pipeline.close(),
    ...(wire.global ? {} : { clientCount: () => pipeline.endpoints.size }),
    ...(wire.describeMany ? { batch: batchOf(of.key, wire.describeMany, pipeline) } : {}),
    ...(wire.actions || wire.kinds
      ? {
          act: actOf(
            of.name,
            of.key,
            (key) => (key.kind === undefined ? wire.actions : wire.kinds?.[key.kind]?.actions),
            (op, input, o) => pipeline.call(op, input as ActionInput<K>, o),
          ),
        }
      : {}),
    rerunOf: rerunsOf(of, wire, pipeline) as never,
  };
}

/** A further kind's wire (`ProviderWire.kinds`); an InternalError for a kind the provider lacks. */
function kindWireOf(
  provider: JobProvider,
  wire: { kinds?: Readonly<Record<string, KindWire<JobRecord>>> },
  key: JobKey,
): KindWire<JobRecord> {
  const kind = key.kind === undefined ? undefined : wire.kinds?.[key.kind];
  if (!kind)
    throw new InternalError(provider, new Error(`${provider} has no kind ${String(key.kind)}`));
  return kind;
}

/** Each kind's rerun (`JobSource.rerunOf`), made once: the first kind's and each further one's. */
function rerunsOf<K extends JobKey, R extends JobRecord>(
  of: { key?: KeyGrammar },
  wire: ProviderWire<K, R, unknown>,
  pipeline: Pipeline,
): (of: { kind?: string | undefined }) => RerunSource<JobKey> | undefined {
  const first = wire.rerun
    ? (rerunSourceOf(of.key, wire.rerun, rerunCall(pipeline)) as unknown as RerunSource<JobKey>)
    : undefined;
  const kinds = new Map<string, RerunSource<JobKey>>();
  for (const [name, kind] of Object.entries(wire.kinds ?? {}))
    if (kind.rerun) kinds.set(name, rerunSourceOf(of.key, kind.rerun, rerunCall(pipeline)));
  return (of) => (of.kind === undefined ? first : kinds.get(of.kind));
}

/** The pipeline's call of a rerun operation (its output read by rerunning.ts). */
const rerunCall =
  (pipeline: Pipeline) =>
  (op: Operation<RerunInput<JobKey>, unknown>, i: RerunInput<JobKey>, o: CallOptions) =>
    pipeline.call(op, i, o);

/**
 * A source's batch describe (JobSource.batch): keys grouped by region and account (a call is
 * signed for one of each), each group's call made with its account's credentials.
 */
function batchOf<K extends JobKey, R extends JobRecord>(
  grammar: KeyGrammar | undefined,
  many: NonNullable<ProviderWire<K, R, unknown>['describeMany']>,
  pipeline: Pipeline,
): NonNullable<ProviderSource<K['provider'], R>['batch']> {
  const accountOf = (key: JobKey) => (grammar ? accountOfKey(grammar, key) : undefined);
  return {
    max: many.max,
    takes: (key) => key.kind === undefined,
    group: (key) => `${'region' in key ? key.region : ''}@${accountOf(key) ?? ''}`,
    fetchJobs: (keys, opts) => {
      const account = keys[0] === undefined ? undefined : accountOf(keys[0]);
      return pipeline.call(
        many.operation,
        keys as unknown as readonly K[],
        account === undefined ? opts : { ...opts, account },
      );
    },
  };
}

/**
 * One provider's pipeline (createSource): what it owns — its regional endpoints, its sockets,
 * its signing clock's offset — and the steps of a call: credentials, the rate budget's turn,
 * each attempt (address, sign, send, read), and the failures they become.
 */
class Pipeline {
  /** Regional endpoints, each resolved once and kept (bounded by `maxClients`, closed after a minute unused). */
  readonly endpoints: ClientPool<RegionalEndpoint>;
  private readonly agents: ReturnType<typeof createAgents>;
  readonly now: () => number;
  readonly policy: ReturnType<typeof handMadeRetryPolicy>;
  private readonly maxBodyBytes: number;
  private readonly override: PreparedEndpoint | null;
  /** Whether a success's request ID is read for the attempt observer (AttemptObserver.readsRequestIds). */
  readonly readsRequestIds: boolean;
  /** Signing clock offset, corrected from an error answer's Date header as the AWS SDK does (`systemClockOffset`). */
  private clockOffsetMs = 0;

  constructor(
    readonly provider: JobProvider,
    readonly wire: ProviderWire<JobKey, JobRecord, unknown>,
    readonly options: SourceOptions,
    private readonly seams: SourceSeams,
  ) {
    const now = seams.now ?? Date.now;
    this.now = now;
    this.policy = handMadeRetryPolicy(options, { ...seams, now });
    this.maxBodyBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
    this.readsRequestIds = options.observer?.readsRequestIds !== false;
    this.agents = createAgents(options.maxSockets);
    const override = overrideOf(options.endpoint, provider);
    this.override = override;
    const endpoints: ClientPool<RegionalEndpoint> = new ClientPool<RegionalEndpoint>({
      create: (region) => {
        if (override) return { url: Promise.resolve(override), resolved: override };
        const url = Promise.resolve(wire.endpoint(region)).then(prepareEndpoint);
        const endpoint: RegionalEndpoint = { url };
        // A failed resolution is answered for this call and tried again for the next.
        url.then(
          (resolved) => (endpoint.resolved = resolved),
          () => endpoints.delete(region),
        );
        return endpoint;
      },
      destroy: () => {},
      max: options.maxClients ?? DEFAULT_MAX_CLIENTS,
      ...(seams.timers ? { timers: seams.timers } : {}),
    });
    this.endpoints = endpoints;
  }

  close(): void {
    this.endpoints.close();
    destroyAgents(this.agents);
  }

  /** One call of `operation`: credentials, then attempts by the retry policy inside the budget. */
  async call<I, O>(operation: Operation<I, O>, input: I, opts: CallOptions = {}): Promise<O> {
    const started = this.now();
    const region = operation.region(input);
    let credentials: unknown;
    try {
      credentials = await this.wire.credentials(opts.account);
    } catch (err) {
      throw credentialsFailure(this.provider, err);
    }
    const call = new UpstreamCall(this, operation, input, opts, region, credentials, started);
    // The budget includes resolving credentials and waiting for the rate budget.
    return retryUpstream(call.attempt, this.policy, opts.signal, started);
  }

  /**
   * The rate budget's turn for one attempt (every attempt counts as a call), within what is left of
   * the job's budget; resolves with the attempt's timeout less the wait. A global service has one
   * budget (`global`), as it has one circuit.
   */
  async rateTurn(
    region: string,
    opts: CallOptions,
    started: number,
    timeoutMs: number,
  ): Promise<number> {
    const { now } = this;
    const budgetMs = this.policy.budgetMs ?? timeoutMs;
    const elapsed = now() - started;
    const left = Math.min(budgetMs, opts.timeLeftMs ?? budgetMs) - elapsed;
    const asked = now();
    const turn = this.options.rate?.acquire(
      this.provider,
      // An account has its own rate limits at the provider.
      (this.wire.global ? 'global' : region) + (opts.account ? `@${opts.account}` : ''),
      opts.caller ?? '',
      rateWaitLimitMs(left, timeoutMs),
      opts.signal,
    );
    if (!turn) return timeoutMs;
    await turn;
    return Math.max(1, timeoutMs - (now() - asked));
  }

  /** The value of a 2xx answer: the operation's parse, or the memo's value when the answer is the same as last time. */
  parseAnswer<I, O>(
    operation: Operation<I, O>,
    input: I,
    answer: HttpResult,
    { answer: memo, answers }: CallOptions,
  ): O {
    if (answers && operation.parseWith) return operation.parseWith(input, answer, answers);
    return memo
      ? parseUnlessSame(memo, answer, operation.sameAnswer, () => operation.parse(input, answer))
      : operation.parse(input, answer);
  }

  /** The failure a throw of the parse step is: only a malformed body is the provider's; any other exception is ours. */
  parseFailure(err: unknown, answer: HttpResult): UpstreamError | InternalError {
    if (err instanceof UpstreamError) return err;
    if (err instanceof MalformedBodyError)
      return badResponse(this.provider, err, this.wire.requestId(answer));
    return new InternalError(this.provider, err);
  }

  /**
   * `req` addressed to the region's endpoint, signed at the corrected clock, and sent: at once
   * when the endpoint is resolved (every call but a region's first), without a turn of its own.
   */
  send(
    req: WireRequest,
    at: UpstreamCall<unknown, unknown>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<HttpResult> {
    const endpoint = this.endpoints.get(at.region);
    const resolved = endpoint.resolved;
    if (resolved) return this.sendTo(resolved, req, at, timeoutMs, signal);
    return endpoint.url.then((base) => this.sendTo(base, req, at, timeoutMs, signal));
  }

  private sendTo(
    base: PreparedEndpoint,
    req: WireRequest,
    at: UpstreamCall<unknown, unknown>,
    timeoutMs: number,
    signal?: AbortSignal,
  ): Promise<HttpResult> {
    const endpoint = this.override ? base : withHostPrefix(base, req.hostPrefix);
    const query = req.query ?? [];
    const path = endpoint.basePath + req.path;
    const headers = this.wire.sign(
      {
        method: req.method,
        host: endpoint.origin.host,
        path,
        query,
        headers: req.headers,
        body: req.body,
      },
      at.credentials,
      at.region,
      new Date(this.now() + this.clockOffsetMs),
    );
    headers['user-agent'] = USER_AGENT;
    const sentPath = query.length === 0 ? path : `${path}?${formEncode(query)}`;
    const handler = this.seams.requestHandler;
    // A test's SDK-style request handler (golden fixtures, the same handler the real SDK clients get).
    if (handler) {
      return sendThroughHandler(handler, {
        endpoint,
        req,
        headers,
        path: sentPath,
        timeoutMs,
        maxBodyBytes: this.maxBodyBytes,
        ...(signal ? { signal } : {}),
      });
    }
    return httpRequest(
      {
        method: req.method,
        origin: endpoint.origin,
        path: sentPath,
        headers,
        ...(req.body !== '' ? { body: req.body } : {}),
        timeoutMs,
        maxBodyBytes: this.maxBodyBytes,
        ...(signal ? { signal } : {}),
      },
      this.agents,
    );
  }

  /** What a thrown failure (transport, body cap, a bug) is; error answers never come here. */
  thrownFailure(err: unknown): UpstreamError | InternalError {
    const note = this.wire.unreachableNote;
    const name = (err as { name?: unknown } | null)?.name;
    if (
      note &&
      isNetworkError(err) &&
      name !== 'AbortError' &&
      name !== 'TimeoutError' &&
      (err as { code?: unknown }).code !== 'ETIMEDOUT'
    ) {
      return transportError(this.provider, err, note);
    }
    return funnelError(this.provider, err);
  }

  /**
   * The failure of an error answer. When its Date header says the signing clock is off by more
   * than five minutes, the clock is corrected for the next requests, and a clock-skew error
   * (InvalidSignatureException, RequestTimeTooSkewed, …) is made retryable while an attempt is
   * left, so the next attempt signs with the corrected time, as the SDK's retry strategy does.
   */
  answerFailure<I>(
    operation: Operation<I, unknown>,
    input: I,
    answer: HttpResult,
    attemptNumber: number,
  ): UpstreamError {
    const { now } = this;
    const failure = operation.readError(input, answer);
    const date = answer.headers.date;
    if (date === undefined) return failure;
    const serverMs = Date.parse(date);
    if (
      !Number.isFinite(serverMs) ||
      Math.abs(serverMs - (now() + this.clockOffsetMs)) < CLOCK_SKEW_MS
    )
      return failure;
    this.clockOffsetMs = serverMs - now();
    if (attemptNumber >= this.policy.maxAttempts || failure.retryable) return failure;
    if (failure.upstreamCode === null || !CLOCK_SKEW_CODES.has(failure.upstreamCode))
      return failure;
    return failure.derive({ retryable: true });
  }
}

/**
 * One call through the pipeline, as one state object: what every attempt of it needs (where, as
 * whom, for which operation and input), made once per call. An attempt is one chain — send, then
 * read the answer — that reports to the observer from inside it: no promise, closure or wrapper
 * per layer (observation, attempt, send), and none at all for the retries until one fails.
 */
class UpstreamCall<I, O> {
  constructor(
    private readonly pipeline: Pipeline,
    private readonly operation: Operation<I, O>,
    private readonly input: I,
    private readonly opts: CallOptions,
    readonly region: string,
    readonly credentials: unknown,
    private readonly started: number,
  ) {}

  /** Attempt `n` within `timeoutMs` (retry.ts calls it): after the rate budget's turn, when there is one. */
  readonly attempt = (timeoutMs: number, n: number): Promise<O> => {
    if (!this.pipeline.options.rate) return this.go(timeoutMs, n);
    return this.pipeline
      .rateTurn(this.region, this.opts, this.started, timeoutMs)
      .then((left) => this.go(left, n));
  };

  private go(timeoutMs: number, n: number): Promise<O> {
    const { pipeline, operation } = this;
    const end = pipeline.options.observer?.start({
      provider: pipeline.provider,
      region: this.region,
      operation: operation.name,
      attempt: n,
    });
    const sent = promiseOf(() =>
      pipeline.send(operation.send(this.input), this, timeoutMs, this.opts.signal),
    );
    return sent.then(
      (answer) => this.read(answer, n, end),
      (err: unknown) => {
        throw ended(pipeline.thrownFailure(err), end);
      },
    );
  }

  /** The answer of attempt `n` read into the call's value, or the failure it is. */
  private read(answer: HttpResult, n: number, end: AttemptEnd | undefined): O {
    const { pipeline, operation } = this;
    if (answer.status < 200 || answer.status >= 300)
      throw ended(pipeline.answerFailure(operation, this.input, answer, n), end);
    let value: O;
    let requestId: string | null = null;
    try {
      value = pipeline.parseAnswer(operation, this.input, answer, this.opts);
      // Only an observer that keeps it reads the request ID of a success (Import/Export's may be
      // in the body): a trace span does, metrics do not.
      if (end && pipeline.readsRequestIds) requestId = pipeline.wire.requestId(answer);
    } catch (err) {
      throw ended(pipeline.parseFailure(err, answer), end);
    }
    end?.(okAttempt(requestId, answer.status));
    return value;
  }
}

/** How an attempt's observation ends (AttemptObserver.start's answer). */
type AttemptEnd = (result: UpstreamAttemptResult) => void;

/** `err`, told to the attempt's observer as its outcome first. */
function ended(err: Error, end: AttemptEnd | undefined): Error {
  end?.(failedAttempt(err));
  return err;
}
