/**
 * Notification rules as the graph uses them (docs/notifications.md): create, update, delete, test,
 * list, a rule's deliveries, redeliver. Every operation needs scope `notifications:write` (checked
 * here beside the SDL's `@requiresScopes`, so the subgraph refuses whatever a router does); a
 * rule covers (provider, account) pairs within its creator's account grant (rulePairs.ts; a
 * creator of every account: `*`), and a caller sees and changes only rules whose every pair its
 * own grant holds. Every change and every disable is audited: a log line, a metric and a row
 * (written with the change, before the answer). Target URLs and secrets are sealed at rest,
 * masked when shown; the `whsec_` secret is in the creation's answer only.
 */
import { randomBytes } from 'node:crypto';
import { BadUserInputError, JobgraphError } from '../errors.ts';
import { SCOPE_LOGS, SCOPE_NOTIFY, type Identity } from '../auth/identity.ts';
import type { JobProvider } from '../model/job.ts';
import { maskedUrl, newSigningSecret, type SecretBox } from './secretBox.ts';
import type { DeliveryRow, RuleChange, RuleRow, RuleStore } from './ruleStore.ts';
import { targetUrlRefusal } from './ssrfGuard.ts';
import type { NotificationTrigger, WebhookBody } from './payload.ts';
import { filterOf, quietOf, triggersOf, type RuleFilter, type RuleInput } from './ruleInput.ts';
import { connection, decodeCursor, encodeCursor, pageSize } from './ruleConnection.ts';
import { LEASE_MS, type Outbox } from './outbox.ts';
import { grantHoldsAll, pairsFor, PairRefusal } from './rulePairs.ts';
import { fullPairs, MAX_RULES, ruleBoundRefusal } from './ruleBound.ts';
import {
  deliveryView,
  viewOf,
  type DeliveryView,
  type RuleView,
  type TargetKind,
} from './ruleViews.ts';

export type { RuleFilter, RuleInput } from './ruleInput.ts';
export type { DeliveryView, RuleView } from './ruleViews.ts';

const TARGET_KINDS: readonly TargetKind[] = ['WEBHOOK', 'SLACK', 'TEAMS'];

/** Who is asking, as the service needs it. */
export interface NotifyCaller {
  identity: Identity;
  requestId: string;
}

export interface NotificationsLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface NotificationsOptions {
  store: RuleStore;
  box: SecretBox;
  allowHosts: readonly string[];
  /** The configured accounts (provider, alias): what `*` and a grant are checked against. */
  accounts: () => readonly { provider: JobProvider; alias: string }[];
  /** Most rules one (provider, account) pair may have (default MAX_RULES, ruleBound.ts); tests narrow it. */
  maxRules?: number;
  logger: NotificationsLogger;
  /** `jobgraph_notification_rule_changes_total{change}`. */
  countChange?: (change: RuleChange) => void;
  outbox?: Outbox;
  /** How long a rotated-out secret still signs, s (default ROTATION_OVERLAP_SECONDS); tests shorten it. */
  rotationOverlapSeconds?: number;
  now?: () => number;
}

// duplicates: data — named constants, each its own value and reason
const MAX_NAME = 200;
/** Longest target URL, characters. */
const MAX_TARGET_URL = 2048;
/**
 * How long a rotated-out signing secret still signs beside the new one, s: 24 h gives a receiver
 * a working day to deploy the new secret, and a leaked one stops signing a day after its rotation.
 * Fixed (was JOBGRAPH_NOTIFY_ROTATION_OVERLAP_SECONDS).
 */
const ROTATION_OVERLAP_SECONDS = 86_400;

export class Notifications {
  readonly #o: NotificationsOptions;
  readonly #now: () => number;

  constructor(options: NotificationsOptions) {
    this.#o = options;
    this.#now = options.now ?? Date.now;
  }

  get store(): RuleStore {
    return this.#o.store;
  }

  /** Told after each rule change here (the notifier reads the rules again). */
  changed: () => void = () => undefined;

