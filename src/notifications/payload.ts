import type { JobFailure } from '../model/failure.ts';

/**
 * What a delivery says, once per target kind, from one event: a webhook's Standard Webhooks JSON
 * body (`type`, `timestamp`, `data`: the job as `jobHistory` returns it — its record without
 * secret fields —, its last transitions and a console link), a Slack message (`text` + `blocks`)
 * and a Teams Adaptive Card with the same facts.
 */

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
    /** `job.failed`, to rules whose creator reads logs: the job's last log lines (logLines.ts). */
    logLines?: { at: string; message: string }[];
  };
}

const field = (job: Record<string, unknown> | null, name: string): string | null => {
  const v = job?.[name];
  return typeof v === 'string' && v !== '' ? v : null;
};

/** One line of facts: what happened to which job. */
export function headline(body: WebhookBody): string {
  if (body.data.test) return `jobgraph test notification for rule "${body.data.rule.name}"`;
  const job = body.data.job;
  const name = field(job, 'name') ?? field(job, 'jobName') ?? field(job, 'id') ?? 'a job';
  const state = field(job, 'state') ?? body.type.replace(/^job\./, '').toUpperCase();
  return `${name} is ${state} (${field(job, 'provider') ?? 'job'}${field(job, 'region') ? `, ${field(job, 'region')}` : ''})${failureLine(body)}`;
}

/** What the chat's first line says of a failure's cause: ` — CATEGORY: summary`; empty without one. */
export function failureLine(body: WebhookBody): string {
  const failure = body.data.failure;
  return failure ? ` — ${failure.category}: ${failure.summary}` : '';
}

/** The facts beside the headline: name → value, empty values left out. */
export function facts(body: WebhookBody): [string, string][] {
  const job = body.data.job;
  const last = body.data.transitions.at(-1);
  return (
    [
      ['Rule', body.data.rule.name],
      ['Event', body.type],
      ['Job', field(job, 'id')],
      ['Queue', body.data.queue?.name ?? null],
      ['Provider status', field(job, 'providerStatus')],
      ['Reason', field(job, 'statusMessage')],
      ['Since', last?.at ?? null],
    ] as [string, string | null][]
  ).filter((f): f is [string, string] => f[1] !== null);
}

/** Slack's section text is at most 3,000 characters. */
const slackText = (s: string) => (s.length > 3000 ? `${s.slice(0, 2999)}…` : s);

/** A delivery's log lines as one text (null: none). */
const logText = (body: WebhookBody): string | null =>
  body.data.logLines?.length ? body.data.logLines.map((l) => l.message).join('\n') : null;

/** A Slack incoming webhook's message: `text` (the notification's) and `blocks`. */
export function slackMessage(body: WebhookBody): Record<string, unknown> {
  const title = headline(body);
  const lines = facts(body).map(([k, v]) => `*${k}:* ${v}`);
  const log = logText(body);
  return {
    text: title,
    blocks: [
      { type: 'section', text: { type: 'mrkdwn', text: slackText(`*${title}*`) } },
      { type: 'section', text: { type: 'mrkdwn', text: slackText(lines.join('\n')) } },
      ...(log
        ? [{ type: 'section', text: { type: 'mrkdwn', text: slackText(`\`\`\`${log}\`\`\``) } }]
        : []),
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

/** A Teams Workflows webhook's message: one Adaptive Card attachment. */
export function teamsMessage(body: WebhookBody): Record<string, unknown> {
  return {
    type: 'message',
    attachments: [
      {
        contentType: 'application/vnd.microsoft.card.adaptive',
        content: {
          $schema: 'http://adaptivecards.io/schemas/adaptive-card.json',
          type: 'AdaptiveCard',
          version: '1.4',
          body: [
            { type: 'TextBlock', text: headline(body), weight: 'Bolder', wrap: true },
            { type: 'FactSet', facts: facts(body).map(([title, value]) => ({ title, value })) },
            ...(logText(body)
              ? [{ type: 'TextBlock', text: logText(body), fontType: 'Monospace', wrap: true }]
              : []),
          ],
          ...(body.data.consoleUrl
            ? {
                actions: [
                  { type: 'Action.OpenUrl', title: 'Open in jobgraph', url: body.data.consoleUrl },
                ],
              }
            : {}),
        },
      },
    ],
  };
}
