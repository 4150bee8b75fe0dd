/**
 * The outbox's deliverer: takes the deliveries due (one replica at a time: RuleStore.claim),
 * checks the rule still holds the job's account, signs and posts each to its target through the
 * SSRF guard, and records every attempt. 2xx: delivered. 5xx, 429, a timeout or a connection
 * error: tried again on the specification's schedule (retrySchedule.ts), failed once it is spent.
 * 410 Gone: the rule disabled at once. Any other answer (a 3xx, which is never followed; a 4xx) or
 * a refused target: failed, not retried. A rule whose target failed with no success for
 * DISABLE_AFTER_FAILING_MS is disabled. A chat rule's window is one message (chatGroups.ts).
 */
import { OpenedValues } from './openedValues.ts';
import { AWAITING, type AttemptRecord, type DeliveryRow, type RuleRow } from './ruleStore.ts';
import {
  HostGate,
  postToTarget,
  TargetConnections,
  TargetError,
  type TargetAnswer,
  type TargetPostOptions,
} from './ssrfGuard.ts';
import { webhookHeaders } from './signature.ts';
import type { WebhookBody } from './payload.ts';
import { shapedBody, signingKeys } from './outboxBodies.ts';
import { MAX_ATTEMPTS, nextWaitMs } from './retrySchedule.ts';
import { carriesLogLines, withLogLines } from './logLines.ts';
import { groupedMessage, groupsChat } from './chatGroups.ts';
import { failingReason } from './ruleQuiet.ts';
import { passFailureFields } from './passFailure.ts';
import {
  ATTEMPT_TIMEOUT_MS,
  CLAIM_MAX,
  DISABLE_AFTER_FAILING_MS,
  HOST_CONCURRENCY,
  LEASE_MS,
  MIN_WAIT_MS,
  OUTBOX_MAX_WAIT_MS,
  type AttemptOutcome,
  type OutboxOptions,
} from './outboxOptions.ts';

export {
  DISABLE_AFTER_FAILING_MS,
  LEASE_MS,
  OUTBOX_MAX_WAIT_MS,
  type AttemptOutcome,
  type OutboxOptions,
} from './outboxOptions.ts';

/** Records one attempt: its status code or error, the delivery's new status, when it is due next (epoch ms). */
type Recorder = (
  statusCode: number | null,
  error: string | null,
  status: string,
  next: number | null,
) => Promise<void>;
/** An attempt to be tried again on the schedule (or the rule disabled once it is spent). */
type Retry = (
  statusCode: number | null,
  error: string | null,
  retryAfter: number | null,
) => Promise<AttemptOutcome>;

/** An armed timer of the outbox. */
type Armed = { cancel(): void };

const unrefTimeout = (run: () => void, ms: number): Armed => {
  const timer = setTimeout(run, ms);
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
};

/** The deliveries of a chat rule's window, sent as one message. */
interface Group {
  rule: RuleRow;
  rows: DeliveryRow[];
}

export class Outbox {
  readonly #o: OutboxOptions;
  readonly #hosts: HostGate;
  readonly #now: () => number;
  readonly #opened: OpenedValues;
  readonly #connections = new TargetConnections();
  #running: Promise<void> | null = null;
  #again = false;
  /** The one timer, and when it fires (epoch ms); armed once started. */
  #timer: Armed | null = null;
  #armedAt = Infinity;
  #started = false;
  #closed = false;
  /** Passes that failed in a row (each waits twice as long as the last before the next). */
  #failedPasses = 0;
  #counted = { depth: 0, oldest: null as string | null };
  constructor(options: OutboxOptions) {
    this.#o = options;
    this.#hosts = new HostGate(options.hostConcurrency ?? HOST_CONCURRENCY);
    this.#now = options.now ?? Date.now;
    this.#opened = new OpenedValues(options.box);
  }

