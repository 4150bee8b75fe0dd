/**
 * What fires (docs/notifications.md, "What fires"): a job's transition that an enabled rule's
 * filter and triggers match, once a provider read has confirmed it.
 *
 * - A read's (or a listed row's) transition is the provider's word: the history writer hands each
 *   batch's transitions to `inBatch` (batchFiring.ts), inside the batch's transaction, and the
 *   deliveries it makes are inserted there — the outbox row commits with the transition that
 *   caused it, or neither does. A transition fires only from a state a read had shown before (not a process's or a
 *   store's first sight of a job, not a read that merely undoes an event's word).
 * - An event's transition is only what its sender wrote: it never fires by itself. For a job some
 *   rule matches, it makes a confirming read at once: the events of CONFIRM_WINDOW_MS (at most
 *   CONFIRM_MOST jobs) read together through each provider's loader, which makes one call per
 *   account and region (a DescribeJobs of up to 100 jobs); a read that shows the event's state
 *   enqueues the delivery, a read that shows otherwise is offered to the job-state store like any
 *   read (and fires by the rule above if it is news). A forged FAILED event for a running job
 *   therefore notifies never.
 * - So that a process killed before its confirming read loses nothing, the event's transition is
 *   written with one row a rule AWAITING that read (awaiting.ts), in the history batch's
 *   transaction: never sent as it is, made the delivery or dropped by the read, and confirmed by
 *   any process's outbox (one replica at a time) once AWAIT_GRACE_MS passed unconfirmed.
 *
 * A delivery's ID (its `webhook-id`) is derived from the rule, the job, the trigger and the time
 * the provider stamped on the transition (its completion, else its update), so the same
 * transition seen by two replicas, or again after a restart, is one delivery (the outbox's key).
 */
import type { Kysely } from 'kysely';
import type { AfterCommit } from '../history/batchHook.ts';
import type { HistoryTables } from '../history/database.ts';
import type { StagedJob } from '../history/records.ts';
import type { TransitionRow } from '../history/tables.ts';
import type { JobRecord } from '../model/job.ts';
import type { WebhookBody, NotificationTrigger, PayloadTransition } from './payload.ts';
import type { DeliveryRow, RuleRow, RuleStore } from './ruleStore.ts';
import type { BlockedQueue } from '../datasources/shared/provider.ts';
import { blockStamp, confirmsBlock, withBlockedQueue } from './queueBlocked.ts';
import { awaitedOf } from './awaiting.ts';
import { BatchFiring, type BatchFiringOptions } from './batchFiring.ts';
import { judgeStuck, stuckCandidates, type StuckBasis, type StuckJob } from './stuckScan.ts';
import { LEASE_MS } from './outbox.ts';
import { parsedOf, ruleMatches } from './ruleSet.ts';
import {
  deliveryIdOf,
  factsOfRecord,
  factsOfRow,
  stampOf,
  triggerOf,
  withFiring,
} from './firing.ts';

export { ruleMatches } from './ruleSet.ts';
export { deliveryIdOf, triggerOf, withFiring } from './firing.ts';

/** Why a job waits, as the queues read it (src/queues/view.ts `waiting`); null when it does not. */
export type WaitingOf = (record: JobRecord) => Promise<WaitingShown | null>;

/** What a delivery says of a wait: its place, and the reasons with their evidence. */
export interface WaitingShown {
  position: number | null;
  reasons: { code: string; message: string; evidence: string[] }[];
}

export interface NotifierOptions extends BatchFiringOptions {
  /**
   * The rules as last read and the history writer's batch hook, made before the writer (from the
   * same store); absent, the notifier makes its own of these options.
   */
  firing?: BatchFiring;
  /** The account alias of a job's global ID. */
  accountOf: (globalId: string) => string;
  /** The record without its secret fields (null: not kept, not delivered). */
  withoutSecrets: (record: JobRecord) => JobRecord | null;
  /** Read these jobs now (a provider read each; the records are offered to the job-state store). */
  readJobs: (ids: readonly string[]) => Promise<(JobRecord | Error)[]>;
  /** Deliveries were enqueued (after their transaction commits): deliver now. */
  enqueued?: () => void;
  /**
   * Deliveries an event's confirmation wrote, leased to this process for LEASE_MS (their
   * `next_attempt_at`, as a claim leaves them): attempt them now, without a claim. Unset: they are
   * written due now and `enqueued` is told.
   */
  deliver?: (rows: readonly DeliveryRow[]) => void;
  /** Told of a confirming read that failed (a provider error); the event is not delivered. */
  onError?: (error: unknown) => void;
  /** The outbox: started by `start()` (it claims nothing before), closed by `stop()`. */
  outbox?: { start(): Promise<void>; close(): Promise<void> };
  /** Told of a STUCK scan that failed (`start()`'s timer); it runs again at the next. */
  onScanError?: (error: unknown) => void;
  /**
   * Why a job waits (docs/queues.md: `Job.waiting`), carried in STUCK and QUEUE_BLOCKED
   * deliveries as `data.waiting`; absent, or failing, they say nothing of it.
   */
  waitingOf?: WaitingOf;
  /**
   * Arms the confirming window's timer: `run` in `ms` (default: an unref'd setTimeout); a test
   * holds it to decide when the window ends.
   */
  schedule?: Schedule;
}

