/**
 * A live process's stderr as a person reads it at a terminal. Not at a terminal (a test's pipe, a
 * container) live mode writes its own lines as JSON (src/cli/stderrLines.ts): each is turned back
 * into its text (a block, the start-up summary, into its lines). Plain lines stay as they are.
 */
export function stderrText(stderr: string): string {
  return stderr
    .split('\n')
    .map((line) => {
      if (!line.startsWith('{')) return line;
      try {
        const parsed = JSON.parse(line) as { msg?: unknown; lines?: unknown };
        if (Array.isArray(parsed.lines)) return parsed.lines.join('\n');
        return typeof parsed.msg === 'string' ? parsed.msg : line;
      } catch {
        return line;
      }
    })
    .join('\n');
}