  async create(
    caller: NotifyCaller,
    input: RuleInput,
  ): Promise<{ rule: RuleView; secret: string | null }> {
    this.#guard(caller, 'createNotificationRule');
    const id = `nr_${randomBytes(12).toString('base64url')}`;
    const at = this.#iso();
    const checked = this.#checked(caller, input);
    await this.#roomFor(checked.accounts);
    const secret = checked.kind === 'WEBHOOK' ? newSigningSecret() : null;
    const { box } = this.#o;
    const row: RuleRow = {
      id,
      ...ruleColumns(checked),
      owner: caller.identity.subject,
      target_sealed: box.seal(id, 'target', checked.url),
      target_shown: maskedUrl(checked.url),
      secret_sealed: secret === null ? null : box.seal(id, 'secret', secret),
      previous_secret_sealed: null,
      previous_secret_until: null,
      creator_reads_logs: caller.identity.scopes.has(SCOPE_LOGS) ? 1 : 0,
      failing_since: null,
      enabled: checked.enabled ? 1 : 0,
      disabled_reason: checked.enabled ? null : 'disabled when created',
      created_at: at,
      updated_at: at,
    };
    await this.#o.store.insert(row, this.#audit(caller, id, 'CREATE', at));
    this.#told(caller, id, 'CREATE', null);
    return { rule: viewOf(row), secret };
  }

