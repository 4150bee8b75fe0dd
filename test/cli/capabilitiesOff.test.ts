// Live mode's start-up summary names each capability the demo shows that the configuration leaves
// off, with the one variable that turns it on (issue 106, item 1), and where links point
// (JOBGRAPH_PUBLIC_URL, item 2).
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config/index.ts';
import { capabilitiesOff } from '../../src/cli/capabilities.ts';
import { liveStartupSummary } from '../support/startupSummary.ts';

const NOTIFY_SECRET = 'n0t1fy-Secret-0123456789-abcdefghijk';
const QUEUE = 'https://sqs.us-east-1.amazonaws.com/111122223333/jobgraph-events';
const EVERYTHING = {
  JOBGRAPH_NOTIFY_SECRET: NOTIFY_SECRET,
  JOBGRAPH_ACTIONS: 'cancel,terminate',
  JOBGRAPH_EVENT_QUEUES: QUEUE,
  JOBGRAPH_PUBLIC_URL: 'https://jobgraph.example.com/',
};
/** The summary's `off` rows, as printed. */
const offRows = (env: Record<string, string>) =>
  liveStartupSummary(env)
    .filter((line) => /^ {2}off {3,}/.test(line))
    .map((line) => line.replace(/^ {2}off +/, ''));
const variablesOff = (env: Record<string, string>) =>
  capabilitiesOff(loadConfig({ mode: 'live' }, env)).map((c) => c.variable);

describe('The start-up summary’s capabilities that are off', () => {
  it('names, on a bare live configuration, notifications, actions and job events, each with the one variable that turns it on', () => {
    expect(variablesOff({})).toEqual([
      'JOBGRAPH_NOTIFY_SECRET',
      'JOBGRAPH_ACTIONS',
      'JOBGRAPH_EVENT_QUEUES',
    ]);
    const rows = offRows({});
    expect(rows).toHaveLength(3);
    expect(rows[0]).toMatch(/^notifications: set JOBGRAPH_NOTIFY_SECRET \(at least 32 random/);
    expect(rows[1]).toMatch(/^actions on jobs .*: set JOBGRAPH_ACTIONS \(cancel,terminate/);
    expect(rows[2]).toMatch(/^job events .*: set JOBGRAPH_EVENT_QUEUES /);
  });

  it('names none when everything is on, and says where links point', () => {
    expect(variablesOff(EVERYTHING)).toEqual([]);
    const text = liveStartupSummary(EVERYTHING).join('\n');
    expect(text).not.toMatch(/^ {2}off /m);
    expect(text).toMatch(
      /^ {2}public URL +https:\/\/jobgraph\.example\.com \(links: https:\/\/jobgraph\.example\.com\/console\/jobs\/…\)$/m,
    );
    expect(text).toMatch(/^ {2}actions +cancel, terminate \(JOBGRAPH_ACTIONS\)$/m);
    // Logs need no variable but a permission: the summary names the policy.
    expect(text).toMatch(/^ {2}job logs +.*logs:GetLogEvents \(docs\/iam\/jobgraph-logs\.json\)/m);
    // The secret itself is never printed.
    expect(text).not.toContain(NOTIFY_SECRET);
  });

  it('says so when notifications are on and no public URL is set: their links would point at the replica', () => {
    const { JOBGRAPH_PUBLIC_URL: _, ...noUrl } = EVERYTHING;
    expect(variablesOff(noUrl)).toEqual(['JOBGRAPH_PUBLIC_URL']);
    expect(offRows(noUrl)).toEqual([
      expect.stringMatching(
        /^links in notifications .*: set JOBGRAPH_PUBLIC_URL \(the URL users reach jobgraph by/,
      ),
    ]);
    expect(liveStartupSummary(noUrl).join('\n')).toMatch(
      /^ {2}public URL +not set \(JOBGRAPH_PUBLIC_URL\): notifications carry no link/m,
    );
    // Without notifications there is no link to miss: one row, the notifications'.
    expect(variablesOff({ ...noUrl, JOBGRAPH_NOTIFY_SECRET: '' })).toEqual([
      'JOBGRAPH_NOTIFY_SECRET',
    ]);
    // Nor with the console off: there is nothing to link to.
    expect(variablesOff({ ...noUrl, JOBGRAPH_CONSOLE: 'off' })).toEqual([]);
  });

  it('names the history’s variable alone when the history is off: notifications need it', () => {
    expect(variablesOff({ ...EVERYTHING, JOBGRAPH_HISTORY_URL: 'off' })).toEqual([
      'JOBGRAPH_HISTORY_URL',
    ]);
    expect(offRows({ ...EVERYTHING, JOBGRAPH_HISTORY_URL: 'off' })).toEqual([
      expect.stringMatching(/^history .* and notifications: set JOBGRAPH_HISTORY_URL \(unset it/),
    ]);
  });
});
