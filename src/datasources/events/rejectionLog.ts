/** How long one warn line stands for its queue and reason's further rejections (ms). */
const REJECTION_LOG_WINDOW_MS = 60_000;

/**
 * Rejected messages: each counted (`count`, the metrics), and written as at most one warn line
 * per queue and reason a window (REJECTION_LOG_WINDOW_MS), so that a flood of junk on a queue is
 * one line; the next line says how many were left unsaid. A line names the queue, the fixed
 * reason and the message ID, never the body (it may hold secrets). Bounded by the queues
 * configured times the reasons, both fixed in code.
 */
export class RejectionLog {
  readonly #last = new Map<string, { at: number; unsaid: number }>();

  constructor(
    /** A logger's warn. */
    private readonly warn: (fields: object, message: string) => void,
    private readonly count: (queue: string, reason: string) => void = () => undefined,
    private readonly now: () => number = Date.now,
    private readonly windowMs = REJECTION_LOG_WINDOW_MS,
  ) {}

  /** A message rejected on `queue` for `reason`: counted, and written unless its queue and reason were within the window. */
  readonly rejected = (queue: string, reason: string, messageId: string): void => {
    this.count(queue, reason);
    const key = `${queue}\n${reason}`;
    const now = this.now();
    const last = this.#last.get(key);
    if (last && now - last.at < this.windowMs) {
      last.unsaid += 1;
      return;
    }
    this.#last.set(key, { at: now, unsaid: 0 });
    this.warn(
      { queue, reason, messageId, unsaid: last?.unsaid ?? 0 },
      "job event queue: a message that is no provider's job event was rejected and deleted (one line a minute per queue and reason; unsaid: how many since the last)",
    );
  };
}
