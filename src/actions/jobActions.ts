import type { Config, JobActionName } from '../config/types.ts';
import { UpstreamError } from '../errors.ts';
import type { ActionLog, TakenAction } from '../history/actions.ts';
import { accountOfId, formatGlobalId, parseGlobalId, type JobKey } from '../model/globalId.ts';
import type { JobRecord } from '../model/job.ts';
import type { Sources } from '../datasources/index.ts';
import { accountOf, kindOf } from '../datasources/registry.ts';
import { reasonLength } from '../datasources/shared/acting.ts';
import { PROVIDER_LABEL } from '../datasources/shared/classify.ts';
import type { JobStates } from '../datasources/state/jobStates.ts';
import { ActionsOffError, reasonRefusal } from './refusals.ts';
import type {
  ActionGrant,
  JobActionCaller,
  JobActionRequest,
  JobActionResult,
  JobActionValue,
} from './caller.ts';
import { codeOf, judgeOf, messageOf } from './judging.ts';
import { ActionAudit, VALUE, type ActionCounter, type ActionLogger } from './audit.ts';

// What a request asks and did, for the users that import it from here (every export of caller.ts).
export * from './caller.ts';
import { IdempotencyCache, idempotencyKeyOf } from './idempotency.ts';
import { Reruns } from './rerun.ts';
import { ActionCalls, type OneAction } from './actionCalls.ts';
import type { RerunLog } from '../history/reruns.ts';
import type { StoreFill } from '../cache/approxBytes.ts';

/** What an Idempotency-Key keeps of one job's result: no record, only whether there was one. */
type KeptResult = Omit<JobActionResult, 'job' | 'rerun'> & { read: boolean; rerunId?: string };

/** The kept form of a field's results (idempotency.ts): outcomes and job IDs, never records. */
function keptOf(results: readonly JobActionResult[]): KeptResult[] {
  return results.map(({ id, action, outcome, message, providerCode, job, rerun }) => ({
    id,
    action,
    outcome,
    message,
    providerCode,
    read: job !== null,
    ...(rerun ? { rerunId: rerun.id } : {}),
  }));
}

export interface JobActionsOptions {
  config: Config;
  sources: Sources;
  logger?: ActionLogger;
  metrics?: ActionCounter;
  /** The history store's audit rows; null when history is off. */
  store?: ActionLog | null;
  /** The history store's rerun rows (docs/actions.md, "Rerun"); null when history is off. */
  reruns?: RerunLog | null;
  /** The job-state store, offered the fresh read after an action. */
  states?: JobStates;
  now?: () => number;
}

/** Longest reason jobgraph takes whatever the provider (AWS Batch's bound). */
const REASON_MAX_CHARS = 1024;
/** Calls in flight at once for one cancelJobs field. */
const ACT_CONCURRENCY = 4;
const ACTION_ORDER: readonly JobActionName[] = ['cancel', 'terminate', 'rerun'];
/** The fields that act on many jobs, answering a refused account per job. */
const MANY = new Set(['cancelJobs', 'rerunJobs']);

/**
 * Acting on jobs (docs/actions.md), one per gateway: the guards (JOBGRAPH_ACTIONS, `jobs:write`,
 * the accounts claim, the reason's bounds) before any upstream call; each job's state read first
 * (through the request's loader and budget), judged by its provider (`Provider.actions`), acted on
 * through its source's `act` (the pipeline, its per-account rate budget), read again fresh and
 * offered to the job-state store; every action and refusal audited (log line, metric, history row);
 * an `Idempotency-Key` answering its first result.
 */
export class JobActions {
  readonly #idempotent: IdempotencyCache<KeptResult[]>;
  readonly #now: () => number;
  readonly #audit: ActionAudit;
  readonly #reruns: Reruns;
  readonly #calls: ActionCalls;

  constructor(private readonly options: JobActionsOptions) {
    this.#now = options.now ?? Date.now;
    this.#idempotent = new IdempotencyCache(this.#now);
    this.#audit = new ActionAudit(options, this.#now);
    this.#reruns = new Reruns({ ...options, log: options.reruns ?? null, now: this.#now });
    this.#calls = new ActionCalls(options, this.#now, this.#audit, this.#reruns);
  }

