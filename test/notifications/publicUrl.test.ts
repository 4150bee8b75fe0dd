// Links in notifications start with JOBGRAPH_PUBLIC_URL (issue 106, item 2): behind nginx or an
// Ingress the replica's own listen address is no use to whoever reads a Slack or Teams message.
// Through the real gateway (the demo's, its SQLite history), rules of each target kind delivering
// to a receiver on 127.0.0.1, and a Batch job failing in the emulator: every console link in
// every delivery starts with the configured public URL; without one, the demo's own address.
import { describe, expect, it, vi } from 'vitest';
import { SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import { BATCH_JOB_IDS } from '@jobgraph/emulators/batch/data';
import { accountToken } from '../support/accountTokens.ts';
import { EVENTUALLY } from '../support/eventually.ts';
import { gql, type TestGateway } from '../support/gateway.ts';
import { useTestGateway } from '../support/useTestGateway.ts';
import { useReceiver } from '../support/webhookReceiver.ts';

const CREATE = `mutation ($input: NotificationRuleInput!) {
  createNotificationRule(input: $input) { rule { id } } }`;
const READ = `query($id: ID!) { job(id: $id) { state } }`;
const KINDS = ['WEBHOOK', 'SLACK', 'TEAMS'] as const;

const receiver = useReceiver();

/** A rule of each kind delivering failed Batch jobs to the receiver. */
async function rulesOfEachKind(gw: TestGateway): Promise<void> {
  const token = await accountToken(gw, undefined, 'oncall-ann', [SCOPE_READ, SCOPE_NOTIFY]);
  for (const kind of KINDS) {
    const res = await gql(gw, CREATE, {
      token,
      variables: {
        input: {
          name: `failed batch jobs (${kind})`,
          filter: { providers: ['AWS_BATCH'] },
          on: ['FAILED'],
          target: { kind, url: receiver.url },
        },
      },
    });
    expect(res.body.errors, kind).toBeUndefined();
  }
}

/** Which kind of rule a body was made for: a Standard Webhooks event, Slack's blocks, a Teams card. */
function kindOf(body: string): (typeof KINDS)[number] {
  const parsed = JSON.parse(body) as Record<string, unknown>;
  if ('attachments' in parsed) return 'TEAMS';
  if ('blocks' in parsed) return 'SLACK';
  return 'WEBHOOK';
}

/** Fail a running Batch job, read it, and return the body each kind's rule was sent about it. */
async function failAndDeliver(gw: TestGateway, job: string): Promise<Record<string, string>> {
  const id = `batch:us-east-1:${job}`;
  const read = async () =>
    (await gql(gw, READ, { variables: { id }, token: gw.tokens.read })).body.data?.job?.state;
  expect(await read()).toBe('IN_PROGRESS');
  gw.emulators.batch.jobs?.changeState(job, 'FAILED', {
    statusReason: 'Essential container exited',
  });
  expect(await read()).toBe('FAILED');
  const bodies: Record<string, string> = {};
  await vi.waitFor(async () => {
    await gw.history!.settled();
    await gw.notifications!.outbox.runDue();
    for (const r of receiver.received) if (r.body.includes(job)) bodies[kindOf(r.body)] = r.body;
    expect(Object.keys(bodies).sort()).toEqual([...KINDS].sort());
  }, EVENTUALLY);
  return bodies;
}

/** Every console link a body holds (JSON-escaped slashes read as slashes). */
const consoleLinks = (body: string) =>
  [...body.replaceAll('\\/', '/').matchAll(/"(https?:\/\/[^"]*\/console\/jobs\/[^"]*)"/g)].map(
    (m) => m[1] as string,
  );

describe('Notifications behind a proxy (JOBGRAPH_PUBLIC_URL set)', () => {
  const gw = useTestGateway({
    JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*',
    JOBGRAPH_PUBLIC_URL: 'https://jobs.example.com/jobgraph/',
    JOBGRAPH_CACHE_MAX_ENTRIES: '0',
  });

  it('link every delivery, webhook, Slack and Teams alike, to the job under the public URL', async () => {
    await rulesOfEachKind(gw);
    const job = BATCH_JOB_IDS.running;
    const bodies = await failAndDeliver(gw, job);
    const expected = `https://jobs.example.com/jobgraph/console/jobs/${encodeURIComponent(`batch:us-east-1:${job}`)}`;
    for (const kind of KINDS) {
      const links = consoleLinks(bodies[kind] as string);
      expect(links.length, kind).toBeGreaterThan(0);
      expect(new Set(links), kind).toEqual(new Set([expected]));
    }
    expect(
      (JSON.parse(bodies.WEBHOOK as string) as { data: { consoleUrl: string } }).data.consoleUrl,
    ).toBe(expected);
    // Nothing points at the replica's own listen address.
    const own = new URL(gw.server.url).host;
    for (const kind of KINDS) expect(bodies[kind], kind).not.toContain(own);
  });
});

describe('Notifications of the demo (no JOBGRAPH_PUBLIC_URL)', () => {
  const gw = useTestGateway({
    JOBGRAPH_NOTIFY_ALLOW_HOSTS: '127.0.0.1:*',
    JOBGRAPH_CACHE_MAX_ENTRIES: '0',
  });

  it('link to the demo’s own address, which it takes as its public URL', async () => {
    const own = `http://localhost:${new URL(gw.server.url).port}`;
    expect(gw.config.publicUrl).toBe(own);
    await rulesOfEachKind(gw);
    const job = BATCH_JOB_IDS.starting;
    const bodies = await failAndDeliver(gw, job);
    for (const kind of KINDS)
      expect(consoleLinks(bodies[kind] as string), kind).toEqual(
        expect.arrayContaining([
          `${own}/console/jobs/${encodeURIComponent(`batch:us-east-1:${job}`)}`,
        ]),
      );
  });
});