  async update(caller: NotifyCaller, id: string, input: RuleInput): Promise<RuleView> {
    this.#guard(caller, 'updateNotificationRule');
    const old = await this.#visible(caller, id);
    const { box } = this.#o;
    // The masked URL the graph shows, given back: the stored target stays (never shown in clear).
    const masked = input.target.url === old.target_shown && input.target.kind === old.target_kind;
    const url = masked ? box.open(id, 'target', old.target_sealed) : input.target.url;
    const checked = this.#checked(caller, { ...input, target: { ...input.target, url } });
    await this.#roomFor(checked.accounts, id);
    const at = this.#iso();
    const targetSame =
      box.open(id, 'target', old.target_sealed) === checked.url && old.target_kind === checked.kind;
    // A webhook keeps its secret across updates; a rule that becomes a webhook gets one — shown
    // nowhere, so it is made only for a kind change, which asks for a new rule in the docs.
    const secretSealed =
      checked.kind !== 'WEBHOOK'
        ? null
        : (old.secret_sealed ?? box.seal(id, 'secret', newSigningSecret()));
    const set: Partial<RuleRow> = {
      ...ruleColumns(checked),
      ...(targetSame
        ? {}
        : {
            target_sealed: box.seal(id, 'target', checked.url),
            target_shown: maskedUrl(checked.url),
          }),
      secret_sealed: secretSealed,
      ...(secretSealed === null
        ? { previous_secret_sealed: null, previous_secret_until: null }
        : {}),
      // The rule holds the updater's grant now: its log lines go by the updater's scope.
      creator_reads_logs: caller.identity.scopes.has(SCOPE_LOGS) ? 1 : 0,
      // A new target, or a rule enabled again, starts with no failures counted against it.
      failing_since: targetSame && old.enabled === 1 ? old.failing_since : null,
      enabled: checked.enabled ? 1 : 0,
      disabled_reason: checked.enabled ? null : (old.disabled_reason ?? 'disabled by an update'),
      updated_at: at,
    };
    const change: RuleChange = checked.enabled || old.enabled === 0 ? 'UPDATE' : 'DISABLE';
    if (
      !(await this.#o.store.update(
        id,
        set,
        this.#audit(caller, id, change, at, change === 'DISABLE' ? 'disabled by an update' : null),
      ))
    )
      throw notFound(id);
    this.#told(caller, id, change, null);
    return viewOf({ ...old, ...set });
  }

  async delete(caller: NotifyCaller, id: string): Promise<boolean> {
    this.#guard(caller, 'deleteNotificationRule');
    await this.#visible(caller, id);
    const at = this.#iso();
    const deleted = await this.#o.store.delete(id, this.#audit(caller, id, 'DELETE', at));
    if (deleted) this.#told(caller, id, 'DELETE', null);
    return deleted;
  }

  /**
   * One page of the rules whose every pair this caller's grant holds, oldest first (a Relay
   * connection; `first` 1–100), and how many there are.
   */
  async list(caller: NotifyCaller, first: number, after: string | null) {
    this.#guard(caller, 'notificationRules');
    pageSize(first);
    const from = after === null ? null : decodeCursor(after, 'notificationRules');
    const visible = (await this.#o.store.all()).filter((r) => this.#covers(caller, r));
    const start = from === null ? 0 : startAfter(visible, from);
    const page = start < 0 ? [] : visible.slice(start, start + first);
    const edges = page.map((row) => ({ cursor: encodeCursor(row), node: viewOf(row) }));
    return {
      ...connection(edges, start >= 0 && start + first < visible.length, after !== null),
      totalCount: visible.length,
    };
  }

  async get(caller: NotifyCaller, id: string): Promise<RuleView | null> {
    this.#guard(caller, 'notificationRule');
    const row = await this.#o.store.get(id);
    return row && this.#covers(caller, row) ? viewOf(row) : null;
  }

  /** One page of rule `ruleId`'s deliveries, newest first (the rule was shown to this caller). */
  async deliveries(ruleId: string, first: number, after: string | null) {
    pageSize(first);
    const position = after === null ? null : decodeCursor(after, 'NotificationRule.deliveries');
    const page = await this.#o.store.deliveries(ruleId, first, position);
    const edges = page.deliveries.map(({ row, attempts }) => ({
      cursor: encodeCursor(row),
      node: deliveryView(row, attempts),
    }));
    return connection(edges, page.hasNextPage, after !== null);
  }

  /**
   * A new `whsec_` signing secret for WEBHOOK rule `id`, in this answer only. For the rotation's
   * overlap (`rotationOverlapSeconds`) the secret it replaces signs too (two `v1,` signatures), so a
   * receiver may switch at any time within it; after it, the new one alone. Audited as ROTATE.
   */
  async rotate(caller: NotifyCaller, id: string): Promise<{ rule: RuleView; secret: string }> {
    this.#guard(caller, 'rotateNotificationSecret');
    const old = await this.#visible(caller, id);
    if (old.target_kind !== 'WEBHOOK' || old.secret_sealed === null)
      throw new BadUserInputError('Only a WEBHOOK rule has a signing secret to rotate.', {
        argument: 'id',
      });
    const { box } = this.#o;
    const overlapMs = (this.#o.rotationOverlapSeconds ?? ROTATION_OVERLAP_SECONDS) * 1000;
    const secret = newSigningSecret();
    const at = this.#iso();
    const set: Partial<RuleRow> = {
      secret_sealed: box.seal(id, 'secret', secret),
      previous_secret_sealed:
        overlapMs > 0
          ? box.seal(id, 'previous_secret', box.open(id, 'secret', old.secret_sealed))
          : null,
      previous_secret_until: overlapMs > 0 ? new Date(this.#now() + overlapMs).toISOString() : null,
      updated_at: at,
    };
    if (!(await this.#o.store.update(id, set, this.#audit(caller, id, 'ROTATE', at))))
      throw notFound(id);
    this.#told(caller, id, 'ROTATE', null);
    return { rule: viewOf({ ...old, ...set }), secret };
  }

  /** A test delivery of rule `id`, made and attempted now (whatever its triggers; even disabled). */
  async test(caller: NotifyCaller, id: string): Promise<DeliveryView> {
    this.#guard(caller, 'testNotificationRule');
    const rule = await this.#visible(caller, id);
    const at = this.#iso();
    const body: WebhookBody = {
      type: 'test',
      timestamp: at,
      data: {
        rule: { id: rule.id, name: rule.name },
        job: null,
        transitions: [],
        consoleUrl: null,
        test: true,
      },
    };
    const row: DeliveryRow = {
      id: `msg_test_${randomBytes(12).toString('base64url')}`,
      rule_id: rule.id,
      job_id: null,
      type: 'test',
      payload: JSON.stringify(body),
      status: 'PENDING',
      attempts: 0,
      // Leased to this call, which attempts it now: the outbox's ticker leaves it alone (due
      // again at the lease's end only if this process dies before recording the attempt).
      next_attempt_at: this.#leased(),
      created_at: at,
    };
    await this.#o.store.enqueue([row]);
    await this.#o.store.audit(this.#audit(caller, id, 'TEST', at));
    this.#told(caller, id, 'TEST', null);
    return this.#attemptNow(row);
  }

  /** Attempt delivery `id` again now, whatever became of it. */
  async redeliver(caller: NotifyCaller, id: string): Promise<DeliveryView> {
    this.#guard(caller, 'redeliverNotification');
    const row = await this.#o.store.delivery(id);
    if (!row) throw notFound(id, 'delivery');
    await this.#visible(caller, row.rule_id);
    const at = this.#iso();
    await this.#o.store.requeue(id, this.#leased());
    await this.#o.store.audit(this.#audit(caller, row.rule_id, 'REDELIVER', at, id));
    this.#told(caller, row.rule_id, 'REDELIVER', id);
    return this.#attemptNow({ ...row, status: 'PENDING', next_attempt_at: at });
  }

  async #attemptNow(row: DeliveryRow): Promise<DeliveryView> {
    if (this.#o.outbox) await this.#o.outbox.attempt(row);
    const fresh = (await this.#o.store.delivery(row.id)) ?? row;
    const attempts = (await this.#o.store.attemptsOf([row.id])).get(row.id) ?? [];
    return deliveryView(fresh, attempts);
  }

  /** A rule was disabled by its target's answers: the log line and the metric (the row is written). */
  disabled(ruleId: string, reason: string): void {
    this.changed();
    this.#o.countChange?.('DISABLE');
    this.#o.logger.warn(
      { audit: 'notification-rule', rule: ruleId, change: 'DISABLE', reason },
      'notification rule disabled',
    );
  }

  #guard(caller: NotifyCaller, field: string): void {
    const { identity } = caller;
    if (identity.scopes.has(SCOPE_NOTIFY)) return;
    const what = `${field} needs a bearer token with scope ${SCOPE_NOTIFY}`;
    throw identity.authenticated
      ? new JobgraphError('FORBIDDEN', `${what}.`)
      : new JobgraphError(
          'UNAUTHENTICATED',
          `${what}; sign in and send it as "Authorization: Bearer <token>".`,
        );
  }

  /** The rule, if this caller may see it; else NOT_FOUND (the same for a rule of other accounts). */
  async #visible(caller: NotifyCaller, id: string): Promise<RuleRow> {
    const row = await this.#o.store.get(id);
    if (!row || !this.#covers(caller, row)) throw notFound(id);
    return row;
  }

  /** Whether the caller's grant holds every (provider, account) pair the rule covers. */
  #covers(caller: NotifyCaller, row: RuleRow): boolean {
    return grantHoldsAll(caller.identity.accounts, JSON.parse(row.accounts) as string[]);
  }

  /**
   * Refuses a new rule covering `pairs` (or rule `updating` changed to cover them) when a
   * (provider, account) pair it counts against already has `maxRules` other rules (ruleBound.ts).
   * Two creations at once may both pass: the bound is what one account can do, not exact.
   */
  async #roomFor(pairs: readonly string[], updating: string | null = null): Promise<void> {
    const max = this.#o.maxRules ?? MAX_RULES;
    const stored = await this.#o.store.all();
    const full = fullPairs(stored, pairs, this.#o.accounts(), max, updating);
    if (full.length > 0) throw ruleBoundRefusal(full, max);
  }

  /** `input` checked whole (BAD_USER_INPUT naming the argument, FORBIDDEN for accounts outside the grant). */
  #checked(caller: NotifyCaller, input: RuleInput): CheckedRule {
    const name = input.name.trim();
    if (name === '' || name.length > MAX_NAME)
      throw new BadUserInputError(`A rule's name is 1 to ${MAX_NAME} characters.`, {
        argument: 'input.name',
      });
    const triggers = triggersOf(input);
    const kind = input.target.kind as TargetKind;
    if (!TARGET_KINDS.includes(kind))
      throw new BadUserInputError('Unknown target kind.', { argument: 'input.target.kind' });
    const url = input.target.url.trim();
    if (url.length > MAX_TARGET_URL)
      throw new BadUserInputError(`A target URL is at most ${MAX_TARGET_URL} characters.`, {
        argument: 'input.target.url',
      });
    const refusal = targetUrlRefusal(url, this.#o.allowHosts);
    if (refusal !== null)
      throw new BadUserInputError(`${refusal}.`, { argument: 'input.target.url' });
    const filter = filterOf(input);
    return {
      name,
      ...triggers,
      ...quietOf(input),
      kind,
      url,
      filter,
      accounts: this.#accountsOf(caller, filter),
      enabled: input.enabled ?? true,
    };
  }

  /**
   * The (provider, account) pairs the rule covers (rulePairs.ts): the creator's grant narrowed by
   * the filter's providers and accounts; FORBIDDEN for a filter naming an account the creator does
   * not read on every provider the filter names.
   */
  #accountsOf(caller: NotifyCaller, filter: RuleFilter): string[] {
    try {
      return pairsFor(caller.identity.accounts, filter, this.#o.accounts());
    } catch (e) {
      if (e instanceof PairRefusal) throw new JobgraphError('FORBIDDEN', e.message);
      throw e;
    }
  }

  #audit(
    caller: NotifyCaller,
    ruleId: string,
    change: RuleChange,
    at: string,
    reason: string | null = null,
  ) {
    return { ruleId, at, change, subject: caller.identity.subject, reason };
  }

  #told(caller: NotifyCaller, ruleId: string, change: RuleChange, delivery: string | null): void {
    this.changed();
    this.#o.outbox?.forget(ruleId);
    this.#o.countChange?.(change);
    this.#o.logger.info(
      {
        audit: 'notification-rule',
        rule: ruleId,
        change,
        subject: caller.identity.subject,
        requestId: caller.requestId,
        ...(delivery ? { delivery } : {}),
      },
      `notification rule ${change.toLowerCase()}`,
    );
  }

  /** When a delivery this call attempts itself is due again, should it never record the attempt. */
  #leased(): string {
    return new Date(this.#now() + LEASE_MS).toISOString();
  }

  #iso(): string {
    return new Date(this.#now()).toISOString();
  }
}

