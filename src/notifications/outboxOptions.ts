/** The outbox's options and fixed bounds (lease, timeout, waits), apart from its work. */
import type http from 'node:http';
import type { SecretBox } from './secretBox.ts';
import type { DeliveryRow, RuleRow, RuleStore } from './ruleStore.ts';
import type { Resolver } from './ssrfGuard.ts';
import type { LogLinesReader } from './logLines.ts';
import { DISABLE_AFTER_FAILING_DAYS } from './ruleQuiet.ts';

/** What became of one attempt (`jobgraph_notifications_total{outcome}`). */
export type AttemptOutcome = 'delivered' | 'retrying' | 'failed' | 'disabled';

export interface OutboxOptions {
  store: RuleStore;
  /** Confirms rows awaiting an event's confirmation that it took (the notifier's); unset: they wait. */
  confirmAwaiting?: (rows: readonly DeliveryRow[]) => Promise<void>;
  box: SecretBox;
  allowHosts: readonly string[];
  /** Longest one attempt may take, ms (default ATTEMPT_TIMEOUT_MS); tests shorten it. */
  timeoutMs?: number;
  /** Attempts in flight to one host at most (default HOST_CONCURRENCY); tests narrow it. */
  hostConcurrency?: number;
  /** The clock (epoch ms); tests move it instead of waiting. */
  now?: () => number;
  /** Jitter in [0, 1). */
  random?: () => number;
  resolve?: Resolver;
  request?: typeof http.request;
  /** Told of each attempt's outcome. */
  onAttempt?: (outcome: AttemptOutcome) => void;
  /**
   * Told of each pass that failed (the store refused it; tried again after MIN_WAIT_MS, doubling):
   * one `warn` line each, with the error's code and its message made safe (passFailure.ts).
   */
  logger?: { warn(fields: Record<string, unknown>, message: string): void };
  /** Counts each failed pass (`jobgraph_notification_outbox_failures_total`). */
  onPassFailed?: () => void;
  /** Told when a rule is disabled by its target's answers (audited by the caller: log line, metric). */
  onDisabled?: (ruleId: string, reason: string) => void;
  /** A failed job's last log lines (logLines.ts), for rules whose creator reads logs; absent: none. */
  logLines?: LogLinesReader;
  /** The account alias of a job's global ID (what its log lines are read in). */
  accountOf?: (globalId: string) => string;
  /** Whether the rule still holds the account of the job (`accounts` JSON, the job's global ID). */
  holds?: (rule: RuleRow, jobId: string) => boolean;
  /** Arms the outbox's one timer: `run` in `ms` (default: an unref'd setTimeout); tests fire it themselves. */
  schedule?: (run: () => void, ms: number) => { cancel(): void };
}

/**
 * How long a claimed delivery is this replica's before another may take it (a crash mid-attempt):
 * longer than the longest attempt (ATTEMPT_TIMEOUT_MS), so no live attempt is taken over, and no
 * longer, so a replica killed mid-attempt delays its delivery by at most this.
 */
export const LEASE_MS = 75_000;
/**
 * Longest one delivery attempt may take, ms; past it the attempt is a timeout, retried on the
 * schedule. 15 s: a receiver answers a webhook at once and works later, so an attempt this long,
 * a slow TLS handshake included, is a stuck host; and it stays well under LEASE_MS (a claimed
 * delivery is never taken over mid-attempt). Fixed (was JOBGRAPH_NOTIFY_TIMEOUT_MS).
 */
export const ATTEMPT_TIMEOUT_MS = 15_000;
/**
 * Delivery attempts in flight to one host at most: a receiver is one service (a Slack webhook, a
 * team's endpoint) that a burst of finished jobs should not flood, and 4 keeps a slow host from
 * holding more than a few of the outbox's attempts while the others go on. Fixed (was
 * JOBGRAPH_NOTIFY_HOST_CONCURRENCY).
 */
export const HOST_CONCURRENCY = 4;
/** Most deliveries claimed at once. */
export const CLAIM_MAX = 50;
/**
 * Longest the outbox sleeps with nothing due here, ms: what another replica enqueued and could not
 * claim (it died first) is taken within this. What this replica enqueues kicks it at once.
 */
export const OUTBOX_MAX_WAIT_MS = 30_000;
/** Shortest wait between two passes the timer makes, ms (rows due but locked by another replica). */
export const MIN_WAIT_MS = 1000;
/**
 * How long a rule's target may fail without one success before the rule is disabled, ms: five
 * days, as Svix disables an endpoint; a target down for a weekend's night keeps its rule.
 */
export const DISABLE_AFTER_FAILING_MS = DISABLE_AFTER_FAILING_DAYS * 86_400_000;
