import { describe, expect, it } from 'vitest';
import { disabledForFailing, quietInput } from '../../console/src/ruleQuietData.ts';
import { quietOf } from '../../src/notifications/ruleInput.ts';
import { failingReason } from '../../src/notifications/ruleQuiet.ts';

/** What the API says of a rule input's window and mute: its values, or its BAD_USER_INPUT message. */
function apiSays(input: { groupWindowSeconds?: number; mutedUntil: string | null }) {
  try {
    return {
      ok: true,
      input: quietOf({
        name: 'r',
        on: ['FAILED'],
        target: { kind: 'SLACK', url: 'https://x' },
        ...input,
      }),
    };
  } catch (e) {
    return { ok: false, problem: (e as Error).message };
  }
}

describe("The console's rule quiet settings", () => {
  it.each(['0', '30', '60', '3600'])(
    'sends a chat rule’s window of %s s as the API keeps it',
    (text) => {
      const quiet = quietInput('SLACK', text, '');
      expect(quiet).toEqual({
        ok: true,
        input: { groupWindowSeconds: Number(text), mutedUntil: null },
      });
      if (quiet.ok) expect(apiSays(quiet.input)).toEqual(quiet);
    },
  );

  it.each([-1, 3601, 1.5])(
    'refuses a window of %s in the API’s words, as the API refuses it',
    (seconds) => {
      const quiet = quietInput('TEAMS', String(seconds), '');
      expect(quiet).toEqual(apiSays({ groupWindowSeconds: seconds, mutedUntil: null }));
      expect(quiet.ok).toBe(false);
    },
  );

  it('sends the API’s default window (30 s) for an empty field, and refuses one that is no number', () => {
    expect(quietInput('SLACK', '', '')).toEqual({
      ok: true,
      input: { groupWindowSeconds: 30, mutedUntil: null },
    });
    expect(quietInput('SLACK', 'soon', '')).toEqual({
      ok: false,
      problem: 'groupWindowSeconds is a whole number from 0 to 3600.',
    });
  });

  it('sends no window for a WEBHOOK rule, whatever the hidden field held', () => {
    expect(quietInput('WEBHOOK', '99999', '')).toEqual({ ok: true, input: { mutedUntil: null } });
  });

  it('reads "Mute until" as UTC and sends the API’s DateTime; empty is not muted', () => {
    expect(quietInput('SLACK', '60', '2099-01-02T03:04')).toEqual({
      ok: true,
      input: { groupWindowSeconds: 60, mutedUntil: '2099-01-02T03:04:00.000Z' },
    });
    expect(quietInput('SLACK', '60', '2099-01-02T03:04:05')).toMatchObject({
      input: { mutedUntil: '2099-01-02T03:04:05.000Z' },
    });
    expect(quietInput('SLACK', '60', 'not a time')).toEqual({
      ok: false,
      problem: 'mutedUntil is a date-time.',
    });
  });

  it('tells the outbox’s failure-span reason from every other reason a rule is disabled for', () => {
    expect(disabledForFailing(failingReason(5))).toBe(true);
    expect(disabledForFailing(failingReason(12))).toBe(true);
    for (const other of [
      null,
      'the target answered 410 Gone',
      'disabled by an update',
      `x ${failingReason(5)}`,
    ])
      expect(disabledForFailing(other)).toBe(false);
  });
});
