/**
 * Notification rules, their outbox and the audit of their changes in the history store (migration
 * 6): one query layer over SQLite and PostgreSQL. Values that are credentials arrive sealed
 * (secretBox.ts); this file never sees one in clear. A rule change and its audit row are written in
 * one transaction, durable before the mutation answers.
 */
import {
  sql,
  type ExpressionBuilder,
  type Kysely,
  type SelectQueryBuilder,
  type Transaction,
} from 'kysely';
import type { HistoryDatabase, HistoryTables } from '../history/database.ts';
import type { Dialect } from '../history/dialect.ts';
import { queueStays } from '../history/queueWaits.ts';
import { jobTransitions, type HistoryTransition } from '../history/reader.ts';
import { EVERY_PAIR, jobOfPairs } from './rulePairs.ts';
import type {
  JobsTable,
  NotificationAttemptsTable,
  NotificationDeliveriesTable,
  NotificationRulesTable,
} from '../history/tables.ts';

/**
 * The status of an event's delivery awaiting its confirming read (notifier.ts): written with the
 * event's transition, never sent as it is, made PENDING or dropped by that read.
 */
export const AWAITING = 'AWAITING';

export type RuleRow = NotificationRulesTable;
export type DeliveryRow = NotificationDeliveriesTable;
export type AttemptRow = NotificationAttemptsTable;
/** A select of whole delivery rows, as a claim narrows it. */
type ClaimQuery = SelectQueryBuilder<HistoryTables, 'notification_deliveries', DeliveryRow>;

/** A change of a rule, as the audit names it. */
export type RuleChange =
  'CREATE' | 'UPDATE' | 'DELETE' | 'DISABLE' | 'TEST' | 'REDELIVER' | 'ROTATE';

export interface RuleAudit {
  ruleId: string;
  at: string;
  change: RuleChange;
  subject: string | null;
  reason: string | null;
}

/** A page of a rule's deliveries, newest first, each with its attempts (oldest first). */
export interface DeliveryPage {
  deliveries: { row: DeliveryRow; attempts: AttemptRow[] }[];
  hasNextPage: boolean;
}

/** Most attempts a delivery shows (the schedule has ten; a redelivered one may have more). */
const ATTEMPTS_SHOWN = 50;

/** One attempt's row and its delivery's new status, as `attemptedAll` writes them. */
export interface AttemptRecord {
  attempt: AttemptRow;
  status: string;
  nextAttemptAt: string | null;
}

export class RuleStore {
  readonly #db: Kysely<HistoryTables>;
  readonly dialect: Dialect;

  constructor(database: HistoryDatabase) {
    this.#db = database.db;
    this.dialect = database.dialect;
  }