  /** The actions this caller may take on `record` now (`Job.availableActions`). */
  available(record: JobRecord, grant: ActionGrant): JobActionValue[] {
    const { config } = this.options;
    if (grant.writeRefusal('availableActions')) return [];
    const rules = kindOf(record).actions;
    const source = this.options.sources[record.provider].source;
    if (!rules || !source.act) return [];
    if (!grant.permits(record.provider, this.#aliasOf(record.id))) return [];
    return ACTION_ORDER.filter(
      (a) =>
        config.actions.has(a) &&
        (a !== 'rerun' || source.rerunOf?.(record) !== undefined) &&
        rules.judge(a, record).kind === 'apply',
    ).map((a) => VALUE[a]);
  }

  /** The audit rows of the job `id` (`Job.actionsTaken`); none when history is off. */
  taken(id: string): Promise<TakenAction[]> {
    return this.options.store ? this.options.store.forJob(id) : Promise.resolve([]);
  }

  /** The global IDs of the job `id` reruns and of its reruns (`Job.rerunOf`, `Job.reruns`). */
  reruns(id: string): Promise<{ of: string | null; made: string[] }> {
    return this.#reruns.links(id);
  }

  /** A mutation refused by its directive (scope) before its resolver ran: audited all the same. */
  refusedField(
    field: string,
    code: string,
    args: Record<string, unknown>,
    caller: JobActionCaller,
  ): void {
    const ids = Array.isArray(args.ids) ? args.ids : typeof args.id === 'string' ? [args.id] : [];
    const action: JobActionName =
      field === 'terminateJob' ? 'terminate' : field.startsWith('rerun') ? 'rerun' : 'cancel';
    const reason = typeof args.reason === 'string' ? args.reason.slice(0, REASON_MAX_CHARS) : '';
    for (const id of ids.slice(0, this.options.config.limits.maxJobIds))
      this.#auditRefusal(caller, String(id), action, reason, code);
  }

  /** One mutation field: the guards, then each job's result, in the order of `ids`. */
  async act(request: JobActionRequest, caller: JobActionCaller): Promise<JobActionResult[]> {
    const { config } = this.options;
    // A reason reaches the provider, and every reader of the account and the history: a known
    // secret pasted into it is sent as the audit keeps it, redacted.
    const reason = caller.scrub(request.reason.trim());
    const needed: JobActionName[] = [request.action];
    if (request.terminateRunning) needed.push('terminate');
    const off = needed.find((a) => !config.actions.has(a));
    const refuse = (error: Error, code: string): never => {
      for (const id of request.ids) this.#auditRefusal(caller, id, request.action, reason, code);
      throw error;
    };
    if (off) refuse(new ActionsOffError(off), 'ACTIONS_OFF');
    const scopeRefusal = caller.writeRefusal(request.field);
    if (scopeRefusal) refuse(scopeRefusal, scopeRefusal.code);
    const keys = request.ids.map((id, i) =>
      parseGlobalId(id, request.ids.length === 1 && !MANY.has(request.field) ? 'id' : `ids[${i}]`),
    );
    const tooLong = reasonRefusal(reason, REASON_MAX_CHARS, keys);
    if (tooLong) throw tooLong;
    const key = idempotencyKeyOf(caller.idempotencyKey);
    const run = () => this.#actOnAll(request, reason, keys, caller);
    // A dry run changes nothing: it is neither remembered nor answered from memory. A rerun's
    // memory is the history's row (rerun.ts), shared by every replica: this process's would keep
    // a "rerun under way" answer after the rerun was made.
    if (key === null || request.dryRun || (request.action === 'rerun' && this.options.reruns))
      return run();
    // Scoped by who asks as the caller rate counts them (issuer and subject, else the token's ID,
    // else its digest), and fingerprinted with the token's accounts and scopes: a replay by anyone
    // else acts afresh under their own grant, and one by a narrower token is refused.
    const scope = JSON.stringify([caller.callerKey, key, request.responseKey]);
    const fingerprint = JSON.stringify([
      request.field,
      request.ids,
      request.action,
      request.terminateRunning,
      reason,
      caller.grantKey,
    ]);
    const answer = this.#idempotent.run(scope, fingerprint, run, keptOf);
    if ('ran' in answer) return answer.ran;
    return this.#replay(await answer.replay, request, caller);
  }

  /** How full the Idempotency-Key's memory is (`jobgraph_store_*{store="idempotency"}`). */
  fill(): StoreFill {
    return this.#idempotent.fill();
  }

  /**
   * A replayed answer: the kept outcomes, each job read again through the caller's loader (its
   * budget and account check, as any read), never a record kept from the first request.
   */
  #replay(
    kept: readonly KeptResult[],
    request: JobActionRequest,
    caller: JobActionCaller,
  ): Promise<JobActionResult[]> {
    const single = !MANY.has(request.field);
    return Promise.all(
      kept.map(async ({ read, rerunId, ...result }): Promise<JobActionResult> => {
        if (!read) return { ...result, job: null };
        const key = parseGlobalId(result.id);
        const account = accountOf(this.options.config, key);
        if (!caller.permits(key.provider, account)) {
          const refusal = caller.refuseAccount(request.field, key, account);
          if (single) throw refusal;
          return {
            ...result,
            outcome: 'REFUSED',
            message: `${refusal.message} Nothing was done to this job.`,
            providerCode: null,
            job: null,
          };
        }
        try {
          const job = await caller.loadJob(key, request.field);
          if (rerunId === undefined) return { ...result, job };
          const rerun = await caller
            .loadJob(parseGlobalId(rerunId), request.field)
            .catch(() => null);
          return { ...result, job, rerun };
        } catch (err) {
          if (single && !(err instanceof UpstreamError)) throw err;
          return { ...result, job: null };
        }
      }),
    );
  }

  async #actOnAll(
    request: JobActionRequest,
    reason: string,
    keys: readonly JobKey[],
    caller: JobActionCaller,
  ): Promise<JobActionResult[]> {
    const distinct = new Map<string, JobKey>();
    for (const key of keys) distinct.set(formatGlobalId(key), key);
    // A single-job field refuses the account as an error; cancelJobs answers REFUSED per job.
    const single = !MANY.has(request.field);
    const results = new Map<string, Promise<JobActionResult>>();
    const queue = [...distinct];
    const worker = async () => {
      for (let next = queue.shift(); next; next = queue.shift()) {
        const [id, key] = next;
        const result = this.#actOnOne(request, reason, id, key, caller, single);
        results.set(id, result);
        await result.catch(() => undefined);
      }
    };
    await Promise.all(Array.from({ length: Math.min(ACT_CONCURRENCY, queue.length) }, worker));
    return Promise.all(keys.map((key) => results.get(formatGlobalId(key))!));
  }

