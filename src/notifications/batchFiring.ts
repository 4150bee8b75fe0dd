/**
 * The notifier's part inside the history's batches (docs/notifications.md, "What fires"): the
 * enabled rules as last read, indexed (ruleSet.ts), and the writer's batch hook (`inBatch`, a
 * `BatchHook` of history/batchHook.ts) that makes each batch's read transitions' deliveries, and
 * the rows awaiting an event's confirming read, inside the batch's transaction. It needs only the
 * rules' store (the history database): it is made before the history's writer, which takes its
 * `inBatch` as a constructor argument; the notifier (notifier.ts), made once the sources and the
 * job-state store exist, is given it.
 */
import type { Kysely } from 'kysely';
import type { AfterCommit } from '../history/batchHook.ts';
import type { HistoryTables } from '../history/database.ts';
import { storedRecordOf, type StagedJob } from '../history/records.ts';
import type { TransitionRow } from '../history/tables.ts';
import { awaitingRows } from './awaiting.ts';
import { deliveriesOf, deliveryIdOf, factsOfRow, stampOf, triggerOf } from './firing.ts';
import type { NotificationTrigger, PayloadTransition } from './payload.ts';
import type { DeliveryRow, RuleRow, RuleStore } from './ruleStore.ts';
import { keepParsed, parsedOf, RuleSet } from './ruleSet.ts';

/** Most transitions a payload lists (the newest). */
const TRANSITIONS_SHOWN = 10;

/** How often the rules' version is read (another replica's changes), ms: they are read again when it moved. */
const RULES_EVERY_MS = 1_000;
/** How often the rules are read again whatever their version says, ms. */
const RULES_ALL_EVERY_MS = 300_000;

export interface BatchFiringOptions {
  /** The rules, their outbox, and what the notifier reads of the history: all its SQL. */
  store: RuleStore;
  /** The console's page of a job, when known. */
  consoleUrl?: (globalId: string) => string | null;
  now?: () => number;
  /** Told of the rules a transition matched beyond MOST_RULES_A_TRANSITION (ruleSet.ts): skipped. */
  onSkipped?: (count: number) => void;
}

export class BatchFiring {
  readonly store: RuleStore;
  readonly #o: BatchFiringOptions;
  readonly #now: () => number;
  #rules = new RuleSet();
  /** When the version was last read, and the rules read in whole; the version they were read at. */
  #loaded = 0;
  #readAll = 0;
  #version: string | null = null;
  /** Told once a batch that enqueued deliveries has committed (the outbox's kick). */
  readonly #enqueued: (() => void)[] = [];

  constructor(options: BatchFiringOptions) {
    this.#o = options;
    this.store = options.store;
    this.#now = options.now ?? Date.now;
  }

  /** Tell `listener` each time a committed batch enqueued deliveries (the outbox delivers them). */
  onEnqueued(listener: () => void): void {
    this.#enqueued.push(listener);
  }

  /** The enabled rules as last read, indexed. */
  get index(): RuleSet {
    return this.#rules;
  }

  /**
   * Read the rules again and index them (after a change here; the first read); `db`: a history
   * batch's transaction, whose connection it is (SQLite has one).
   */
  async refresh(db?: Kysely<HistoryTables>): Promise<void> {
    // The version before the rows: a change between the two is read again at the next check.
    const version = await this.store.version(db);
    const rules = await this.store.all(db);
    this.#rules = new RuleSet(rules, parsedOf, this.#o.onSkipped);
    this.#loaded = this.#readAll = this.#now();
    this.#version = version;
    keepParsed(rules);
  }

