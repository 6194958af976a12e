/** A stream that may be a terminal; `columns` is its width when it is one. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface ProgressLineOptions {
  stream: ProgressStream;
  /** Least time between two redraws, in milliseconds (default 100: about ten a second). */
  intervalMs?: number;
  /** The clock, injectable for tests. */
  now?: () => number;
}

const DEFAULT_INTERVAL_MS = 100;
const DEFAULT_COLUMNS = 80;

/**
 * One status line redrawn in place with `\r` on a terminal, at most every `intervalMs`, and erased
 * by `clear()` so the output that follows starts on a clean line. On anything but a terminal it
 * draws nothing, so logs and pipes never fill with carriage returns.
 */
export class ProgressLine {
  readonly #stream: ProgressStream;
  readonly #intervalMs: number;
  readonly #now: () => number;
  readonly #enabled: boolean;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #drawn = false;

  constructor(options: ProgressLineOptions) {
    this.#stream = options.stream;
    this.#intervalMs = options.intervalMs ?? DEFAULT_INTERVAL_MS;
    this.#now = options.now ?? (() => performance.now());
    this.#enabled = Boolean(options.stream.isTTY);
  }

  /** Shows `text` (cut to the terminal's width) unless the last redraw was too recent; `force` redraws anyway. */
  update(text: string, { force = false }: { force?: boolean } = {}): void {
    if (!this.#enabled) return;
    const now = this.#now();
    if (!force && now - this.#lastDraw < this.#intervalMs) return;
    this.#lastDraw = now;
    // One column is kept free: writing into the last one makes some terminals wrap the line.
    const width = Math.max(10, (this.#stream.columns ?? DEFAULT_COLUMNS) - 1);
    const line = text.length > width ? `${text.slice(0, width - 1)}…` : text;
    this.#stream.write(`\r\x1b[2K${line}`);
    this.#drawn = true;
  }

  /** Erases the line, if anything was drawn. */
  clear(): void {
    if (!this.#drawn) return;
    this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }
}

/** `[######··········]` for a fraction from 0 to 1. */
export function progressBar({ fraction, width = 20 }: { fraction: number; width?: number }): string {
  const filled = Math.round(Math.min(1, Math.max(0, fraction)) * width);
  return `[${'#'.repeat(filled)}${'·'.repeat(width - filled)}]`;
}
