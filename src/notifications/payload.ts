import type { JobFailure } from '../model/failure.ts';

/**
 * What a delivery says, once per target kind, from one event: a webhook's Standard Webhooks JSON
 * body (`type`, `timestamp`, `data`: the job as `jobHistory` returns it — its record without
 * secret fields —, its last transitions and a console link), a Slack message (`text` + `blocks`)
 * and a Teams Adaptive Card with the same facts; in the last two every text of a job, a log or a
 * rule is made safe for the target and bounded by the one function for it (src/model/safeText.ts).
 */
import { bounded, CUT, safeText, TEXT_BOUNDS } from '../model/safeText.ts';

/** The event types a rule's triggers fire as (`test`: testNotificationRule). */
export const EVENT_TYPES = {
  FAILED: 'job.failed',
  SUCCEEDED: 'job.succeeded',
  CANCELLED: 'job.cancelled',
  STARTED: 'job.started',
  STUCK: 'job.stuck',
  QUEUE_BLOCKED: 'job.queue_blocked',
} as const;

export type NotificationTrigger = keyof typeof EVENT_TYPES;

/** One transition as a payload lists it. */
export interface PayloadTransition {
  at: string;
  from: string | null;
  to: string;
  providerStatus: string | null;
  source: string;
}

/** The webhook body: what the outbox stores, and every other shape is made from. */
export interface WebhookBody {
  type: string;
  /** ISO 8601: when the transition was seen (a test: when it was asked). */
  timestamp: string;
  data: {
    rule: { id: string; name: string };
    /** The job's record without secret fields; null for a test delivery. */
    job: Record<string, unknown> | null;
    transitions: PayloadTransition[];
    consoleUrl: string | null;
    /** A test delivery says so. */
    test?: true;
    /** `job.queue_blocked`: the queue whose head (`job`) cannot run. */
    queue?: { arn: string; name: string };
    /** `job.queue_blocked`: why the job cannot run (Batch's status reason). */
    reason?: string | null;
    /** A failed or cancelled job's cause (`Job.failure`, failureField.ts); absent otherwise. */
    failure?: JobFailure;
    /** A job made of parts (an array job, a multi-node job): its parts counted in words. */
    parts?: string;
    /** `job.failed`, to rules whose creator reads logs: the job's last log lines (logLines.ts). */
    logLines?: { at: string; message: string }[];
    /** `job.stuck`, `job.queue_blocked`: why the job waits (`Job.waiting`, docs/queues.md), in order. */
    waiting?: {
      position: number | null;
      reasons: { code: string; message: string; evidence: string[] }[];
    };
  };
}

const field = (job: Record<string, unknown> | null, name: string): string | null => {
  const v = job?.[name];
  return typeof v === 'string' && v !== '' ? v : null;
};

/** `text` made safe for a chat target, within `max` characters (src/model/safeText.ts). */
type Shown = (text: string, max: number) => string;
const plain: Shown = (text) => text;
const { name: NAME, reason: REASON, logLine: LOG_LINE } = TEXT_BOUNDS;

/** One line of facts: what happened to which job; each of its job's and rule's texts `shown`. */
export function headline(body: WebhookBody, shown: Shown = plain): string {
  if (body.data.test)
    return `jobgraph test notification for rule "${shown(body.data.rule.name, NAME)}"`;
  const job = body.data.job;
  const name = field(job, 'name') ?? field(job, 'jobName') ?? field(job, 'id') ?? 'a job';
  const state = field(job, 'state') ?? body.type.replace(/^job\./, '').toUpperCase();
  const region = field(job, 'region');
  const where = `${field(job, 'provider') ?? 'job'}${region ? `, ${region}` : ''}`;
  return `${shown(name, NAME)} is ${shown(state, NAME)} (${shown(where, NAME)})${failureLine(body, shown)}`;
}

/**
 * What the chat's first line says of a failure's cause: ` — CATEGORY: summary`, the summary
 * `shown` as every text of a job is (it quotes the job's own reason); empty without one.
 */
function failureLine(body: WebhookBody, shown: Shown = plain): string {
  const failure = body.data.failure;
  return failure ? ` — ${failure.category}: ${shown(failure.summary, REASON)}` : '';
}

/** The first reason a job waits, `CODE: message` (the message quotes provider text); null without one. */
function waitingLine(body: WebhookBody): string | null {
  const first = body.data.waiting?.reasons[0];
  return first ? `${first.code}: ${first.message}` : null;
}

