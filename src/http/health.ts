import { readdirSync, readFileSync } from 'node:fs';

/** Open file descriptors and the soft limit on them; null where the platform does not say (not Linux). */
export type FdReader = () => { open: number; softLimit: number } | null;

/** Linux: count /proc/self/fd, read "Max open files" from /proc/self/limits. Elsewhere: null (check skipped). */
const procFdReader: FdReader = () => {
  if (process.platform !== 'linux') return null;
  try {
    const open = readdirSync('/proc/self/fd').length;
    const line = readFileSync('/proc/self/limits', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('Max open files'));
    const soft = line?.slice('Max open files'.length).trim().split(/\s+/)[0];
    if (!soft || !/^\d+$/.test(soft)) return null; // "unlimited"
    return { open, softLimit: Number(soft) };
  } catch {
    return null;
  }
};

/** Share of the soft limit above which the process is unhealthy. */
const FD_UNHEALTHY_RATIO = 0.9;
/** How long an EMFILE/ENFILE keeps the process unhealthy, in ms. */
const FD_ERROR_WINDOW_MS = 60_000;

const FD_ERROR_CODES = new Set(['EMFILE', 'ENFILE']);

export type HealthState = { ok: true } | { ok: false; reason: string };

/**
 * Liveness that notices file-descriptor exhaustion: unhealthy while open fds are above 90 %
 * of the soft limit, or for a minute after an EMFILE/ENFILE was seen (at the limit every
 * upstream call fails while the event loop still answers). `readFds` and `now` are injectable.
 */
export class FdHealth {
  readFds: FdReader;
  now: () => number;
  #lastFdError: { at: number; code: string } | null = null;

  constructor(options: { readFds?: FdReader; now?: () => number } = {}) {
    this.readFds = options.readFds ?? procFdReader;
    this.now = options.now ?? Date.now;
  }

  /** Remember an EMFILE/ENFILE anywhere in `err`'s cause chain; other errors are ignored. */
  noteError(err: unknown): void {
    const code = fdErrorCode(err);
    if (code) this.#lastFdError = { at: this.now(), code };
  }

  check(): HealthState {
    const seen = this.#lastFdError;
    if (seen && this.now() - seen.at < FD_ERROR_WINDOW_MS) {
      return {
        ok: false,
        reason: `${seen.code} (out of file descriptors) seen ${Math.round((this.now() - seen.at) / 1000)} s ago`,
      };
    }
    const fds = this.readFds();
    if (fds && fds.softLimit > 0 && fds.open > fds.softLimit * FD_UNHEALTHY_RATIO) {
      return {
        ok: false,
        reason: `${fds.open} file descriptors open of a soft limit of ${fds.softLimit} (over ${FD_UNHEALTHY_RATIO * 100} %)`,
      };
    }
    return { ok: true };
  }
}

function fdErrorCode(err: unknown, depth = 0): string | null {
  if (depth > 5 || err === null || typeof err !== 'object') return null;
  const e = err as { code?: unknown; cause?: unknown; errors?: unknown };
  if (typeof e.code === 'string' && FD_ERROR_CODES.has(e.code)) return e.code;
  if (Array.isArray(e.errors)) {
    for (const inner of e.errors) {
      const code = fdErrorCode(inner, depth + 1);
      if (code) return code;
    }
  }
  return fdErrorCode(e.cause, depth + 1);
}