/** Arms a timer: `run` in `ms`; `cancel` disarms it. */
export type Schedule = (run: () => void, ms: number) => { cancel(): void };

/** A real timer that keeps no process alive. */
const unrefTimeout: Schedule = (run, ms) => {
  const timer = setTimeout(run, ms);
  timer.unref();
  return { cancel: () => clearTimeout(timer) };
};

/** How often STUCK rules are looked for in the history once started, ms. */
const STUCK_SCAN_MS = 60_000;

// duplicates: data — named constants, each its own value and reason
/** Most stuck jobs one rule delivers a scan. */
const STUCK_PER_RULE = 100;
/** Most jobs a STUCK scan reads itself (past a bound, no read since): a scan's share of the rate budget. */
const STUCK_READS_A_SCAN = 20;

/**
 * How long the confirming reads of events gather, ms, from the first one pending: a burst of
 * finishes (a queue's or an array's jobs ending together) is one provider call per account and
 * region, not one a finish. Short beside the 5 s budget from the provider's change to the
 * receiver (docs/notifications.md): it adds at most this to a delivery's delay.
 */
export const CONFIRM_WINDOW_MS = 500;
/** This many events pending are read at once, whatever the window (DescribeJobs' most). */
const CONFIRM_MOST = 100;

export class Notifier {
  readonly #o: NotifierOptions;
  readonly #now: () => number;
  readonly #firing: BatchFiring;
  /** The events pending confirmation by job: the transition told, its trigger, the provider's stamp. */
  #pending = new Map<string, PendingEvent>();
  /** The confirming read due at the window's end (the pending jobs read together). */
  #due: { cancel(): void } | null = null;
  /** The STUCK scan's timer, between `start()` and `stop()`. */
  #stuck: NodeJS.Timeout | null = null;

  constructor(options: NotifierOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
    this.#firing = options.firing ?? new BatchFiring(options);
    const { enqueued } = options;
    if (enqueued) this.#firing.onEnqueued(enqueued);
  }

