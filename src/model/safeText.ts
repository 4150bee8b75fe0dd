/**
 * Text a job, a log or a rule carries (a job's name, a status reason, a queue's name, a rule's
 * name, a log line: text its owner or a caller wrote) made safe for where it is shown: the one
 * function every target calls (CONVENTIONS.md, "Whose, and what it may become").
 *
 * - Every target: C0 and C1 controls, DEL and the bidirectional overrides shown as escapes (`\x1b`,
 *   `\u202e`), so an ANSI or OSC sequence is text, not a colour, a title or a link; a line's own
 *   line breaks (`\n`, `\r\n`, `\r`, U+2028, U+2029) shown as `⏎`, so one line stays one line.
 *   A tab stays a tab.
 * - `slack` (mrkdwn): `&`, `<` and `>` escaped as Slack asks, so `<!channel>`, `<@U…>` and
 *   `<url|label>` are shown, not live.
 * - `slack-code` (inside a ``` block): the same, and each backtick shown as `ˋ` (U+02CB), so no
 *   text inside can close the block (Slack has no escape for a backtick).
 * - `teams`: nothing more; the cards set such text as a RichTextBlock's TextRun, which the
 *   Adaptive Card schema renders without markdown.
 * - `console`: nothing more; Preact sets it as text, never as HTML.
 *
 * `max` bounds the result in the target's characters (escapes included), cut with `…` and never
 * inside an escape or a surrogate pair. Imports nothing: the console bundles it too.
 */

/** Where a text is shown. */
export type TextTarget = 'slack' | 'slack-code' | 'teams' | 'console';

/** The most characters a field shows in chat, before its cut mark. */
export const TEXT_BOUNDS = Object.freeze({
  /** A job's name or ID, a queue's name, a rule's name, a state. */
  name: 256,
  /** A status reason (AWS Batch's statusReason is at most 1,024 characters). */
  reason: 1024,
  /** One log line. */
  logLine: 1024,
});

/** The cut mark. */
export const CUT = '…';
/** What a line break inside one line shows as. */
const LINE_BREAK = '⏎';

const BREAKS = /\r\n|[\n\r\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex -- the control characters are the point
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u200e\u200f\u202a-\u202e\u2066-\u2069]/g;

const escapeOf = (c: string): string => {
  const code = c.charCodeAt(0);
  return code <= 0xff
    ? `\\x${code.toString(16).padStart(2, '0')}`
    : `\\u${code.toString(16).padStart(4, '0')}`;
};

/** `text` with its controls shown as escapes and its line breaks as `⏎`: one line of visible text. */
export function visibleControls(text: string): string {
  return text.replace(BREAKS, LINE_BREAK).replace(CONTROLS, escapeOf);
}

const SLACK: Readonly<Record<string, string>> = { '&': '&amp;', '<': '&lt;', '>': '&gt;' };
const slackEscaped = (text: string) => text.replace(/[&<>]/g, (c) => SLACK[c]!);

/**
 * `text` cut to at most `max` characters, the last of them `…`: never inside a surrogate pair,
 * nor, for Slack, inside an `&…;` escape.
 */
export function bounded(text: string, max: number, target?: TextTarget): string {
  if (text.length <= max) return text;
  let cut = text.slice(0, Math.max(0, max - CUT.length));
  if (/[\ud800-\udbff]$/.test(cut)) cut = cut.slice(0, -1);
  if (target === 'slack' || target === 'slack-code') cut = cut.replace(/&[a-z]{0,3}$/, '');
  return cut + CUT;
}

/** `text` made safe to show on `target` (see the file's comment), at most `max` characters. */
export function safeText(text: string, target: TextTarget, max = Infinity): string {
  const visible = visibleControls(text);
  const shown =
    target === 'slack'
      ? slackEscaped(visible)
      : target === 'slack-code'
        ? slackEscaped(visible.replace(/`/g, 'ˋ'))
        : visible;
  return bounded(shown, max, target);
}
