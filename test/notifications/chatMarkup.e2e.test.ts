import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { mintToken } from '../../src/auth/mintToken.ts';
import { SCOPE_LOGS, SCOPE_NOTIFY, SCOPE_READ } from '../../src/auth/identity.ts';
import { DEMO_AWS_ACCOUNT_ID } from '@jobgraph/emulators/accounts';
import { BATCH_JOB_IDS, type WireBatchJob } from '@jobgraph/emulators/batch/data';
import { batchLogPlace } from '@jobgraph/emulators/batch/jobLogs';
import { SHARED_SECRET } from '../subscriptions/clusterSupport.ts';
import { historyStores } from '../support/historyStores.ts';
import type { LiveProcess } from '../support/liveProcess.ts';
import { startReceiver, type Receiver } from '../support/webhookReceiver.ts';
import { batchIdOf, gqlAt, useNotifyingReplicas } from './notifyingReplicas.ts';

// Chat that cannot be hijacked (issue 100, item 2): the compiled gateway (live mode) on the
// emulators, an AWS Batch job failed with a hostile status reason and a log whose lines hold a
// code fence, an ANSI colour and a line break, delivered under a SLACK and a TEAMS rule made by a
// token that reads logs, to receivers on 127.0.0.1. What they receive is parsed as Slack and
// Teams read it: nothing of the job is live, and what it wrote is shown.

const HOSTILE = '<!channel> <@U123ABC> <https://evil.example|Click to re-run>';
const LINES = [
  'step 1 ``` <!here> **bold** [re-run](https://evil.example)',
  '\u001b[31mred\u001b[0m then\na second line',
];
const LIVE = [/<!channel>/, /<!here>/, /<@U123ABC>/, /<https:\/\/evil\.example\|/];

const [sqlite] = historyStores();
describe('Chat messages of a job whose owner wrote markup', () => {
  const set = useNotifyingReplicas(sqlite!.fresh);
  const teams = {} as { receiver: Receiver };
  let gw: LiveProcess;
  let token = '';
  beforeAll(async () => {
    teams.receiver = await startReceiver();
    token = await mintToken({
      secret: SHARED_SECRET,
      scopes: [SCOPE_READ, SCOPE_NOTIFY, SCOPE_LOGS],
      accounts: ['*'],
    });
    gw = await set.start();
    for (const [kind, url] of [
      ['SLACK', set.receiver.url],
      ['TEAMS', teams.receiver.url],
    ] as const) {
      const created = await gqlAt(
        gw,
        token,
        `mutation ($input: NotificationRuleInput!) { createNotificationRule(input: $input) { rule { id } } }`,
        {
          input: {
            name: `<!here> ${kind} [failed](https://evil.example)`,
            filter: { providers: ['AWS_BATCH'] },
            on: ['FAILED'],
            target: { kind, url },
            // One message a delivery: this test reads one job's message (grouping: grouping.e2e).
            groupWindowSeconds: 0,
          },
        },
      );
      expect(created.errors).toBeUndefined();
    }
  });
  afterAll(async () => {
    await teams.receiver?.close();
  });

  /** Fail the running job with HOSTILE, its log's lines LINES, and wait for both messages. */
  async function failHostile(): Promise<{ slack: any; teams: any }> {
    const job = BATCH_JOB_IDS.running;
    const READ = `query($id: ID!) { job(id: $id) { state } }`;
    expect((await gqlAt(gw, token, READ, { id: batchIdOf(job) })).data?.job?.state).toBe(
      'IN_PROGRESS',
    );
    const failed = set.emulators.batch.jobs!.changeState(job, 'FAILED', {
      statusReason: HOSTILE,
    }) as WireBatchJob;
    const place = batchLogPlace(failed)!;
    set.emulators.logStreams.put(
      { accountId: DEMO_AWS_ACCOUNT_ID, region: 'us-east-1', ...place },
      LINES.map((message, i) => ({ timestamp: (failed.stoppedAt as number) - 10 + i, message })),
    );
    expect((await gqlAt(gw, token, READ, { id: batchIdOf(job) })).data?.job?.state).toBe('FAILED');
    await vi.waitFor(
      () => {
        expect(set.receiver.received).toHaveLength(1);
        expect(teams.receiver.received).toHaveLength(1);
      },
      { timeout: 30_000, interval: 50 },
    );
    return {
      slack: JSON.parse(set.receiver.received[0]!.body),
      teams: JSON.parse(teams.receiver.received[0]!.body),
    };
  }

  let got: { slack: any; teams: any };
  beforeAll(async () => {
    got = await failHostile();
  }, 120_000);

  it('sends Slack a text and blocks with no live mention or link, the reason shown escaped', () => {
    const texts: string[] = [
      got.slack.text,
      ...(got.slack.blocks as any[]).flatMap((b) => (b.text ? [b.text.text as string] : [])),
    ];
    for (const text of texts) for (const live of LIVE) expect(text).not.toMatch(live);
    for (const text of texts) expect(text).not.toMatch(/<[!@#]|<https?:/);
    const facts = texts.find((t) => t.includes('*Reason:*'))!;
    expect(facts).toContain(
      '*Reason:* &lt;!channel&gt; &lt;@U123ABC&gt; &lt;https://evil.example|Click to re-run&gt;',
    );
    expect(facts).toContain('*Rule:* &lt;!here&gt; SLACK [failed](https://evil.example)');
  });

  it("keeps Slack's log lines inside one code block no line can close, each line one line, its controls shown", () => {
    const code = (got.slack.blocks as any[])
      .map((b) => b.text?.text as string | undefined)
      .find((t) => t?.startsWith('```'))!;
    expect(code.endsWith('```')).toBe(true);
    const inside = code.slice(3, -3);
    expect(inside).not.toContain('`');
    expect(inside.split('\n').slice(-2)).toEqual([
      'step 1 ˋˋˋ &lt;!here&gt; **bold** [re-run](https://evil.example)',
      '\\x1b[31mred\\x1b[0m then⏎a second line',
    ]);
  });

  it('sets every Teams text of the job, its log and its rule as a TextRun, which Teams reads without markdown', () => {
    const card = got.teams.attachments[0].content as { body: any[] };
    for (const block of card.body) expect(block.type).toBe('RichTextBlock');
    const runs = card.body.flatMap((b) => b.inlines as any[]);
    for (const r of runs) expect(r.type).toBe('TextRun');
    const texts = runs.map((r) => r.text as string);
    expect(texts).toContain(HOSTILE);
    expect(texts).toContain('<!here> TEAMS [failed](https://evil.example)');
    expect(texts.slice(-2)).toEqual([LINES[0], '\\x1b[31mred\\x1b[0m then⏎a second line']);
  });
});
