/**
 * Chat that groups a storm (issue 101, item 3; Alertmanager's group wait): a SLACK or TEAMS rule
 * with a window (`group_window_seconds`, 30 s unless its input says otherwise, 0 for none) sends
 * the deliveries of each window as one message — how many, by cause, by queue, the first jobs
 * linked. A WEBHOOK rule sends one event a delivery whatever the window: receivers expect events.
 *
 * The window is the grid of its length from the epoch, so every replica puts a delivery in the same
 * one without asking another: each delivery is written due at its window's end (notifier.ts), the
 * outbox's claim takes every due delivery of the rule at once (outbox.ts) and posts them as one
 * message, each delivery recorded with the message's answer. A storm that crosses a window's end
 * goes as two messages.
 */
import { bounded, safeText, TEXT_BOUNDS } from '../model/safeText.ts';
import { adaptiveCard, type WebhookBody } from './payload.ts';
import type { RuleRow } from './ruleStore.ts';

/** The target kinds whose deliveries a window groups. */
const CHAT_KINDS: ReadonlySet<string> = new Set(['SLACK', 'TEAMS']);

/** Whether `rule`'s deliveries go a window at a time. */
export function groupsChat(rule: Pick<RuleRow, 'target_kind' | 'group_window_seconds'>): boolean {
  return CHAT_KINDS.has(rule.target_kind) && Number(rule.group_window_seconds) > 0;
}

/** When a delivery `rule` makes at `atMs` is due (epoch ms): its window's end, or `atMs` itself. */
export function dueAt(
  rule: Pick<RuleRow, 'target_kind' | 'group_window_seconds'>,
  atMs: number,
): number {
  if (!groupsChat(rule)) return atMs;
  const window = Number(rule.group_window_seconds) * 1000;
  return Math.floor(atMs / window) * window + window;
}

/** The jobs a grouped message names one by one; the rest are counted. */
const GROUP_JOBS_SHOWN = 5;

/** What an event type says of the jobs it is about, in a count (`30 jobs failed`). */
const SAID: Readonly<Record<string, string>> = {
  'job.failed': 'failed',
  'job.succeeded': 'succeeded',
  'job.cancelled': 'were cancelled',
  'job.started': 'started',
  'job.stuck': 'are stuck',
  'job.queue_blocked': 'are blocked at the head of their queue',
};

const text = (v: unknown): string | null => (typeof v === 'string' && v !== '' ? v : null);

/** `name` → how many, most first (ties by name). */
function counted(values: (string | null)[]): [string, number][] {
  const counts = new Map<string, number>();
  for (const v of values) if (v !== null) counts.set(v, (counts.get(v) ?? 0) + 1);
  return [...counts].sort(([a, x], [b, y]) => y - x || a.localeCompare(b));
}

/** The queue a delivery's job waited in: its queue name (AWS Batch's ARN, its last part). */
function queueOf(body: WebhookBody): string | null {
  const named = body.data.queue?.name ?? text(body.data.job?.jobQueue);
  return named === null ? null : (named.split('/').at(-1) ?? named);
}

/** The facts of a group, each text of a job or a rule as given (the target's writer makes it safe). */
interface GroupFacts {
  title: string;
  causes: [string, number][];
  queues: [string, number][];
  jobs: { name: string; url: string | null; cause: string | null }[];
  more: number;
}

function factsOf(bodies: readonly WebhookBody[], rule: string): GroupFacts {
  const byType = counted(bodies.map((b) => b.type));
  const said = byType
    .map(([type, n]) => `${n} ${n === 1 ? 'job' : 'jobs'} ${SAID[type] ?? type}`)
    .join(', ');
  return {
    title: `${said} (rule "${rule}")`,
    causes: counted(bodies.map((b) => b.data.failure?.category ?? null)),
    queues: counted(bodies.map(queueOf)),
    jobs: bodies.slice(0, GROUP_JOBS_SHOWN).map((b) => ({
      name: text(b.data.job?.name) ?? text(b.data.job?.id) ?? 'a job',
      url: b.data.consoleUrl,
      cause: b.data.failure?.category ?? null,
    })),
    more: Math.max(0, bodies.length - GROUP_JOBS_SHOWN),
  };
}

const { name: NAME } = TEXT_BOUNDS;
const listed = (counts: [string, number][], shown: (s: string) => string) =>
  counts.map(([what, n]) => `${n} ${shown(what)}`).join(' · ');

/** One Slack message for a group: `text` and `blocks`, every text of a job or a rule escaped. */
function slackGroup(facts: GroupFacts): Record<string, unknown> {
  const slack = (s: string) => safeText(s, 'slack', NAME);
  const title = slack(facts.title);
  const lines = [
    ...(facts.causes.length ? [`*By cause:* ${listed(facts.causes, slack)}`] : []),
    ...(facts.queues.length ? [`*By queue:* ${listed(facts.queues, slack)}`] : []),
  ];
  const jobs = facts.jobs.map(
    (j) =>
      `• ${j.url ? `<${j.url}|${slack(j.name)}>` : slack(j.name)}${j.cause ? ` — ${j.cause}` : ''}`,
  );
  if (facts.more > 0) jobs.push(`…and ${facts.more} more`);
  const section = (t: string) => ({
    type: 'section',
    text: { type: 'mrkdwn', text: bounded(t, 3000, 'slack') },
  });
  return {
    text: title,
    blocks: [
      section(`*${title}*`),
      ...(lines.length ? [section(lines.join('\n'))] : []),
      section(jobs.join('\n')),
    ],
  };
}

/** One Teams Adaptive Card for a group: every text a TextRun (never markdown), the jobs linked. */
function teamsGroup(facts: GroupFacts): Record<string, unknown> {
  const teams = (s: string) => safeText(s, 'teams', NAME);
  const run = (t: string, style: Record<string, unknown> = {}) => ({
    type: 'TextRun',
    text: t,
    ...style,
  });
  const block = (inlines: object[]) => ({ type: 'RichTextBlock', inlines, spacing: 'None' });
  const line = (label: string, counts: [string, number][]) =>
    counts.length
      ? [block([run(`${label}: `, { weight: 'Bolder' }), run(listed(counts, teams))])]
      : [];
  return adaptiveCard([
    { type: 'RichTextBlock', inlines: [run(teams(facts.title), { weight: 'Bolder' })] },
    ...line('By cause', facts.causes),
    ...line('By queue', facts.queues),
    ...facts.jobs.map((j) =>
      block([
        run(`• ${teams(j.name)}`, {
          ...(j.url ? { selectAction: { type: 'Action.OpenUrl', url: j.url } } : {}),
        }),
        ...(j.cause ? [run(` — ${j.cause}`)] : []),
      ]),
    ),
    ...(facts.more > 0 ? [block([run(`…and ${facts.more} more`)])] : []),
  ]);
}

/** The one message a group of deliveries (their stored webhook bodies) sends to a `kind` target. */
export function groupedMessage(
  kind: string,
  bodies: readonly WebhookBody[],
  rule: string,
): Record<string, unknown> {
  const facts = factsOf(bodies, rule);
  return kind === 'SLACK' ? slackGroup(facts) : teamsGroup(facts);
}