  async insert(row: RuleRow, audit: RuleAudit): Promise<void> {
    await this.#db.transaction().execute(async (tx) => {
      await tx.insertInto('notification_rules').values(row).execute();
      await insertAudit(tx, audit);
    });
  }

  /**
   * Update the rule's columns in `set` if its `accounts` column is still `accounts` (a replica
   * converting the same row does nothing twice); false when it is not (or there is no such rule).
   */
  async updateIfAccounts(
    id: string,
    accounts: string,
    set: Partial<RuleRow>,
    audit: RuleAudit,
  ): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('notification_rules')
        .set(set)
        .where('id', '=', id)
        .where('accounts', '=', accounts)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await insertAudit(tx, audit);
      return true;
    });
  }

  /** Update the rule's columns in `set`; false when there is no such rule. */
  async update(id: string, set: Partial<RuleRow>, audit: RuleAudit): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('notification_rules')
        .set(set)
        .where('id', '=', id)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await insertAudit(tx, audit);
      return true;
    });
  }

  /**
   * Disable the rule with `reason` unless it is disabled already; true when this call disabled it
   * (its audit row written with it, once however many replicas saw the same answer).
   */
  async disable(id: string, reason: string, at: string): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const r = await tx
        .updateTable('notification_rules')
        .set({ enabled: 0, disabled_reason: reason, updated_at: at })
        .where('id', '=', id)
        .where('enabled', '=', 1)
        .executeTakeFirst();
      if (Number(r.numUpdatedRows) === 0) return false;
      await insertAudit(tx, { ruleId: id, at, change: 'DISABLE', subject: null, reason });
      return true;
    });
  }

  /** Delete the rule and its deliveries; false when there is no such rule. */
  async delete(id: string, audit: RuleAudit): Promise<boolean> {
    return this.#db.transaction().execute(async (tx) => {
      const r = await tx.deleteFrom('notification_rules').where('id', '=', id).executeTakeFirst();
      if (Number(r.numDeletedRows) === 0) return false;
      await tx
        .deleteFrom('notification_attempts')
        .where(
          'delivery_id',
          'in',
          tx.selectFrom('notification_deliveries').select('id').where('rule_id', '=', id),
        )
        .execute();
      await tx.deleteFrom('notification_deliveries').where('rule_id', '=', id).execute();
      await insertAudit(tx, audit);
      return true;
    });
  }

  get(id: string): Promise<RuleRow | undefined> {
    return this.#db
      .selectFrom('notification_rules')
      .selectAll()
      .where('id', '=', id)
      .executeTakeFirst();
  }

  /** The rules of `ids` that are stored, by ID (one query: the rules of a claimed batch of deliveries). */
  async rulesOf(ids: readonly string[]): Promise<Map<string, RuleRow>> {
    if (ids.length === 0) return new Map();
    const rows = await this.#db
      .selectFrom('notification_rules')
      .selectAll()
      .where('id', 'in', [...new Set(ids)])
      .execute();
    return new Map(rows.map((r) => [r.id, r]));
  }

  /** Every rule, oldest first. */
  all(db: Kysely<HistoryTables> = this.#db): Promise<RuleRow[]> {
    return db
      .selectFrom('notification_rules')
      .selectAll()
      .orderBy('created_at')
      .orderBy('id')
      .execute();
  }

  /**
   * The rules' version: their count and newest `updated_at` (every rule write sets it, a delete
   * changes the count), one row read. The same version: no rule changed since (within a
   * millisecond and the replicas' clocks: the notifier reads them all again now and then anyway).
   */
  async version(db: Kysely<HistoryTables> = this.#db): Promise<string> {
    const row = await db
      .selectFrom('notification_rules')
      .select((eb) => [eb.fn.countAll().as('n'), eb.fn.max('updated_at').as('newest')])
      .executeTakeFirst();
    return `${Number(row?.n ?? 0)} ${String(row?.newest ?? '')}`;
  }

  /** The audit rows of rule `id`, oldest first. */
  changes(id: string): Promise<RuleAudit[]> {
    return this.#db
      .selectFrom('notification_rule_changes')
      .selectAll()
      .where('rule_id', '=', id)
      .orderBy('at')
      .execute()
      .then((rows) =>
        rows.map((r) => ({
          ruleId: r.rule_id,
          at: r.at,
          change: r.change as RuleChange,
          subject: r.subject,
          reason: r.reason,
        })),
      );
  }

  /** Write an audit row alone (a test delivery, a redelivery). */
  async audit(audit: RuleAudit): Promise<void> {
    await insertAudit(this.#db, audit);
  }

  /**
   * Add deliveries to the outbox; one whose ID is there already is left as it is (the same rule,
   * job and transition seen again, by this replica or another): at most one delivery each.
   */
  async enqueue(rows: readonly DeliveryRow[], tx: Kysely<HistoryTables> = this.#db): Promise<void> {
    if (rows.length === 0) return;
    await tx
      .insertInto('notification_deliveries')
      .values([...rows])
      .onConflict((oc) => oc.column('id').doNothing())
      .execute();
  }

  /**
   * Deliveries an event's confirming read made: each row inserted, or the row of its ID awaiting
   * that confirmation (written with the event's transition) made this one; one in any other state
   * (delivered, or made by another replica's confirmation) is left as it is. The IDs written: the
   * deliveries this call holds (by the `next_attempt_at` they were written with).
   */
  async confirm(rows: readonly DeliveryRow[]): Promise<Set<string>> {
    if (rows.length === 0) return new Set();
    const written = await this.#db
      .insertInto('notification_deliveries')
      .values([...rows])
      .onConflict((oc) =>
        oc
          .column('id')
          .doUpdateSet((eb) => ({
            payload: eb.ref('excluded.payload'),
            status: eb.ref('excluded.status'),
            next_attempt_at: eb.ref('excluded.next_attempt_at'),
            created_at: eb.ref('excluded.created_at'),
          }))
          .where('notification_deliveries.status', '=', AWAITING),
      )
      .returning('id')
      .execute();
    return new Set(written.map((r) => r.id));
  }

  /**
   * Drop what awaits confirmation: the rows of `ids`, or every row of the jobs `jobIds` written at
   * or before `until` (ISO) — what a confirming read made then has answered.
   */
  async dropAwaiting(
    by: { ids: readonly string[] } | { jobIds: readonly string[]; until: string },
  ): Promise<void> {
    // Most settles drop nothing: no query is built for them.
    if (('ids' in by ? by.ids : by.jobIds).length === 0) return;
    const q = this.#db.deleteFrom('notification_deliveries').where('status', '=', AWAITING);
    if ('ids' in by) {
      await q.where('id', 'in', [...by.ids]).execute();
      return;
    }
    await q
      .where('job_id', 'in', [...by.jobIds])
      .where('created_at', '<=', by.until)
      .execute();
  }

  /** A delivery (one awaiting confirmation is none yet). */
  delivery(id: string): Promise<DeliveryRow | undefined> {
    return this.#db
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('id', '=', id)
      .where('status', '<>', AWAITING)
      .executeTakeFirst();
  }

  /** The rule's deliveries after position `after` (created_at, id), newest first. */
  async deliveries(
    ruleId: string,
    first: number,
    after: { createdAt: string; id: string } | null,
  ): Promise<DeliveryPage> {
    let q = this.#db
      .selectFrom('notification_deliveries')
      .selectAll()
      .where('rule_id', '=', ruleId)
      .where('status', '<>', AWAITING);
    if (after)
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', after.createdAt),
          eb.and([eb('created_at', '=', after.createdAt), eb('id', '<', after.id)]),
        ]),
      );
    const rows = await q
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(first + 1)
      .execute();
    const page = rows.slice(0, first);
    const attempts = await this.attemptsOf(page.map((r) => r.id));
    return {
      deliveries: page.map((row) => ({ row, attempts: attempts.get(row.id) ?? [] })),
      hasNextPage: rows.length > first,
    };
  }

  /** The attempts of each delivery of `ids`, oldest first (the last ATTEMPTS_SHOWN). */
  async attemptsOf(ids: readonly string[]): Promise<Map<string, AttemptRow[]>> {
    const out = new Map<string, AttemptRow[]>();
    if (ids.length === 0) return out;
    const rows = await this.#db
      .selectFrom('notification_attempts')
      .selectAll()
      .where('delivery_id', 'in', [...ids])
      .orderBy('at')
      .execute();
    for (const row of rows) {
      const list = out.get(row.delivery_id) ?? [];
      list.push(row);
      if (list.length > ATTEMPTS_SHOWN) list.shift();
      out.set(row.delivery_id, list);
    }
    return out;
  }

  /**
   * Record several attempts, each with its delivery's new status, in one transaction: the attempt
   * rows in one insert, the deliveries in one update per status and next time (a delivery named
   * twice is updated in a later statement than its first, so the last record of it stands).
   */
  async attemptedAll(records: readonly AttemptRecord[]): Promise<void> {
    if (records.length === 0) return;
    const groups: { status: string; next: string | null; ids: string[] }[] = [];
    const lastGroup = new Map<string, number>();
    for (const { attempt, status, nextAttemptAt: next } of records) {
      const after = lastGroup.get(attempt.delivery_id) ?? -1;
      let g = groups.findIndex((x, i) => i > after && x.status === status && x.next === next);
      if (g < 0) g = groups.push({ status, next, ids: [] }) - 1;
      groups[g]!.ids.push(attempt.delivery_id);
      lastGroup.set(attempt.delivery_id, g);
    }
    await this.#db.transaction().execute(async (tx) => {
      await tx
        .insertInto('notification_attempts')
        .values(records.map((r) => r.attempt))
        .execute();
      for (const { status, next, ids } of groups)
        await tx
          .updateTable('notification_deliveries')
          .set((eb) => ({ status, next_attempt_at: next, attempts: eb('attempts', '+', 1) }))
          .where('id', 'in', ids)
          .execute();
    });
  }

  /** Make a delivery due again now (redeliver). */
  async requeue(id: string, at: string): Promise<void> {
    await this.#db
      .updateTable('notification_deliveries')
      .set({ status: 'PENDING', next_attempt_at: at })
      .where('id', '=', id)
      .execute();
  }

  /**
   * Take up to `max` deliveries due at `now` (and rows awaiting a confirmation past its grace: the
   * caller confirms them), each for one replica at a time: on PostgreSQL the
   * rows are locked (`FOR UPDATE SKIP LOCKED`: another replica's claim skips them) and pushed past
   * `leaseUntil`, so a replica that dies mid-attempt leaves them due again then; SQLite has one
   * writer, whose transaction is the lock.
   */
  async claim(now: string, leaseUntil: string, max: number): Promise<DeliveryRow[]> {
    return this.#claimed(leaseUntil, (q) =>
      q
        .where('status', 'in', ['PENDING', 'RETRYING', AWAITING])
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at')
        .limit(max),
    );
  }

  /**
   * Take every delivery of rule `ruleId` due at `now` besides those already held (a chat rule's
   * window goes as one message, chatGroups.ts), leased as `claim` leases them.
   */
  async claimRule(ruleId: string, now: string, leaseUntil: string): Promise<DeliveryRow[]> {
    return this.#claimed(leaseUntil, (q) =>
      q
        .where('rule_id', '=', ruleId)
        .where('status', 'in', ['PENDING', 'RETRYING'])
        .where('next_attempt_at', '<=', now)
        .orderBy('next_attempt_at'),
    );
  }

  /** The deliveries `which` selects, locked for this replica (the Dialect's claim) and leased until `leaseUntil`. */
  async #claimed(leaseUntil: string, which: (q: ClaimQuery) => ClaimQuery): Promise<DeliveryRow[]> {
    return this.#db.transaction().execute(async (tx) => {
      const q = which(tx.selectFrom('notification_deliveries').selectAll());
      const rows = await this.dialect.claimRows(q).execute();
      if (rows.length > 0)
        await tx
          .updateTable('notification_deliveries')
          .set({ next_attempt_at: leaseUntil })
          .where(
            'id',
            'in',
            rows.map((r) => r.id),
          )
          .execute();
      return rows;
    });
  }

  /**
   * Whether rule `id`'s target failed (`failing` the time of the failure) or answered well (null):
   * the first failure since a success is kept as `failing_since`, a success clears it.
   */
  async failing(id: string, failing: string | null): Promise<void> {
    await this.#db
      .updateTable('notification_rules')
      .set({ failing_since: failing })
      .where('id', '=', id)
      .where('failing_since', failing === null ? 'is not' : 'is', null)
      .execute();
  }

  /**
   * Deliveries not yet delivered nor failed: their count, the oldest's creation (queue depth, age)
   * and the soonest `next_attempt_at` (when one is due next, a lease's end or an unconfirmed row's
   * grace included), one row read.
   */
  async backlog(): Promise<{ depth: number; oldest: string | null; nextDue: string | null }> {
    const sending = sql<string | null>`case when status <> ${AWAITING} then created_at end`;
    const row = await this.#db
      .selectFrom('notification_deliveries')
      .select((eb) => [
        eb.fn.count(sending).as('n'),
        eb.fn.min(sending).as('oldest'),
        eb.fn.min('next_attempt_at').as('next'),
      ])
      .where('status', 'in', ['PENDING', 'RETRYING', AWAITING])
      .executeTakeFirst();
    return {
      depth: Number(row?.n ?? 0),
      oldest: (row?.oldest as string | null) ?? null,
      nextDue: (row?.next as string | null) ?? null,
    };
  }

  /**
   * The state the latest read (not an event) before `at` showed of job `jobId`, in the batch's
   * transaction `tx`; undefined when no read has shown one.
   */
  async lastReadState(
    jobId: string,
    at: string,
    tx: Kysely<HistoryTables> = this.#db,
  ): Promise<string | undefined> {
    const row = await tx
      .selectFrom('transitions as t')
      .select('t.to_state')
      .where('t.job_seq', '=', (eb) =>
        eb.selectFrom('jobs').select('jobs.seq').where('jobs.id', '=', jobId),
      )
      .where('t.source', '<>', 'EVENT')
      .where('t.at', '<', at)
      .orderBy('t.at', 'desc')
      .limit(1)
      .executeTakeFirst();
    return row?.to_state;
  }

  /** A payload's transitions of `jobId`: its newest `limit`, every account's (in `tx` when given). */
  transitionsOf(
    jobId: string,
    limit: number,
    tx: Kysely<HistoryTables> = this.#db,
  ): Promise<HistoryTransition[]> {
    // The rule's accounts were checked before: every account's read.
    return jobTransitions(tx, jobId, '*', limit);
  }

  /**
   * Unfinished jobs, each with when it entered its state (`since`, the latest transition's time),
   * the most recently confirmed first, at most `limit`: those of `pairs` (all: EVERY_PAIR held) and
   * `providers` (all: none named), entered at or before `cutoff` when one is given.
   */
  async unfinishedJobs(
    which: { pairs: readonly string[]; providers?: readonly string[]; cutoff: string | null },
    limit: number,
  ) {
    const since = (eb: ExpressionBuilder<HistoryTables & { jobs: JobsTable }, 'jobs'>) =>
      eb
        .selectFrom('transitions as t')
        .select((t) => t.fn.max('t.at').as('m'))
        .whereRef('t.job_seq', '=', 'jobs.seq');
    let q = this.#db
      .selectFrom('jobs')
      .selectAll('jobs')
      .select((eb) => since(eb).as('since'))
      .where('jobs.terminal', '=', 0);
    const { pairs, providers, cutoff } = which;
    if (cutoff !== null) q = q.where((eb) => eb(since(eb), '<=', cutoff));
    if (!pairs.includes(EVERY_PAIR)) q = q.where((eb) => jobOfPairs(eb, pairs));
    if (providers?.length) q = q.where('jobs.provider', 'in', [...providers]);
    return q.orderBy('jobs.last_confirmed_at', 'desc').limit(limit).execute();
  }

  /**
   * How long jobs of `provider`'s `queue` stayed in `state` since `sinceMs`, in ms, shortest first
   * (history/queueWaits.ts): the stays a queue's p90 is made of (queueP90.ts).
   */
  queueStays(provider: string, queue: string, state: string, sinceMs: number) {
    return queueStays(this.#db, provider, queue, new Set([state]), sinceMs);
  }
}

async function insertAudit(
  db: Kysely<HistoryTables> | Transaction<HistoryTables>,
  audit: RuleAudit,
): Promise<void> {
  await db
    .insertInto('notification_rule_changes')
    .values({
      rule_id: audit.ruleId,
      at: audit.at,
      change: audit.change,
      subject: audit.subject,
      reason: audit.reason,
    })
    .execute();
}
