import { statfs } from 'node:fs/promises';
import { freemem, totalmem } from 'node:os';
import { dirname } from 'node:path';
import { createInterface } from 'node:readline/promises';
import { UserError } from '../../agent/errors.ts';
import { catalogEntry } from './catalog.ts';
import { formatBytes } from './download-progress.ts';
import { ModelDownloadError } from './model-download-error.ts';

/** The machine's free memory and disk, behind an interface so tests can stage a short machine. */
export interface SystemProbe {
  freeMemoryBytes(): number;
  totalMemoryBytes(): number;
  /** Free bytes (for an unprivileged user) on the volume that holds `path` or its nearest existing parent. */
  freeDiskBytes(path: string): Promise<number>;
}

/** The real machine. */
export const nodeSystemProbe: SystemProbe = {
  freeMemoryBytes: () => freemem(),
  totalMemoryBytes: () => totalmem(),
  async freeDiskBytes(path) {
    for (let current = path; ; current = dirname(current)) {
      try {
        const stats = await statfs(current);
        return stats.bavail * stats.bsize;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'ENOENT' || dirname(current) === current) throw error;
      }
    }
  },
};

/** Room kept free on the disk beyond the file itself, for the sidecar and everything else on the volume. */
const DISK_MARGIN_BYTES = 100_000_000;

/** Refuses, before a byte is written, when the cache's volume cannot hold the file. */
export async function checkDiskSpace({ system, path, sizeBytes, approximate }: { system: SystemProbe; path: string; sizeBytes: number; approximate: boolean }): Promise<void> {
  const free = await system.freeDiskBytes(path);
  if (free >= sizeBytes + DISK_MARGIN_BYTES) return;
  throw new ModelDownloadError(
    `Not enough disk space: the model needs ${approximate ? 'about ' : ''}${formatBytes(sizeBytes)} and only ${formatBytes(free)} is free ` +
      `on the volume of ${path}. Free some space, or set GANTRY_HOME to a folder on a larger disk.`,
    { context: { free, sizeBytes } },
  );
}

/**
 * Warns (it never refuses: free memory changes from minute to minute) when the machine has less
 * free memory than the model needs, and points to the small model.
 */
export function warnIfShortOfMemory({ system, name, alias, minFreeRamBytes, stderr }: {
  system: SystemProbe;
  name: string;
  alias: string;
  minFreeRamBytes: number;
  stderr: NodeJS.WritableStream;
}): boolean {
  const free = system.freeMemoryBytes();
  if (free >= minFreeRamBytes) return false;
  const small = catalogEntry('local:small');
  const suggestion =
    alias !== 'local:small' && small
      ? ` Consider --model local:small (${small.name}, ${formatBytes(small.sizeBytes)}, needs about ${formatBytes(small.minFreeRamBytes)}).`
      : '';
  stderr.write(
    `Warning: ${name} needs about ${formatBytes(minFreeRamBytes)} of free memory; this machine has ${formatBytes(free)} free ` +
      `(${formatBytes(system.totalMemoryBytes())} in all), so it may run slowly or fail.${suggestion}\n`,
  );
  return true;
}

/**
 * Asks before a download: a yes/no question (default no) when stdin is a terminal; otherwise only
 * `yes` allows it, and its absence is a UserError that says to pass --yes.
 */
export async function confirmDownload({ yes, stdin, stderr, what, signal }: {
  yes: boolean;
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream;
  /** `Qwen3-0.6B (640 MB)`: what the refusal message names. */
  what: string;
  signal?: AbortSignal;
}): Promise<void> {
  if (yes) return;
  if (!stdin.isTTY) {
    throw new UserError(`Not downloading ${what}: pass --yes to download it (stdin is not a terminal, so Gantry cannot ask).`);
  }
  const lines = createInterface({ input: stdin, output: stderr, terminal: false });
  let answer: string;
  try {
    answer = await lines.question('Download it? [y/N] ', signal ? { signal } : {});
  } finally {
    lines.close();
  }
  if (!/^\s*y(es)?\s*$/i.test(answer)) throw new UserError(`Not downloading ${what}: the download was declined.`);
}
