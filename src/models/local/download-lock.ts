import { readFileSync, renameSync, rmSync, statSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { setTimeout as sleep } from 'node:timers/promises';
import { isProcessAlive } from '../../memory/process-liveness.ts';

/** What a lock file holds, so a waiting process can tell who holds it and whether they are gone. */
interface LockOwner {
  pid: number;
  host: string;
  createdAt: string;
}

export interface DownloadLockOptions {
  /** The lock file (`FILE.lock`). */
  path: string;
  /** Called once, when another process holds the lock and this one starts to wait. */
  onWait?: (owner: { pid: number; host: string }) => void;
  signal?: AbortSignal;
  /** Time between two attempts while waiting, in milliseconds (default 250). */
  pollMs?: number;
  /** A lock not refreshed for this long is stale whoever holds it (default 10 minutes). */
  staleMs?: number;
  /** How often the holder refreshes the lock's modification time (default every minute). */
  heartbeatMs?: number;
}

/** A held lock. */
export interface DownloadLock {
  release(): void;
}

const DEFAULT_POLL_MS = 250;
const DEFAULT_STALE_MS = 10 * 60 * 1000;
const DEFAULT_HEARTBEAT_MS = 60 * 1000;

/**
 * Takes an exclusive lock shared by every process on the machine (and on machines sharing the
 * cache folder): a file created with `wx`, holding the owner's pid, host and start time. The
 * holder touches it every `heartbeatMs`, so a lock is stale when its owner is a dead process on
 * this host, or when nobody refreshed it for `staleMs` (an owner on another host, or a hung one).
 * Waits, polling, until the lock is free or stale.
 */
export async function acquireDownloadLock({ path, onWait, signal, pollMs = DEFAULT_POLL_MS, staleMs = DEFAULT_STALE_MS, heartbeatMs = DEFAULT_HEARTBEAT_MS }: DownloadLockOptions): Promise<DownloadLock> {
  let announced = false;
  for (;;) {
    signal?.throwIfAborted();
    if (tryCreate(path)) return holdLock({ path, heartbeatMs });
    const owner = readOwner(path);
    if (owner === 'gone') continue;
    if (isStale({ path, owner, staleMs })) {
      breakLock(path);
      continue;
    }
    if (!announced && owner) {
      announced = true;
      onWait?.(owner);
    }
    await sleep(pollMs, undefined, signal ? { signal } : {});
  }
}

function tryCreate(path: string): boolean {
  const owner: LockOwner = { pid: process.pid, host: hostname(), createdAt: new Date().toISOString() };
  try {
    writeFileSync(path, JSON.stringify(owner), { flag: 'wx' });
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw error;
  }
}

function holdLock({ path, heartbeatMs }: { path: string; heartbeatMs: number }): DownloadLock {
  const heartbeat = setInterval(() => {
    try {
      const now = new Date();
      utimesSync(path, now, now);
    } catch {
      // A lock someone broke cannot be refreshed; the download goes on and its rename is still atomic.
    }
  }, heartbeatMs);
  heartbeat.unref();
  let released = false;
  return {
    release() {
      if (released) return;
      released = true;
      clearInterval(heartbeat);
      rmSync(path, { force: true });
    },
  };
}

/** The owner, undefined when the file cannot be parsed (being written, or garbage), 'gone' when it vanished. */
function readOwner(path: string): LockOwner | undefined | 'gone' {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return 'gone';
    throw error;
  }
  try {
    const owner = JSON.parse(text) as LockOwner;
    return typeof owner.pid === 'number' && typeof owner.host === 'string' ? owner : undefined;
  } catch {
    return undefined;
  }
}

function isStale({ path, owner, staleMs }: { path: string; owner: LockOwner | undefined; staleMs: number }): boolean {
  if (owner && owner.host === hostname() && !isProcessAlive(owner.pid)) return true;
  try {
    return Date.now() - statSync(path).mtimeMs > staleMs;
  } catch {
    return false;
  }
}

/**
 * Moves a stale lock aside before deleting it: of several processes breaking the same lock, only
 * one rename succeeds, and the others go back to trying `wx`.
 */
function breakLock(path: string): void {
  const aside = `${path}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(path, aside);
  } catch {
    return;
  }
  rmSync(aside, { force: true });
}
