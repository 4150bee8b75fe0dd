import { describe, expect, it } from 'vitest';
import { stderrLines } from '../../src/cli/stderrLines.ts';
import { stderrText } from '../support/stderrText.ts';

const at = () => new Date(Date.UTC(2026, 10, 26, 12, 0, 0));

describe("Live mode's own lines on stderr", () => {
  it('are plain text at a terminal', () => {
    let out = '';
    const lines = stderrLines(false, (text) => (out += text), at);
    lines.say('SIGTERM: draining in-flight requests and stopping…');
    lines.block('start-up summary', ['jobgraph live mode — start-up summary', '  auth  HS256']);
    expect(out).toBe(
      'SIGTERM: draining in-flight requests and stopping…\njobgraph live mode — start-up summary\n  auth  HS256\n',
    );
  });

  it('are one JSON line each elsewhere, shaped like the log’s, and read back as the same text', () => {
    let out = '';
    const lines = stderrLines(true, (text) => (out += text), at);
    lines.say('shutdown failed: "closed"', 'error');
    lines.block('start-up summary', ['jobgraph live mode — start-up summary', '  auth  HS256']);
    const parsed = out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(parsed).toEqual([
      {
        level: 50,
        time: '2026-11-26T12:00:00.000Z',
        service: 'jobgraph',
        msg: 'shutdown failed: "closed"',
      },
      {
        level: 30,
        time: '2026-11-26T12:00:00.000Z',
        service: 'jobgraph',
        lines: ['jobgraph live mode — start-up summary', '  auth  HS256'],
        msg: 'start-up summary',
      },
    ]);
    expect(stderrText(out)).toBe(
      'shutdown failed: "closed"\njobgraph live mode — start-up summary\n  auth  HS256\n',
    );
  });
});
