/** A stream that may be a terminal. */
export type ProgressStream = NodeJS.WritableStream & { isTTY?: boolean; columns?: number };

export interface DownloadProgressOptions {
  stream: ProgressStream;
  /** The expected size in bytes, when the server said. */
  totalBytes?: number;
  /** The clock in milliseconds, injectable for tests. */
  now?: () => number;
}

const REDRAW_MS = 100;
const BAR_WIDTH = 24;

/**
 * The download's progress on stderr: on a terminal, one line redrawn in place (bar, bytes,
 * percent, speed, time left) at most ten times a second; elsewhere, a plain line at every tenth of
 * the file, so logs stay readable.
 */
export class DownloadProgress {
  readonly #stream: ProgressStream;
  readonly #total: number | undefined;
  readonly #now: () => number;
  readonly #started: number;
  #lastDraw = Number.NEGATIVE_INFINITY;
  #lastTenth = 0;
  #drawn = false;

  constructor(options: DownloadProgressOptions) {
    this.#stream = options.stream;
    this.#total = options.totalBytes && options.totalBytes > 0 ? options.totalBytes : undefined;
    this.#now = options.now ?? (() => performance.now());
    this.#started = this.#now();
  }

  /** Reports that `bytes` have arrived so far. */
  update(bytes: number, { force = false }: { force?: boolean } = {}): void {
    if (this.#stream.isTTY) {
      const now = this.#now();
      if (!force && now - this.#lastDraw < REDRAW_MS) return;
      this.#lastDraw = now;
      this.#stream.write(`\r\x1b[2K${this.#describe(bytes)}`);
      this.#drawn = true;
      return;
    }
    if (this.#total === undefined) return;
    const tenth = Math.floor((bytes / this.#total) * 10);
    if (tenth > this.#lastTenth && tenth < 10) {
      this.#lastTenth = tenth;
      this.#stream.write(`Downloaded ${tenth * 10}% (${formatBytes(bytes)} of ${formatBytes(this.#total)}).\n`);
    }
  }

  /** Draws the final state and ends the line, so what follows starts on a clean one. */
  finish(bytes: number): void {
    if (this.#stream.isTTY) {
      this.update(bytes, { force: true });
      this.#stream.write('\n');
      this.#drawn = false;
    }
  }

  /** Erases the line after a failure, so the error message is not glued to a half-drawn bar. */
  abandon(): void {
    if (this.#drawn) this.#stream.write('\r\x1b[2K');
    this.#drawn = false;
  }

  #describe(bytes: number): string {
    const seconds = Math.max((this.#now() - this.#started) / 1000, 0.001);
    const speed = bytes / seconds;
    const width = Math.max(20, (this.#stream.columns ?? 80) - 1);
    let line: string;
    if (this.#total === undefined) {
      line = `${formatBytes(bytes)}  ${formatBytes(speed)}/s`;
    } else {
      const fraction = Math.min(1, bytes / this.#total);
      const filled = Math.round(fraction * BAR_WIDTH);
      const eta = speed > 0 ? (this.#total - bytes) / speed : Number.POSITIVE_INFINITY;
      line =
        `[${'#'.repeat(filled)}${'·'.repeat(BAR_WIDTH - filled)}] ${formatBytes(bytes)} / ${formatBytes(this.#total)}` +
        `  ${Math.floor(fraction * 100)}%  ${formatBytes(speed)}/s  ETA ${formatDuration(eta)}`;
    }
    return line.length > width ? `${line.slice(0, width - 1)}…` : line;
  }
}

/** `2.5 GB`, `640 MB`, `12 kB`, `512 B` (decimal units, as Hugging Face shows sizes). */
export function formatBytes(bytes: number): string {
  const units = ['B', 'kB', 'MB', 'GB', 'TB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1000 && unit < units.length - 1) {
    value /= 1000;
    unit++;
  }
  const digits = unit === 0 || value >= 100 ? 0 : 1;
  return `${value.toFixed(digits)} ${units[unit]}`;
}

/** `1m 05s`, `42s`, `2h 03m`; `?` when unknown. */
export function formatDuration(seconds: number): string {
  if (!Number.isFinite(seconds)) return '?';
  const whole = Math.max(0, Math.round(seconds));
  if (whole < 60) return `${whole}s`;
  if (whole < 3600) return `${Math.floor(whole / 60)}m ${String(whole % 60).padStart(2, '0')}s`;
  return `${Math.floor(whole / 3600)}h ${String(Math.floor((whole % 3600) / 60)).padStart(2, '0')}m`;
}
