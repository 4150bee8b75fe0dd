/** Levels as pino numbers them, so a JSON line here reads like the log's own. */
const LEVELS = { info: 30, warn: 40, error: 50 } as const;

/**
 * Where live mode's own lines go besides the log (the start-up summary, the shutdown's steps):
 * stderr, as plain text at a terminal, and otherwise — a container, a service manager, a pipe,
 * where stdout's JSON log lines and stderr end up in one stream — as one JSON line each, shaped
 * like the log's (`level`, `time`, `service`, `msg`), so that every line a collector reads parses.
 */
export interface StderrLines {
  /** One line: `message` (and, as JSON, `fields` beside it). */
  say(message: string, level?: keyof typeof LEVELS, fields?: Record<string, unknown>): void;
  /** A block of lines under `title` (the start-up summary): as JSON, one line with them in `lines`. */
  block(title: string, lines: readonly string[]): void;
}

/** Lines to `write` (default stderr), as JSON unless `json` is false (default: unless stderr is a terminal). */
export function stderrLines(
  json = process.stderr.isTTY !== true,
  write: (text: string) => void = (text) => void process.stderr.write(text),
  now: () => Date = () => new Date(),
): StderrLines {
  const line = (level: keyof typeof LEVELS, msg: string, fields: Record<string, unknown>) =>
    write(
      `${JSON.stringify({ level: LEVELS[level], time: now().toISOString(), service: 'jobgraph', ...fields, msg })}\n`,
    );
  return {
    say(message, level = 'info', fields = {}) {
      if (json) line(level, message, fields);
      else write(`${message}\n`);
    },
    block(title, lines) {
      if (json) line('info', title, { lines });
      else write(`${lines.join('\n')}\n`);
    },
  };
}