  async #actOnOne(
    request: JobActionRequest,
    reason: string,
    id: string,
    key: JobKey,
    caller: JobActionCaller,
    single: boolean,
  ): Promise<JobActionResult> {
    const { config, sources } = this.options;
    const rules = kindOf(key).actions;
    const a: OneAction = {
      request,
      reason,
      id,
      key,
      caller,
      account: accountOf(config, key),
      label: PROVIDER_LABEL[key.provider],
      action: request.action,
      settled: Promise.resolve(),
    };
    if (!caller.permits(key.provider, a.account)) {
      const refusal = caller.refuseAccount(request.field, key, a.account);
      if (single) {
        this.#calls.audited(a, 'REFUSED');
        throw refusal;
      }
      const message = `${refusal.message} Nothing was done to this job.`;
      return this.#calls.done(a, 'REFUSED', message, null);
    }
    const source = sources[key.provider].source;
    if (!rules || !source.act || (request.action === 'rerun' && !source.rerunOf?.(key)))
      return this.#calls.done(
        a,
        'NOT_SUPPORTED',
        `${a.label} has no ${a.action} operation for its jobs: jobgraph made no call. Act on it in the provider's own console, if it offers one.`,
        null,
      );
    const bound = rules.reason;
    if (bound && reasonLength(reason, bound) > bound.max)
      // reasonRefusal checked every key's provider before any call; this cannot be reached.
      return this.#calls.done(a, 'FAILED', `The reason is longer than ${a.label} takes.`, null);
    let record: JobRecord;
    try {
      record = await caller.loadJob(key, request.field);
    } catch (err) {
      if (single && !(err instanceof UpstreamError)) throw err;
      const message = `${messageOf(err)} Nothing was done to this job.`;
      return this.#calls.done(a, 'FAILED', message, null, codeOf(err));
    }
    // One action per job per request: the same action asked again answers the first call's result.
    const before = judgeOf(rules, request, record);
    if (!request.dryRun && before.judgement.kind === 'apply') {
      const earlier = caller.acts.callOf(id, before.action);
      if (earlier) return { ...(await earlier) };
    }
    // Another action on a job this request acted on: judged as that action left it.
    const after = caller.acts.after(id);
    if (after) record = after;
    const judged = after ? judgeOf(rules, request, after) : before;
    a.action = judged.action;
    const answered = this.#calls.unapplied(a, judged.judgement, record);
    if (answered) return answered;
    // A write call counts in the request's budget of upstream jobs, as the read of its job did.
    const overBudget = caller.countJob(key);
    if (overBudget) {
      const message = `${overBudget.message} Nothing was done to this job.`;
      return this.#calls.done(a, 'FAILED', message, record, overBudget.code);
    }
    const refused = await this.#calls.begin(a, record);
    if (refused) return refused;
    const call = this.#calls.call(a, rules, record).then(async (result) => {
      // The answer waits for its audit row's outcome (an error there is logged, not the caller's).
      await a.settled;
      return result;
    });
    caller.acts.called(id, a.action, call);
    return call;
  }

  #aliasOf(id: string): string {
    return accountOfId(this.options.config, id);
  }

  #auditRefusal(
    caller: JobActionCaller,
    id: string,
    action: JobActionName,
    reason: string,
    code: string,
  ): void {
    let provider = 'UNKNOWN';
    let account = '';
    try {
      const key = parseGlobalId(id);
      provider = key.provider;
      account = accountOf(this.options.config, key);
    } catch {
      // A malformed ID: audited as asked, under no provider.
    }
    // Queued (a refusal settles no row): nothing to wait for.
    void this.#audit.entry(caller, {
      id,
      provider,
      account,
      action,
      reason,
      outcome: 'REFUSED',
      requestId: null,
      providerCode: code,
    });
  }
}
