import { describe, expect, it } from 'vitest';
import { bounded, safeText, TEXT_BOUNDS, visibleControls } from '../../src/model/safeText.ts';
import { slackMessage, teamsMessage, type WebhookBody } from '../../src/notifications/payload.ts';

// A job's, a log's or a rule's text made safe for its target (issue 100, items 2 and 7): the one
// function Slack's and Teams' messages and the console's log view call.

const HOSTILE = '<!channel> <@U123ABC> <https://evil.example|Click to re-run>';

describe('Text made safe for Slack', () => {
  it('escapes &, < and >, so mentions and labelled links are shown, not live', () => {
    expect(safeText(HOSTILE, 'slack')).toBe(
      '&lt;!channel&gt; &lt;@U123ABC&gt; &lt;https://evil.example|Click to re-run&gt;',
    );
    expect(safeText('R&D <!here> a > b', 'slack')).toBe('R&amp;D &lt;!here&gt; a &gt; b');
  });

  it('shows backticks in a code block as ˋ, so no line inside can close it', () => {
    const shown = safeText('done ``` <!channel> `x`', 'slack-code');
    expect(shown).toBe('done ˋˋˋ &lt;!channel&gt; ˋxˋ');
    expect(shown).not.toContain('`');
  });

  it('cuts a long text with … within its bound, never inside an escape', () => {
    const cut = safeText('<'.repeat(100), 'slack', 10);
    expect(cut).toBe('&lt;&lt;…');
    expect(cut.length).toBeLessThanOrEqual(10);
    for (let max = 2; max < 40; max++) {
      const text = safeText('a&b<c>d'.repeat(10), 'slack', max);
      expect(text.length).toBeLessThanOrEqual(max);
      expect(text.replace(/&(amp|lt|gt);/g, '')).not.toMatch(/&/);
    }
  });
});

describe('Text made safe for Teams', () => {
  it('keeps markdown as written (the cards set it as TextRuns, which read no markdown), bounded', () => {
    expect(safeText('[re-run](https://evil.example) **now** _x_ # y', 'teams')).toBe(
      '[re-run](https://evil.example) **now** _x_ # y',
    );
    expect(safeText('x'.repeat(2000), 'teams', TEXT_BOUNDS.reason)).toHaveLength(
      TEXT_BOUNDS.reason,
    );
    expect(safeText('x'.repeat(2000), 'teams', TEXT_BOUNDS.reason).endsWith('…')).toBe(true);
  });
});

describe('Controls in a line, on every target', () => {
  it('shows ANSI and OSC escapes, C0 and C1 controls and bidi overrides as escapes', () => {
    expect(visibleControls('\u001b[31mred\u001b[0m')).toBe('\\x1b[31mred\\x1b[0m');
    expect(visibleControls('\u001b]8;;https://evil.example\u0007link\u001b]8;;\u0007')).toBe(
      '\\x1b]8;;https://evil.example\\x07link\\x1b]8;;\\x07',
    );
    expect(visibleControls('a\u0000b\u009bc\u007fd\u202ee')).toBe('a\\x00b\\x9bc\\x7fd\\u202ee');
    expect(visibleControls('col1\tcol2')).toBe('col1\tcol2');
    for (const target of ['slack', 'slack-code', 'teams', 'console'] as const)
      expect(safeText('\u001b[31mx', target)).toBe('\\x1b[31mx');
  });

  it("keeps a line's own line breaks within the line, as ⏎", () => {
    expect(visibleControls('one\ntwo\r\nthree\rfour\u2028five')).toBe('one⏎two⏎three⏎four⏎five');
    expect(safeText('a\nb', 'console')).not.toMatch(/[\n\r]/);
  });

  it('never cuts a surrogate pair in two', () => {
    expect(bounded('ab😀cd', 4)).toBe('ab…');
    expect(bounded('abc', 3)).toBe('abc');
  });
});

