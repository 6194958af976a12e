/**
 * A single-consumer async queue: the loop pushes events (from concurrent tool calls too) and the
 * consumer iterates. `onStart` runs at the first `next()`, so nothing happens until someone reads;
 * when the consumer stops early, `onCancel` runs so the producer can abort.
 */
export class EventChannel<T> implements AsyncIterable<T> {
  #buffer: T[] = [];
  #waiting: ((result: IteratorResult<T>) => void) | undefined;
  #failWaiting: ((error: unknown) => void) | undefined;
  #closed = false;
  #error: { value: unknown } | undefined;
  #onStart: (() => void) | undefined;
  readonly #onCancel: () => void;

  constructor(callbacks: { onStart: () => void; onCancel: () => void }) {
    this.#onStart = callbacks.onStart;
    this.#onCancel = callbacks.onCancel;
  }

  push(value: T): void {
    if (this.#closed) return;
    if (this.#waiting) {
      const resolve = this.#waiting;
      this.#waiting = this.#failWaiting = undefined;
      resolve({ value, done: false });
    } else {
      this.#buffer.push(value);
    }
  }

  /** Ends the stream after the buffered values, with an error if given. */
  close(error?: { value: unknown }): void {
    if (this.#closed) return;
    this.#closed = true;
    this.#error = error;
    if (this.#waiting && this.#buffer.length === 0) {
      const resolve = this.#waiting;
      const reject = this.#failWaiting!;
      this.#waiting = this.#failWaiting = undefined;
      if (error) reject(error.value);
      else resolve({ value: undefined, done: true });
    }
  }

  [Symbol.asyncIterator](): AsyncIterator<T> {
    return {
      next: () => {
        if (this.#onStart) {
          const start = this.#onStart;
          this.#onStart = undefined;
          start();
        }
        if (this.#buffer.length > 0) return Promise.resolve({ value: this.#buffer.shift()!, done: false });
        if (this.#closed) {
          if (this.#error) {
            const { value } = this.#error;
            this.#error = undefined;
            return Promise.reject(value);
          }
          return Promise.resolve({ value: undefined, done: true });
        }
        return new Promise((resolve, reject) => {
          this.#waiting = resolve;
          this.#failWaiting = reject;
        });
      },
      return: () => {
        if (!this.#closed) this.#onCancel();
        this.#closed = true;
        this.#buffer = [];
        return Promise.resolve({ value: undefined, done: true });
      },
    };
  }
}