  /**
   * Its timers started: the outbox's (its first pass now) and the STUCK scan's, every
   * STUCK_SCAN_MS (unref'd: neither keeps the process alive).
   */
  start(): void {
    void this.#o.outbox?.start();
    if (this.#stuck) return;
    this.#stuck = setInterval(
      () => void this.scanStuck().catch((e: unknown) => this.#o.onScanError?.(e)),
      STUCK_SCAN_MS,
    );
    this.#stuck.unref();
  }

  /** Its timers stopped: no scan starts again; the outbox closed once its pass in flight ended. */
  async stop(): Promise<void> {
    if (this.#stuck) clearInterval(this.#stuck);
    this.#stuck = null;
    await this.#o.outbox?.close();
  }

  /** Read the rules again and index them (`db`: a history batch's transaction). */
  refresh(db?: Kysely<HistoryTables>): Promise<void> {
    return this.#firing.refresh(db);
  }

  /** Read the rules again if their version moved since they were read (batchFiring.ts). */
  refreshIfChanged(db?: Kysely<HistoryTables>): Promise<void> {
    return this.#firing.refreshIfChanged(db);
  }

  /** Rules enabled now, as last read. */
  get rules(): readonly RuleRow[] {
    return this.#firing.index.rules;
  }

  /** The history writer's batch hook (batchFiring.ts), as this notifier's rules fire it. */
  inBatch(
    tx: Kysely<HistoryTables>,
    transitions: readonly TransitionRow[],
    jobs: readonly StagedJob[],
  ): Promise<AfterCommit | undefined> {
    return this.#firing.inBatch(tx, transitions, jobs);
  }

  /**
   * The job-state store's messages, its only live feed: an event's transition that some rule would
   * take is read at once to confirm it (never delivered on the event's word); a blocked queue an
   * event told (`blocked`) is confirmed by a read of its job (`queueBlocked`), a failure told to
   * `onError`.
   */
  readonly subscriber = (message: {
    kind: string;
    record?: JobRecord;
    blocked?: BlockedQueue;
    observation?: { origin: string; at?: number };
    previous?: { header: { state: string } } | undefined;
  }): void => {
    if (message.kind === 'blocked' && message.record && message.blocked) {
      this.queueBlocked(message.record, message.blocked).catch((e: unknown) =>
        this.#o.onError?.(e),
      );
      return;
    }
    if (message.kind !== 'change' || message.observation?.origin !== 'event' || !message.record)
      return;
    this.#firing.stale();
    const record = message.record;
    const trigger = triggerOf(message.previous?.header.state ?? null, record.state);
    if (trigger === null || record.retained === true) return;
    const facts = factsOfRecord(record, this.#o.accountOf(record.id));
    if (!this.#firing.index.any(facts, trigger)) return;
    const at = new Date(message.observation.at ?? this.#now()).toISOString();
    // The stamp the history's awaiting rows take (the event's record, its transition's time).
    const stamp = stampOf(record as unknown as Record<string, unknown>, at);
    const from = message.previous?.header.state ?? null;
    this.#pending.set(record.id, { to: record.state, from, at, trigger, stamp });
    if (this.#pending.size >= CONFIRM_MOST) return void this.#confirm();
    if (this.#due) return;
    this.#due = (this.#o.schedule ?? unrefTimeout)(() => void this.#confirm(), CONFIRM_WINDOW_MS);
  };

  /**
   * The confirming reads of the events pending: the window's jobs read together. A read that
   * confirms an event makes its deliveries, each by the ID of the row awaiting it (written with
   * the event's transition, or not yet: then that row is never written); the rows of an event a
   * read does not confirm are dropped. A read that fails, or a row written after its drop, is left
   * to the outbox's confirmation after AWAIT_GRACE_MS.
   */
  async #confirm(): Promise<void> {
    const pending = this.#pending;
    this.#pending = new Map();
    this.#due?.cancel();
    this.#due = null;
    const ids = [...pending.keys()];
    const started = new Date(this.#now()).toISOString();
    let records: (JobRecord | Error)[];
    try {
      records = await this.#o.readJobs(ids);
    } catch (e) {
      this.#o.onError?.(e);
      return;
    }
    const rows: DeliveryRow[] = [];
    const unconfirmed: string[] = [];
    const at = new Date(this.#now()).toISOString();
    for (const [i, record] of records.entries()) {
      const asked = pending.get(ids[i]!)!;
      if (record instanceof Error) {
        if (notFound(record)) unconfirmed.push(ids[i]!);
        else this.#o.onError?.(record);
        continue;
      }
      // The provider says otherwise: no delivery on the event's word (the read, offered to the
      // store, is a transition of its own if it is news).
      const stripped =
        record.state === asked.to && record.retained !== true
          ? this.#o.withoutSecrets(record)
          : null;
      const facts = factsOfRecord(record, this.#o.accountOf(record.id));
      const rules = stripped === null ? [] : this.#firing.index.matching(facts, asked.trigger);
      if (rules.length === 0) {
        unconfirmed.push(record.id);
        continue;
      }
      // The transitions the payload lists: the history's, read once a job whatever the rules, and
      // the one that fired last (the history's next batch may not have written it yet).
      const shown = withFiring(await this.#firing.transitions(record.id), {
        at: asked.at,
        from: asked.from,
        to: asked.to,
        providerStatus: record.providerStatus ?? null,
        source: 'EVENT',
      });
      rows.push(
        ...this.#firing.deliveries(
          rules,
          record.id,
          asked.trigger,
          stripped as never,
          shown,
          at,
          asked.stamp,
        ),
      );
    }
    await this.#settle(rows, { jobIds: unconfirmed, until: started });
  }

  /**
   * Rows awaiting confirmation the outbox took (AWAIT_GRACE_MS passed: their process died, or its
   * read failed), one replica at a time: their jobs read together, each row made its delivery when
   * the read shows the state it awaits and its rule (as this replica last read the rules) still
   * takes the job, else dropped. A read that fails leaves its rows to the lease's end.
   */
  readonly confirmAwaiting = async (awaiting: readonly DeliveryRow[]): Promise<void> => {
    await this.refreshIfChanged();
    const byJob = new Map<string, DeliveryRow[]>();
    for (const row of awaiting) byJob.set(row.job_id!, [...(byJob.get(row.job_id!) ?? []), row]);
    const ids = [...byJob.keys()];
    const records = await this.#o.readJobs(ids);
    const rules = new Map(this.#firing.index.rules.map((r) => [r.id, r]));
    const rows: DeliveryRow[] = [];
    const dropped: string[] = [];
    const at = new Date(this.#now()).toISOString();
    for (const [i, record] of records.entries()) {
      if (record instanceof Error) {
        // The provider knows no such job: nothing confirms what the event said of it.
        if (notFound(record)) dropped.push(...byJob.get(ids[i]!)!.map((r) => r.id));
        else this.#o.onError?.(record);
        continue;
      }
      const facts = factsOfRecord(record, this.#o.accountOf(record.id));
      // Only the provider's own answer confirms (a retained copy never reaches here: defence).
      const stripped = record.retained === true ? null : this.#o.withoutSecrets(record);
      let shown: PayloadTransition[] | null = null;
      for (const row of byJob.get(ids[i]!)!) {
        const { to, trigger } = awaitedOf(row);
        const rule = rules.get(row.rule_id);
        if (record.state !== to || !rule || !stripped || !ruleMatches(rule, facts, trigger)) {
          dropped.push(row.id);
          continue;
        }
        shown ??= await this.#firing.transitions(record.id);
        const made = this.#delivery(rule, record.id, trigger, stripped as never, shown, at);
        // A part's finish goes to webhooks alone (its parent's chat message counts it).
        if (made) rows.push({ ...made, id: row.id });
        else dropped.push(row.id);
      }
    }
    await this.#settle(rows, { ids: dropped });
  };

  /**
   * Confirmed deliveries written (an awaiting row of the same ID made each), then what awaits no
   * more dropped; those this call wrote attempted now under their lease (`deliver`), else enqueued.
   */
  async #settle(
    rows: DeliveryRow[],
    drop: Parameters<RuleStore['dropAwaiting']>[0],
  ): Promise<void> {
    const { deliver } = this.#o;
    const now = this.#now();
    const lease = new Date(now + LEASE_MS).toISOString();
    // A chat rule's delivery due at its window's end waits for it in the outbox, with the rest.
    const grouped = new Set(
      rows.filter((r) => Date.parse(r.next_attempt_at ?? '') > now).map((r) => r.id),
    );
    if (deliver) for (const row of rows) if (!grouped.has(row.id)) row.next_attempt_at = lease;
    try {
      const written = await this.#firing.store.confirm(rows);
      await this.#firing.store.dropAwaiting(drop);
      if (deliver) deliver(rows.filter((r) => written.has(r.id) && !grouped.has(r.id)));
      if ((!deliver || grouped.size > 0) && rows.length > 0) this.#firing.enqueued();
    } catch (e) {
      this.#o.onError?.(e);
    }
  }

  /**
   * A queue-blocked event (AWS Batch): each enabled rule taking QUEUE_BLOCKED whose filter matches
   * the blocking job gets one delivery per queue, job and reason (queueBlocked.ts), once a read of
   * the job made now confirms the event. Rejects when that read or the outbox write fails (the
   * store's subscriber tells `onError`); resolves to the deliveries enqueued.
   */
  readonly queueBlocked = async (record: JobRecord, blocked: BlockedQueue): Promise<number> => {
    this.#firing.stale();
    const facts = factsOfRecord(record, this.#o.accountOf(record.id));
    const rules = this.#firing.index.matching(facts, 'QUEUE_BLOCKED');
    if (rules.length === 0) return 0;
    const [read] = await this.#o.readJobs([record.id]);
    if (read instanceof Error) throw read;
    if (!read || !confirmsBlock(read, record, blocked)) return 0;
    const stripped = this.#o.withoutSecrets(read);
    if (stripped === null) return 0;
    const at = new Date(this.#now()).toISOString();
    const shown = await this.#firing.transitions(read.id);
    const waiting = await this.#waiting(read);
    const rows = rules.map((rule) => {
      const row = this.#delivery(rule, read.id, 'QUEUE_BLOCKED', stripped as never, shown, at)!;
      row.id = deliveryIdOf(rule.id, read.id, 'QUEUE_BLOCKED', blockStamp(blocked));
      return withWaiting(withBlockedQueue(row, blocked), waiting);
    });
    await this.#firing.store.enqueue(rows);
    this.#firing.enqueued();
    return rows.length;
  };

  /**
   * STUCK (stuckScan.ts): each unfinished job a rule matches that has been in its state past the
   * rule's bound, shown so by a provider read since it passed it — a read the scan makes itself
   * (at most STUCK_READS_A_SCAN) for a job no read has shown since (a rule made while a job already
   * waited). One delivery per rule, job and time it entered the state, however many scans and
   * replicas see it; at most STUCK_PER_RULE jobs a rule a scan; the payload's `data.stuck` says
   * which basis.
   */
  async scanStuck(): Promise<number> {
    await this.refreshIfChanged();
    const now = this.#now();
    const rows: DeliveryRow[] = [];
    const unread: { rule: RuleRow; job: StuckJob; basis: StuckBasis }[] = [];
    const p90s = new Map<string, { p90Ms: number; samples: number } | null>();
    // The enabled rules taking STUCK only: the others are never looked at.
    for (const rule of this.#firing.index.taking('STUCK')) {
      if (rule.enabled !== 1 || !parsedOf(rule).triggers.includes('STUCK')) continue;
      for (const job of await stuckCandidates(this.#o.store, rule, now, STUCK_PER_RULE)) {
        if (!ruleMatches(rule, factsOfRow(job), 'STUCK')) continue;
        const judged = await judgeStuck(this.#o.store, rule, job, now, p90s);
        if (judged?.confirmed) rows.push(await this.#stuckRow(rule, job, judged.basis, now));
        else if (judged) unread.push({ rule, job, basis: judged.basis });
      }
    }
    // Past the bound, but no read has shown it since: the provider's word now (providerOnly).
    const toRead = unread.slice(0, STUCK_READS_A_SCAN);
    const ids = [...new Set(toRead.map((u) => u.job.id))];
    const reads = ids.length > 0 ? await this.#o.readJobs(ids) : [];
    const byId = new Map(ids.map((id, i) => [id, reads[i]]));
    for (const { rule, job, basis } of toRead) {
      const read = byId.get(job.id);
      if (!read || read instanceof Error || read.retained === true || read.state !== job.state)
        continue;
      rows.push(await this.#stuckRow(rule, job, basis, now));
    }
    if (rows.length > 0) {
      await this.#firing.store.enqueue(rows);
      this.#firing.enqueued();
    }
    return rows.length;
  }

  /** `job`'s STUCK delivery for `rule`, one per job and state entered (its time), not per scan. */
  async #stuckRow(rule: RuleRow, job: StuckJob, basis: StuckBasis, now: number) {
    const record = JSON.parse(job.record) as Record<string, unknown>;
    const at = new Date(now).toISOString();
    const row = this.#delivery(
      rule,
      job.id,
      'STUCK',
      record,
      await this.#firing.transitions(job.id),
      at,
    )!;
    row.id = deliveryIdOf(rule.id, job.id, 'STUCK', job.since);
    const body = JSON.parse(row.payload) as WebhookBody & { data: Record<string, unknown> };
    body.data.stuck = { state: job.state, since: job.since, ...basis };
    row.payload = JSON.stringify(body);
    return withWaiting(row, await this.#waiting(record as unknown as JobRecord));
  }

  /** Why `record`'s job waits, for its delivery; null when not said (no queues, or a read failed). */
  async #waiting(record: JobRecord): Promise<WaitingShown | null> {
    if (!this.#o.waitingOf) return null;
    try {
      const waiting = await this.#o.waitingOf(record);
      return waiting && waiting.reasons.length > 0 ? waiting : null;
    } catch {
      return null;
    }
  }

  #delivery(
    rule: RuleRow,
    jobId: string,
    trigger: NotificationTrigger,
    record: Record<string, unknown>,
    transitions: PayloadTransition[],
    at: string,
  ): DeliveryRow | undefined {
    return this.#firing.deliveries(
      [rule],
      jobId,
      trigger,
      record,
      transitions,
      at,
      stampOf(record, at),
    )[0];
  }
}

/** A read's answer that the provider knows no such job. */
const notFound = (e: Error) => (e as { code?: string }).code === 'NOT_FOUND';

/** An event waiting for its confirming read: what it told, when, and the provider's stamp. */
interface PendingEvent {
  to: string;
  from: string | null;
  at: string;
  trigger: NotificationTrigger;
  stamp: string;
}

/** `row` whose payload says why its job waits (`data.waiting`), when that is known. */
function withWaiting(row: DeliveryRow, waiting: WaitingShown | null): DeliveryRow {
  if (!waiting) return row;
  const body = JSON.parse(row.payload) as WebhookBody;
  body.data.waiting = { position: waiting.position, reasons: waiting.reasons };
  return { ...row, payload: JSON.stringify(body) };
}