/** The facts beside the headline: name → value (`shown`), empty values left out. */
function facts(body: WebhookBody, shown: Shown = plain): [string, string][] {
  const job = body.data.job;
  const last = body.data.transitions.at(-1);
  return (
    [
      ['Rule', body.data.rule.name, NAME],
      ['Event', body.type, NAME],
      ['Job', field(job, 'id'), NAME],
      ['Queue', body.data.queue?.name ?? null, NAME],
      ['Parts', body.data.parts ?? null, NAME],
      ['Provider status', field(job, 'providerStatus'), NAME],
      ['Reason', field(job, 'statusMessage'), REASON],
      ['Why it waits', waitingLine(body), REASON],
      ['Since', last?.at ?? null, NAME],
    ] as [string, string | null, number][]
  ).flatMap(([k, v, max]) => (v === null ? [] : [[k, shown(v, max)] as [string, string]]));
}

/** Slack's section text is at most 3,000 characters. */
const SLACK_SECTION = 3000;
const FENCE = '```';
const slack: Shown = (text, max) => safeText(text, 'slack', max);

/**
 * A delivery's log lines as the content of a Slack code block (null: none): each line one line,
 * escaped so none can close the block; the newest lines that fit in a section, `…` above them
 * when older ones were left out.
 */
function slackLog(body: WebhookBody): string | null {
  const lines = body.data.logLines ?? [];
  if (lines.length === 0) return null;
  const room = SLACK_SECTION - 2 * FENCE.length - (CUT.length + 1);
  const kept: string[] = [];
  let size = 0;
  for (let i = lines.length - 1; i >= 0; i--) {
    const line = safeText(lines[i]!.message, 'slack-code', LOG_LINE);
    if (size + line.length + 1 > room) break;
    kept.unshift(line);
    size += line.length + 1;
  }
  return (kept.length < lines.length ? [CUT, ...kept] : kept).join('\n');
}

const mrkdwn = (text: string) => ({
  type: 'section',
  text: { type: 'mrkdwn', text: bounded(text, SLACK_SECTION, 'slack') },
});

/**
 * A Slack incoming webhook's message: `text` (the notification's) and `blocks`, every text of a
 * job, a log or a rule escaped for mrkdwn and bounded (src/model/safeText.ts).
 */
export function slackMessage(body: WebhookBody): Record<string, unknown> {
  const title = headline(body, slack);
  const lines = facts(body, slack).map(([k, v]) => `*${k}:* ${v}`);
  const log = slackLog(body);
  return {
    text: title,
    blocks: [
      mrkdwn(`*${title}*`),
      mrkdwn(lines.join('\n')),
      ...(log ? [mrkdwn(`${FENCE}${log}${FENCE}`)] : []),
      ...(body.data.consoleUrl
        ? [
            {
              type: 'actions',
              elements: [
                {
                  type: 'button',
                  text: { type: 'plain_text', text: 'Open in jobgraph' },
                  url: body.data.consoleUrl,
                },
              ],
            },
          ]
        : []),
    ],
  };
}

const teams: Shown = (text, max) => safeText(text, 'teams', max);
/** A TextRun: text an Adaptive Card shows as it is, never as markdown. */
const run = (text: string, style: Record<string, string> = {}) => ({
  type: 'TextRun',
  text,
  ...style,
});
const richText = (inlines: object[], style: Record<string, string> = {}) => ({
  type: 'RichTextBlock',
  inlines,
  ...style,
});

/**
 * A Teams Workflows webhook's message: one Adaptive Card attachment. Every text of a job, a log
 * or a rule is a TextRun of a RichTextBlock (no markdown, so `[label](url)`, `**`, `_` and `#`
 * show as written) rather than a TextBlock or a FactSet, whose texts Teams reads as markdown.
 */
export function teamsMessage(body: WebhookBody): Record<string, unknown> {
  const lines = (body.data.logLines ?? []).map((l) =>
    richText([run(teams(l.message, LOG_LINE), { fontType: 'Monospace' })], { spacing: 'None' }),
  );
  return adaptiveCard(
    [
      richText([run(headline(body, teams), { weight: 'Bolder' })]),
      ...facts(body, teams).map(([title, value]) =>
        richText([run(`${title}: `, { weight: 'Bolder' }), run(value)], { spacing: 'None' }),
      ),
      ...lines,
    ],
    body.data.consoleUrl
      ? [{ type: 'Action.OpenUrl', title: 'Open in jobgraph', url: body.data.consoleUrl }]
      : [],
  );
}

/** A Teams Workflows webhook's message: one Adaptive Card (1.4) of `body`, with `actions` if any. */
export function adaptiveCard(body: object[], actions: object[] = []): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body,
          ...(actions.length > 0 ? { actions } : {}),
        },
      },
    ],
  };
}