/** A rule's input as checked. */
interface CheckedRule {
  name: string;
  on: NotificationTrigger[];
  stuckAfterSeconds: number | null;
  stuckFactor: number | null;
  groupWindowSeconds: number;
  mutedUntil: string | null;
  kind: TargetKind;
  url: string;
  filter: RuleFilter;
  accounts: string[];
  enabled: boolean;
}

/** The columns a rule's checked input sets alike at creation and at an update. */
function ruleColumns(checked: CheckedRule) {
  return {
    name: checked.name,
    accounts: JSON.stringify(checked.accounts),
    filter: JSON.stringify(checked.filter),
    triggers: checked.on.join(','),
    stuck_after_seconds: checked.stuckAfterSeconds,
    stuck_factor: checked.stuckFactor,
    group_window_seconds: checked.groupWindowSeconds,
    muted_until: checked.mutedUntil,
    target_kind: checked.kind,
  };
}

const notFound = (id: string, what = 'notification rule') =>
  new JobgraphError(
    'NOT_FOUND',
    `No ${what} ${JSON.stringify(id.slice(0, 64))} that this token may see.`,
  );

/**
 * Where the page after cursor `from` starts in `rows` (in the store's order): after the cursor's
 * own rule; that rule deleted, at the first rule made after it; -1: none.
 */
function startAfter(rows: readonly RuleRow[], from: { createdAt: string; id: string }): number {
  const at = rows.findIndex((r) => r.id === from.id);
  if (at >= 0) return at + 1;
  return rows.findIndex(
    (r) => r.created_at > from.createdAt || (r.created_at === from.createdAt && r.id > from.id),
  );
}
