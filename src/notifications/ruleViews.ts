/** A stored rule and its deliveries as the graph shows them (split from notifications.ts). */
import type { DeliveryRow, RuleRow } from './ruleStore.ts';
import type { NotificationTrigger } from './payload.ts';
import type { RuleFilter } from './ruleInput.ts';
import { pairOf } from './rulePairs.ts';

export type TargetKind = 'WEBHOOK' | 'SLACK' | 'TEAMS';

/** A rule as the graph shows it: never its URL in clear, never its secret. */
export interface RuleView {
  id: string;
  name: string;
  on: NotificationTrigger[];
  target: { kind: TargetKind; url: string };
  enabled: boolean;
  disabledReason: string | null;
  createdAt: string;
  /** The account aliases it covers, on one provider or more (`*`: every account). */
  accounts: string[];
  /** The (provider, account) pairs it covers; null: every account (its creator read every one). */
  covers: { provider: string; account: string }[] | null;
  filter: RuleFilter;
  stuckAfterSeconds: number | null;
  stuckFactor: number | null;
  groupWindowSeconds: number;
  mutedUntil: string | null;
  failingSince: string | null;
}

export interface DeliveryView {
  id: string;
  type: string;
  jobId: string | null;
  status: 'PENDING' | 'DELIVERED' | 'RETRYING' | 'FAILED';
  createdAt: string;
  attempts: { at: string; statusCode: number | null; error: string | null; durationMs: number }[];
}

export function viewOf(row: RuleRow): RuleView {
  return {
    id: row.id,
    name: row.name,
    on: row.triggers.split(',').filter(Boolean) as NotificationTrigger[],
    target: { kind: row.target_kind as TargetKind, url: row.target_shown },
    enabled: row.enabled === 1,
    disabledReason: row.disabled_reason,
    createdAt: row.created_at,
    ...coverOf(JSON.parse(row.accounts) as string[]),
    filter: JSON.parse(row.filter) as RuleFilter,
    stuckAfterSeconds: row.stuck_after_seconds,
    stuckFactor: row.stuck_factor === null ? null : Number(row.stuck_factor),
    groupWindowSeconds: Number(row.group_window_seconds),
    mutedUntil: row.muted_until,
    failingSince: row.failing_since,
  };
}

/** `RuleView.accounts` and `covers` of a rule's stored pairs. */
function coverOf(held: readonly string[]): Pick<RuleView, 'accounts' | 'covers'> {
  if (held.includes('*')) return { accounts: ['*'], covers: null };
  const pairs = held.flatMap((e) => {
    const p = pairOf(e);
    return p ? [{ provider: p.provider, account: p.alias }] : [];
  });
  return { accounts: [...new Set(pairs.map((p) => p.account))], covers: pairs };
}

export function deliveryView(
  row: DeliveryRow,
  attempts: readonly {
    at: string;
    status_code: number | null;
    error: string | null;
    duration_ms: number;
  }[],
): DeliveryView {
  return {
    id: row.id,
    type: row.type,
    jobId: row.job_id,
    status: row.status as DeliveryView['status'],
    createdAt: row.created_at,
    attempts: attempts.map((a) => ({
      at: a.at,
      statusCode: a.status_code,
      error: a.error,
      durationMs: Number(a.duration_ms),
    })),
  };
}
