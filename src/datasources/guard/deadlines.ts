/** A waiter's deadline: `expire` runs once it passes, unless the waiter was served first. */
export interface Deadline {
  at: number;
  done: boolean;
  expire(): void;
}

/**
 * The deadlines of one source's waiters. They all get the same budget, so they come due in the
 * order they were made: a FIFO with one timer for its head, instead of a timer (or an
 * `AbortSignal.timeout`) per job. Served waiters are dropped from the head as they settle.
 */
export class Deadlines {
  readonly #items: Deadline[] = [];
  #head = 0;
  #timer: NodeJS.Timeout | undefined;

  add(deadline: Deadline, ms: number): void {
    deadline.at = performance.now() + ms;
    this.#items.push(deadline);
    if (this.#timer === undefined) this.#arm(deadline.at);
  }

  /** The waiter was served: forget its deadline (at once when it is the oldest). */
  settle(deadline: Deadline): void {
    deadline.done = true;
    this.#dropServed();
  }

  #dropServed(): void {
    while (this.#head < this.#items.length && this.#items[this.#head]!.done) this.#head += 1;
    if (this.#head === this.#items.length) {
      this.#items.length = 0;
      this.#head = 0;
      clearTimeout(this.#timer);
      this.#timer = undefined;
    } else if (this.#head > 1024 && this.#head * 2 > this.#items.length) {
      this.#items.splice(0, this.#head);
      this.#head = 0;
    }
  }

  #arm(at: number): void {
    this.#timer = setTimeout(() => this.#fire(), Math.max(0, at - performance.now()));
  }

  #fire(): void {
    this.#timer = undefined;
    const now = performance.now();
    while (this.#head < this.#items.length) {
      const next = this.#items[this.#head]!;
      if (!next.done && next.at > now) break;
      this.#head += 1;
      if (!next.done) {
        next.done = true;
        next.expire();
      }
    }
    this.#dropServed();
    if (this.#head < this.#items.length && this.#timer === undefined)
      this.#arm(this.#items[this.#head]!.at);
  }
}
