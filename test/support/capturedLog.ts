import { Writable } from 'node:stream';
import { pino, type Logger } from 'pino';

/** One line a captured logger wrote, parsed: its pino level (30 info, 40 warn, …) and message. */
export interface LogLine {
  level: number;
  msg: string;
}

/** A pino logger at `info` that keeps every line it writes, parsed, in `lines`. */
export function capturedLog(): { lines: LogLine[]; logger: Logger } {
  const lines: LogLine[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of chunk.toString().split('\n').filter(Boolean))
        lines.push(JSON.parse(line) as LogLine);
      done();
    },
  });
  return { lines, logger: pino({ level: 'info' }, stream) };
}