  /**
   * Read the rules again if their version moved since they were read (another replica changed
   * one), or RULES_ALL_EVERY_MS passed: else the index stands, one row read.
   */
  async refreshIfChanged(db?: Kysely<HistoryTables>): Promise<void> {
    const now = this.#now();
    if (this.#version === null || now - this.#readAll >= RULES_ALL_EVERY_MS)
      return this.refresh(db);
    const version = await this.store.version(db);
    if (version !== this.#version) return this.refresh(db);
    this.#loaded = now;
  }

  /** The rules' version checked if RULES_EVERY_MS passed since the last check (not awaited). */
  stale(): void {
    if (this.#now() - this.#loaded < RULES_EVERY_MS) return;
    // Not again until this check ends (each event would start one).
    this.#loaded = this.#now();
    void this.refreshIfChanged().catch(() => undefined);
  }

  /**
   * The history writer's batch hook: inside a batch's transaction, after its jobs and transitions
   * are written, the deliveries its read transitions fire, inserted in the same transaction.
   */
  readonly inBatch = async (
    tx: Kysely<HistoryTables>,
    transitions: readonly TransitionRow[],
    jobs: readonly StagedJob[],
  ): Promise<AfterCommit | undefined> => {
    // A batch with a transition a rule could take reads the rules' version in its own
    // transaction (a row read): a rule another replica made a moment ago takes it.
    const firing = transitions.some(
      (t) =>
        (t.source === 'EVENT' || t.from_state !== null) &&
        t.from_state !== t.to_state &&
        triggerOf(t.from_state, t.to_state) !== null,
    );
    if (!firing) return;
    await this.refreshIfChanged(tx);
    if (this.#rules.rules.length === 0) return;
    const byId = new Map(jobs.map((j) => [j.id, j]));
    const rows: DeliveryRow[] = [];
    const awaiting: DeliveryRow[] = [];
    for (const t of transitions) {
      const event = t.source === 'EVENT';
      if ((!event && t.from_state === null) || t.from_state === t.to_state) continue;
      const trigger = triggerOf(t.from_state, t.to_state);
      const job = byId.get(t.job_id);
      if (trigger === null || !job) continue;
      const facts = { ...factsOfRow(job), state: t.to_state };
      const matching = this.#rules.matching(facts, trigger);
      if (matching.length === 0) continue;
      if (event) {
        // Its confirming read is made (notifier.ts): what it will confirm awaits it, durably.
        const record = storedRecordOf(job);
        if (record.retained === true) continue;
        const stamp = stampOf(record, t.at);
        const idOf = (ruleId: string) => deliveryIdOf(ruleId, t.job_id, trigger, stamp);
        awaiting.push(...awaitingRows(matching, t, trigger, idOf, this.#now()));
        continue;
      }
      // Only news against what a read last showed: a read undoing an event's word is no transition.
      const confirmed = await this.store.lastReadState(t.job_id, t.at, tx);
      if (confirmed === undefined || confirmed === t.to_state) continue;
      const record = storedRecordOf(job);
      const shown = await this.transitions(t.job_id, tx);
      const stamp = stampOf(record, t.at);
      rows.push(...this.deliveries(matching, t.job_id, trigger, record, shown, t.at, stamp));
    }
    if (rows.length + awaiting.length === 0) return;
    await this.store.enqueue([...rows, ...awaiting], tx);
    if (rows.length === 0) return;
    // Delivered once the batch has committed (the writer calls this then): an outbox told sooner
    // would claim nothing another connection could see yet and sleep its longest wait.
    return () => this.enqueued();
  };

  /** Tell the listeners that deliveries were enqueued (after their transaction committed). */
  enqueued(): void {
    for (const listener of this.#enqueued) listener();
  }

  /** The transitions a payload of `jobId` lists, the newest TRANSITIONS_SHOWN (in `tx` when given). */
  async transitions(jobId: string, tx?: Kysely<HistoryTables>): Promise<PayloadTransition[]> {
    return (await this.store.transitionsOf(jobId, TRANSITIONS_SHOWN, tx)).map(
      ({ at, from, to, providerStatus, source }) => ({ at, from, to, providerStatus, source }),
    );
  }

  /** The deliveries of one transition of `jobId` to each of `rules`, with the console's link. */
  deliveries(
    rules: readonly RuleRow[],
    jobId: string,
    trigger: NotificationTrigger,
    record: Record<string, unknown>,
    transitions: PayloadTransition[],
    at: string,
    stamp: string,
  ): DeliveryRow[] {
    const consoleUrl = this.#o.consoleUrl?.(jobId) ?? null;
    return deliveriesOf(rules, { jobId, trigger, record, transitions, at, stamp, consoleUrl });
  }
}
