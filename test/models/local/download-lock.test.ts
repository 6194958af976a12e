import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { acquireDownloadLock } from '../../../src/models/local/download-lock.ts';

let dir: string;
let path: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'gantry-lock-'));
  path = join(dir, 'm.gguf.lock');
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '']).pid!;
}

it('writes its owner into the lock and removes it on release', async () => {
  const lock = await acquireDownloadLock({ path });
  expect(JSON.parse(readFileSync(path, 'utf8'))).toEqual({ pid: process.pid, host: hostname(), createdAt: expect.any(String) });
  lock.release();
  expect(existsSync(path)).toBe(false);
});

it('breaks the lock of a dead process on this host, and of a lock nobody refreshed', async () => {
  writeFileSync(path, JSON.stringify({ pid: deadPid(), host: hostname(), createdAt: 'x' }));
  (await acquireDownloadLock({ path })).release();

  writeFileSync(path, JSON.stringify({ pid: 1, host: 'another-host', createdAt: 'x' }));
  const old = new Date(Date.now() - 60 * 60 * 1000);
  utimesSync(path, old, old);
  (await acquireDownloadLock({ path, staleMs: 10 * 60 * 1000 })).release();
});

it('waits for a live lock of another host, saying so once, until aborted', async () => {
  writeFileSync(path, JSON.stringify({ pid: 1, host: 'another-host', createdAt: 'x' }));
  const waits: unknown[] = [];
  const controller = new AbortController();
  const pending = acquireDownloadLock({ path, pollMs: 5, signal: controller.signal, onWait: (owner) => waits.push(owner) });
  await new Promise((resolve) => setTimeout(resolve, 30));
  controller.abort();
  await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
  expect(waits).toEqual([{ pid: 1, host: 'another-host', createdAt: 'x' }]);
  expect(JSON.parse(readFileSync(path, 'utf8')).host).toBe('another-host');
});