const body = (over: Partial<WebhookBody['data']> = {}): WebhookBody => ({
  type: 'job.failed',
  timestamp: '2026-11-28T20:00:00.000Z',
  data: {
    rule: { id: 'r1', name: '<!here> *rule*' },
    job: {
      id: 'batch:us-east-1:j1',
      name: '<@U999> nightly',
      state: 'FAILED',
      provider: 'AWS_BATCH',
      statusMessage: HOSTILE,
    },
    transitions: [],
    consoleUrl: 'http://127.0.0.1/console/jobs/x',
    ...over,
  },
});

/** Every mrkdwn or plain text of a Slack message: its `text` and each block's. */
const slackTexts = (m: Record<string, any>): string[] => [
  m.text as string,
  ...(m.blocks as any[]).flatMap((b) => (b.text ? [b.text.text as string] : [])),
];

describe("A Slack message's texts", () => {
  it('hold no live mention or link from the job or the rule, and show them escaped', () => {
    const m = slackMessage(body()) as Record<string, any>;
    for (const text of slackTexts(m)) expect(text).not.toMatch(/<[!@#]|<https?:/);
    expect(m.text).toBe('&lt;@U999&gt; nightly is FAILED (AWS_BATCH)');
    expect(m.blocks[1].text.text).toContain(
      '*Reason:* &lt;!channel&gt; &lt;@U123ABC&gt; &lt;https://evil.example|Click to re-run&gt;',
    );
    expect(m.blocks[1].text.text).toContain('*Rule:* &lt;!here&gt; *rule*');
  });

  it('say why a stuck job waits, its first reason escaped as every text of a job is', () => {
    const waiting = {
      position: 3,
      reasons: [
        {
          code: 'QUEUE_BLOCKED',
          message: 'AWS Batch says the job blocks its queue: <!channel> no capacity.',
          evidence: ['statusReason: <!channel> no capacity'],
        },
      ],
    };
    const m = slackMessage(body({ waiting })) as Record<string, any>;
    expect(m.blocks[1].text.text).toContain(
      '*Why it waits:* QUEUE_BLOCKED: AWS Batch says the job blocks its queue: &lt;!channel&gt; no capacity.',
    );
    for (const text of slackTexts(m)) expect(text).not.toMatch(/<[!@#]/);
  });

  it('hold log lines in one code block that a line with ``` cannot close, within 3,000 characters', () => {
    const lines = [
      { at: 't1', message: 'ok ``` <!channel>\nsecond' },
      ...Array.from({ length: 20 }, (_, i) => ({ at: `t${i + 2}`, message: `${i}`.repeat(500) })),
    ];
    const m = slackMessage(body({ logLines: lines })) as Record<string, any>;
    const code = m.blocks[2].text.text as string;
    expect(code.length).toBeLessThanOrEqual(3000);
    expect(code.startsWith('```')).toBe(true);
    expect(code.endsWith('```')).toBe(true);
    expect(code.slice(3, -3)).not.toContain('`');
    // The newest lines kept; the older ones left out, marked.
    expect(code.slice(3).startsWith('…\n')).toBe(true);
    expect(code).toContain('19'.repeat(250));
    const one = slackMessage(body({ logLines: [lines[0]!] })) as Record<string, any>;
    expect(one.blocks[2].text.text).toBe('```ok ˋˋˋ &lt;!channel&gt;⏎second```');
  });
});

describe("A Teams card's texts", () => {
  it('are TextRuns (no markdown) of RichTextBlocks, never a TextBlock or a FactSet', () => {
    const logLines = [{ at: 't1', message: '[re-run](https://evil.example)\u001b[31m' }];
    const m = teamsMessage(body({ logLines })) as Record<string, any>;
    const card = m.attachments[0].content as { body: any[] };
    expect(card.body.map((b) => b.type as string)).toEqual(
      Array(card.body.length).fill('RichTextBlock'),
    );
    const runs = card.body.flatMap((b) => b.inlines as any[]);
    expect(runs.every((r) => r.type === 'TextRun')).toBe(true);
    const texts = runs.map((r) => r.text as string);
    expect(texts).toContain(HOSTILE);
    expect(texts).toContain('[re-run](https://evil.example)\\x1b[31m');
    expect(texts[0]).toBe('<@U999> nightly is FAILED (AWS_BATCH)');
  });
});
