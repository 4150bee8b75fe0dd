import type { Config } from '../config/index.ts';
import { notificationsOffReason } from '../notifications/notificationsOff.ts';

/** A capability live mode has turned off, and the one variable that turns it on. */
export interface CapabilityOff {
  /** What is off, as an operator would name it. */
  capability: string;
  /** The one variable that turns it on. */
  variable: string;
  /** How to set it: the value, or how to make one. */
  how: string;
}

/**
 * What this configuration leaves off of what the demo shows (docs/deployment.md, "The start-up
 * summary"), each with the one variable that turns it on. The history first: notifications need
 * it, so with it off only its own variable is named for both.
 */
export function capabilitiesOff(config: Config): CapabilityOff[] {
  const off: CapabilityOff[] = [];
  if (config.history.store.kind === 'off')
    off.push({
      capability: 'history (transitions, jobHistory, the audit) and notifications',
      variable: 'JOBGRAPH_HISTORY_URL',
      how: 'unset it (a SQLite file in JOBGRAPH_DATA_DIR) or postgres://… (replicas share it)',
    });
  else if (notificationsOffReason(config) !== null)
    off.push({
      capability: 'notifications',
      variable: 'JOBGRAPH_NOTIFY_SECRET',
      how: 'at least 32 random characters, the same on every replica (openssl rand -base64 48)',
    });
  if (config.actions.size === 0)
    off.push({
      capability: 'actions on jobs (cancelJob, terminateJob)',
      variable: 'JOBGRAPH_ACTIONS',
      how: 'cancel,terminate (or one of them; docs/actions.md)',
    });
  if (config.events.queues === null || config.events.queues.length === 0)
    off.push({
      capability: 'job events (every watched job is polled)',
      variable: 'JOBGRAPH_EVENT_QUEUES',
      how: 'the SQS queues your EventBridge rules feed (docs/events.md)',
    });
  if (config.publicUrl === null && config.console && notificationsOffReason(config) === null)
    off.push({
      capability: 'links in notifications ("Open in jobgraph")',
      variable: 'JOBGRAPH_PUBLIC_URL',
      how: 'the URL users reach jobgraph by (e.g. https://jobgraph.example.com)',
    });
  return off;
}

/** One line per capability off: what, then the variable that turns it on and how. */
export function capabilityOffLines(config: Config): string[] {
  return capabilitiesOff(config).map(
    ({ capability, variable, how }) => `${capability}: set ${variable} (${how})`,
  );
}

/** The actions on jobs the mutations may take (JOBGRAPH_ACTIONS). */
export function describeActions(config: Config): string {
  const names = [...config.actions];
  return names.length > 0 ? `${names.join(', ')} (JOBGRAPH_ACTIONS)` : 'none (JOBGRAPH_ACTIONS)';
}

/** Where the links jobgraph builds point (JOBGRAPH_PUBLIC_URL). */
export function describePublicUrl(config: Config): string {
  if (!config.console) return 'no links (the console is off: JOBGRAPH_CONSOLE)';
  if (config.publicUrl !== null)
    return `${config.publicUrl} (links: ${config.publicUrl}/console/jobs/…)`;
  return 'not set (JOBGRAPH_PUBLIC_URL): notifications carry no link to the console';
}

/** Job logs need no variable, but a permission: the line names it. */
export const JOB_LOGS_LINE =
  "AWS Batch attempts' lines from CloudWatch Logs; the role needs logs:GetLogEvents (docs/iam/jobgraph-logs.json), else logTail answers UPSTREAM_ACCESS_DENIED";