  /** Deliver what is due now (and what becomes due meanwhile); resolves when done. */
  runDue(): Promise<void> {
    if (this.#running) {
      this.#again = true;
      return this.#running;
    }
    this.#running = (async () => {
      try {
        do {
          this.#again = false;
          for (;;) {
            const now = this.#now();
            const due = await this.#o.store.claim(
              new Date(now).toISOString(),
              new Date(now + LEASE_MS).toISOString(),
              CLAIM_MAX,
            );
            if (due.length === 0) break;
            const sending = await this.#confirmAwaiting(due);
            // The rules of the batch read once, now, for its attempts (each checks its own).
            const rules = await this.#o.store.rulesOf(sending.map((d) => d.rule_id));
            const { singles, groups } = await this.#grouped(sending, rules, now);
            await this.#attemptAll(singles, rules, groups);
            // Fewer than asked for: nothing else was due (what is enqueued meanwhile kicks again).
            if (due.length < CLAIM_MAX) break;
          }
        } while (this.#again);
      } finally {
        this.#running = null;
      }
    })();
    return this.#running;
  }

  /**
   * The rows of `due` awaiting an event's confirmation (awaiting.ts) handed to `confirmAwaiting`
   * (they are due again when their lease ends, unless it settled them); the deliveries to send.
   */
  async #confirmAwaiting(due: DeliveryRow[]): Promise<DeliveryRow[]> {
    const awaiting = due.filter((d) => d.status === AWAITING);
    if (awaiting.length === 0) return due;
    await this.#o.confirmAwaiting?.(awaiting);
    return due.filter((d) => d.status !== AWAITING);
  }

  /**
   * One attempt of each claimed delivery of `due`, their rows and the deliveries' new statuses
   * written together once every attempt has its answer (one transaction a claimed batch; a crash
   * before it leaves the batch due again when its lease ends: at least once).
   */
  async #attemptAll(
    due: readonly DeliveryRow[],
    rules: Map<string, RuleRow>,
    groups: readonly Group[] = [],
  ): Promise<void> {
    const recorded: AttemptRecord[] = [];
    const ends = await Promise.allSettled([
      ...due.map((d) => this.attempt(d, rules.get(d.rule_id) ?? null, recorded)),
      ...groups.map((g) => this.#attemptGroup(g, recorded)),
    ]);
    await this.#o.store.attemptedAll(recorded);
    const failed = ends.find((e) => e.status === 'rejected');
    if (failed) throw failed.reason;
  }

  /**
   * The claimed deliveries split: a chat rule's (not tests) with every other delivery of the rule
   * due now (claimed too: the claim's limit must not split a window), as one group a rule; the
   * rest one by one.
   */
  async #grouped(
    due: readonly DeliveryRow[],
    rules: Map<string, RuleRow>,
    now: number,
  ): Promise<{ singles: DeliveryRow[]; groups: Group[] }> {
    const singles: DeliveryRow[] = [];
    const byRule = new Map<string, DeliveryRow[]>();
    for (const d of due) {
      const rule = rules.get(d.rule_id);
      if (rule && d.type !== 'test' && groupsChat(rule)) {
        const rows = byRule.get(rule.id) ?? [];
        byRule.set(rule.id, [...rows, d]);
      } else singles.push(d);
    }
    const groups: Group[] = [];
    for (const [ruleId, rows] of byRule) {
      const more = await this.#o.store.claimRule(
        ruleId,
        new Date(now).toISOString(),
        new Date(now + LEASE_MS).toISOString(),
      );
      const all = [...rows, ...more];
      if (all.length === 1) singles.push(all[0]!);
      else groups.push({ rule: rules.get(ruleId)!, rows: all });
    }
    return { singles, groups };
  }

  /**
   * One message for a chat rule's window, its answer recorded for each delivery of it: those the
   * rule may not send (muted, the job's account not held) failed on their own; the rest posted
   * together, their schedule the furthest along of them.
   */
  async #attemptGroup({ rule, rows }: Group, recorded: AttemptRecord[]): Promise<AttemptOutcome> {
    const started = this.#now();
    const sendable: DeliveryRow[] = [];
    for (const d of rows) {
      const refusal = this.#refusal(rule, d);
      if (refusal === null) sendable.push(d);
      else await this.#recorder(d, started, recorded)(null, refusal, 'FAILED', null);
    }
    if (sendable.length === 0) return this.#outcome('failed');
    if (sendable.length === 1) return this.attempt(sendable[0]!, rule, recorded);
    const records = sendable.map((d) => this.#recorder(d, started, recorded));
    const record: Recorder = async (...answer) => {
      for (const r of records) await r(...answer);
    };
    const attempts = Math.max(...sendable.map((d) => d.attempts)) + 1;
    const retry: Retry = (statusCode, error, retryAfter) =>
      this.#retry(attempts, record, statusCode, error, retryAfter);
    const bodies = sendable.map((d) => JSON.parse(d.payload) as WebhookBody);
    const body = JSON.stringify(groupedMessage(rule.target_kind, bodies, rule.name));
    return this.#sent(rule, {}, body, record, retry);
  }

  /**
   * Deliver what is due now, then sleep until the next delivery is due (a retry's time, a lease's
   * end) or OUTBOX_MAX_WAIT_MS, one timer; kicked when something is enqueued. Resolves after the
   * first pass.
   */
  start(): Promise<void> {
    this.#started = true;
    return this.#pass();
  }

  /**
   * One pass: what is due delivered, the backlog counted, the timer armed for the next due time.
   * A pass that failed (the database refused it, or a connection was not had in time) is tried
   * again after MIN_WAIT_MS, twice as long after each failure in a row up to OUTBOX_MAX_WAIT_MS:
   * what a kick meant to deliver at once is not left for the longest wait.
   */
  async #pass(): Promise<void> {
    let nextDue: number | null;
    try {
      await this.runDue();
      const { depth, oldest, nextDue: next } = await this.#o.store.backlog();
      this.#counted = { depth, oldest };
      nextDue = next === null ? null : Date.parse(next);
      this.#failedPasses = 0;
    } catch (e) {
      this.#failedPasses += 1;
      const waitMs = MIN_WAIT_MS * 2 ** Math.min(this.#failedPasses - 1, 5);
      nextDue = this.#now() + waitMs;
      this.#o.onPassFailed?.();
      this.#o.logger?.warn(
        { ...passFailureFields(e), failedPasses: this.#failedPasses, retryInMs: waitMs },
        'notifications: an outbox pass failed (its store refused it); what is due is tried again then',
      );
    }
    this.#arm(nextDue ?? Infinity, true);
  }

  /** Fire at `at` (epoch ms; bounded by MIN_WAIT_MS and OUTBOX_MAX_WAIT_MS), or sooner if armed so unless `replace`. */
  #arm(at: number, replace = false): void {
    if (!this.#started || this.#closed || (!replace && this.#armedAt <= at)) return;
    const now = this.#now();
    const ms = Math.min(Math.max(at - now, MIN_WAIT_MS), OUTBOX_MAX_WAIT_MS);
    this.#timer?.cancel();
    this.#armedAt = now + ms;
    this.#timer = (this.#o.schedule ?? unrefTimeout)(() => {
      this.#timer = null;
      this.#armedAt = Infinity;
      void this.#pass();
    }, ms);
  }

  /** Deliveries not yet delivered nor failed, and the oldest's age, as last counted (each pass). */
  get backlog(): { depth: number; oldestAgeSeconds: number } {
    const { depth, oldest } = this.#counted;
    return {
      depth,
      oldestAgeSeconds:
        oldest === null ? 0 : Math.max(0, Math.round((this.#now() - Date.parse(oldest)) / 1000)),
    };
  }

  /**
   * Deliveries this replica wrote leased to itself (an event's confirmation, notifier.ts `deliver`):
   * attempted now, as a claimed batch is, without claiming them (a crash leaves them due when the
   * lease ends). Resolves once their attempts are recorded or their failure said (a warn line, counted
   * as a failed pass is: what was not recorded is delivered again when its lease ends).
   */
  async deliverNow(rows: readonly DeliveryRow[]): Promise<void> {
    if (rows.length === 0 || this.#closed) return;
    try {
      const rules = await this.#o.store.rulesOf(rows.map((d) => d.rule_id));
      await this.#attemptAll(rows, rules);
    } catch (e) {
      this.#o.onPassFailed?.();
      this.#o.logger?.warn(
        { ...passFailureFields(e), deliveries: rows.length },
        'notifications: delivering a confirmed event at once failed (its store refused it); it is tried again when its lease ends',
      );
    }
  }

  /** Something was enqueued: deliver it now rather than when the timer fires (resolves after that pass). */
  kick(): Promise<void> {
    return this.#closed ? Promise.resolve() : this.#pass();
  }

  async close(): Promise<void> {
    this.#closed = true;
    this.#timer?.cancel();
    await this.#running?.catch(() => undefined);
    this.#connections.close();
  }

  /** Drop what is kept of rule `ruleId` (it changed or is gone): its opened target and secrets. */
  forget(ruleId: string): void {
    this.#opened.forget(ruleId);
  }

  /**
   * One attempt of `delivery`, recorded: its rule as read for this attempt's batch (null: not
   * stored), else read now; its row added to `recorded` (written by the caller with its batch's),
   * else written now.
   */
  async attempt(
    delivery: DeliveryRow,
    read?: RuleRow | null,
    recorded?: AttemptRecord[],
  ): Promise<AttemptOutcome> {
    const started = this.#now();
    const rule =
      read === undefined ? await this.#o.store.get(delivery.rule_id) : (read ?? undefined);
    const record = this.#recorder(delivery, started, recorded);
    const refusal = this.#refusal(rule, delivery);
    if (!rule) this.#opened.forget(delivery.rule_id);
    if (refusal !== null || !rule) {
      await record(null, refusal ?? 'rule deleted', 'FAILED', null);
      return this.#outcome('failed');
    }
    const body = shapedBody(rule.target_kind, await this.#payload(rule, delivery));
    // A webhook's Standard Webhooks headers (its rule always has a secret; one without is sent
    // unsigned rather than not at all); Slack and Teams URLs are their own credential.
    const headers =
      rule.target_kind === 'WEBHOOK'
        ? webhookHeaders(delivery.id, started, body, signingKeys(rule, this.#opened, started))
        : {};
    const retry: Retry = (statusCode, error, retryAfter) =>
      this.#retry(delivery.attempts + 1, record, statusCode, error, retryAfter);
    return this.#sent(rule, headers, body, record, retry);
  }

  /** `body` posted to `rule`'s target through the SSRF guard, its answer (or failure) judged and recorded. */
  async #sent(
    rule: RuleRow,
    headers: Record<string, string>,
    body: string,
    record: Recorder,
    retry: Retry,
  ): Promise<AttemptOutcome> {
    try {
      const url = this.#opened.open(rule.id, 'target', rule.target_sealed);
      return await this.#answered(
        rule,
        await postToTarget(url, headers, body, this.#post),
        record,
        retry,
      );
    } catch (e) {
      if (!(e instanceof TargetError)) throw e;
      if (e.kind !== 'refused') return retry(null, e.kind, null);
      await record(null, `refused: ${e.message}`, 'FAILED', null);
      await this.#failing(rule);
      return this.#outcome('failed');
    }
  }

  /**
   * The stored body, with the job's last log lines when the rule carries them (read now, never
   * stored: a retry finds the finished attempt's tail kept by the job logs). Lines that cannot be
   * read (over the log budget, no stream) leave the delivery without them.
   */
  async #payload(rule: RuleRow, delivery: DeliveryRow): Promise<string> {
    const { logLines, accountOf } = this.#o;
    if (!logLines || !accountOf || !carriesLogLines(rule, delivery)) return delivery.payload;
    try {
      const job = (JSON.parse(delivery.payload) as WebhookBody).data.job;
      const lines = job && (await logLines(job, accountOf(delivery.job_id!)));
      return lines ? withLogLines(delivery.payload, lines) : delivery.payload;
    } catch {
      return delivery.payload;
    }
  }

  /** How every attempt posts (the SSRF guard's options). */
  get #post(): TargetPostOptions {
    return {
      allowHosts: this.#o.allowHosts,
      timeoutMs: this.#o.timeoutMs ?? ATTEMPT_TIMEOUT_MS,
      hosts: this.#hosts,
      now: this.#now,
      connections: this.#connections,
      ...(this.#o.resolve ? { resolve: this.#o.resolve } : {}),
      ...(this.#o.request ? { request: this.#o.request } : {}),
    };
  }

  /** Why `delivery` is not attempted at all (its rule deleted, disabled, or not holding the job's account), or null. */
  #refusal(rule: RuleRow | undefined, delivery: DeliveryRow): string | null {
    if (!rule) return 'rule deleted';
    if (rule.enabled !== 1 && delivery.type !== 'test') return 'rule disabled';
    // Muted: what it would send is dropped (recorded as failed), as Alertmanager silences.
    if (
      rule.muted_until !== null &&
      Date.parse(rule.muted_until) > this.#now() &&
      delivery.type !== 'test'
    )
      return 'rule muted';
    // Checked again at every delivery: the rule holds the job's account still.
    if (delivery.job_id !== null && this.#o.holds && !this.#o.holds(rule, delivery.job_id))
      return "the rule does not hold the job's account";
    return null;
  }

  /**
   * What records one attempt of `delivery` begun at `started`, with the delivery's new status:
   * into `recorded` when given, else in a transaction of its own.
   */
  #recorder(delivery: DeliveryRow, started: number, recorded?: AttemptRecord[]): Recorder {
    return async (statusCode, error, status, next) => {
      const row: AttemptRecord = {
        attempt: {
          delivery_id: delivery.id,
          at: new Date(started).toISOString(),
          status_code: statusCode,
          error,
          duration_ms: Math.max(0, Math.round(this.#now() - started)),
        },
        status,
        nextAttemptAt: next === null ? null : new Date(next).toISOString(),
      };
      if (recorded) recorded.push(row);
      else await this.#o.store.attemptedAll([row]);
      // A retry: the timer fires by its time.
      if (next !== null) this.#arm(next);
    };
  }

  #outcome(outcome: AttemptOutcome): AttemptOutcome {
    this.#o.onAttempt?.(outcome);
    return outcome;
  }

  /**
   * A target's answer judged: 2xx delivered, 410 disables, 5xx and 429 retried, the rest failed;
   * each but a 2xx a failure of the target (`#failing`).
   */
  async #answered(
    rule: RuleRow,
    answer: TargetAnswer,
    record: Recorder,
    retry: Retry,
  ): Promise<AttemptOutcome> {
    const s = answer.status;
    if (s >= 200 && s < 300) {
      await record(s, null, 'DELIVERED', null);
      if (rule.failing_since !== null) {
        await this.#o.store.failing(rule.id, null);
        rule.failing_since = null;
      }
      return this.#outcome('delivered');
    }
    if (s === 410) {
      await record(s, 'gone', 'FAILED', null);
      await this.#disable(rule.id, 'the target answered 410 Gone');
      return this.#outcome('disabled');
    }
    const error = s >= 300 && s < 400 ? 'redirect (not followed)' : 'refused by the target';
    if (await this.#failing(rule)) {
      // Failing for the whole span: this delivery fails with its rule, no retry.
      await record(s, s >= 500 || s === 429 ? null : error, 'FAILED', null);
      return this.#outcome('disabled');
    }
    if (s >= 500 || s === 429) return retry(s, null, answer.retryAfterMs);
    await record(s, error, 'FAILED', null);
    return this.#outcome('failed');
  }

  /**
   * Rule `rule`'s target failed: the first failure since a success is kept (`failing_since`); one
   * DISABLE_AFTER_FAILING_MS after it, with no success since, disables the rule. Whether it did.
   */
  async #failing(rule: RuleRow): Promise<boolean> {
    const now = this.#now();
    if (rule.failing_since === null) {
      rule.failing_since = new Date(now).toISOString();
      await this.#o.store.failing(rule.id, rule.failing_since);
      return false;
    }
    if (now - Date.parse(rule.failing_since) < DISABLE_AFTER_FAILING_MS) return false;
    const days = Math.floor((now - Date.parse(rule.failing_since)) / 86_400_000);
    await this.#disable(rule.id, failingReason(days));
    return true;
  }

  /** Attempt number `attempts` failed: due again on the schedule, or failed once it is spent. */
  async #retry(
    attempts: number,
    record: Recorder,
    statusCode: number | null,
    error: string | null,
    retryAfter: number | null,
  ): Promise<AttemptOutcome> {
    const wait = nextWaitMs(attempts, retryAfter, this.#o.random);
    if (wait === null || attempts >= MAX_ATTEMPTS) {
      // The rule stays: a spent schedule fails this delivery; the target's span decides the rule.
      await record(statusCode, error, 'FAILED', null);
      return this.#outcome('failed');
    }
    await record(statusCode, error, 'RETRYING', this.#now() + wait);
    return this.#outcome('retrying');
  }

  async #disable(ruleId: string, reason: string): Promise<void> {
    if (await this.#o.store.disable(ruleId, reason, new Date(this.#now()).toISOString()))
      this.#o.onDisabled?.(ruleId, reason);
  }
}
