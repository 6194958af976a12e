import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { SandboxPool } from '../../../src/tools/code-interpreter/sandbox-pool.ts';
import type { RunLimits } from '../../../src/tools/code-interpreter/protocol.ts';

const workerFile = fileURLToPath(new URL('../../fixtures/sandbox/fake-worker.ts', import.meta.url));
const limits: RunLimits = { timeoutMs: 300, memoryMb: 64, maxOutputChars: 1000 };
let pool: SandboxPool | undefined;

afterEach(async () => {
  await pool?.close();
  pool = undefined;
});

async function run(session: string, code: string, signal?: AbortSignal) {
  const outcome = await pool!.run({ session, code, language: 'javascript', limits, signal });
  return { ...outcome, value: outcome.json ? JSON.parse(outcome.json) : undefined };
}

describe('SandboxPool', () => {
  it('keeps a session on one worker and spreads new sessions across workers', async () => {
    pool = new SandboxPool({ workers: 2, workerFile, killGraceMs: 200 });
    const a1 = await run('a', 'x');
    const a2 = await run('a', 'y');
    const b = await run('b', 'z');
    expect(a1.value).toMatchObject({ existed: false });
    expect(a2.value).toMatchObject({ existed: true, pid: a1.value.pid });
    expect(b.value.pid).not.toBe(a1.value.pid);
    expect(a1.value.env).toBe(0);
    expect(pool.sessionCount).toBe(2);
  });

  it('survives a crashing worker: reports the crash, restarts, and marks the session reset', async () => {
    pool = new SandboxPool({ workers: 1, workerFile, killGraceMs: 200 });
    const before = await run('s', 'x');
    const crash = await run('s', 'crash');
    expect(crash.ok).toBe(false);
    expect(crash.error).toMatchObject({ kind: 'crash', message: expect.stringContaining('the sandbox process exited with code 3') });
    expect(crash.sessionReset).toBe(true);
    const after = await run('s', 'y');
    expect(after.ok).toBe(true);
    expect(after.value.pid).not.toBe(before.value.pid);
    expect(after.value.existed).toBe(false);
    expect(after.sessionReset).toBe(false);
  });

  it('names memory as the cause when the worker died of it', async () => {
    pool = new SandboxPool({ workers: 1, workerFile });
    const outcome = await run('s', 'oom');
    expect(outcome.error).toMatchObject({ kind: 'memory', message: expect.stringContaining('the sandbox process ran out of memory') });
  });

  it('kills a worker that does not answer past the time limit, then works again', async () => {
    pool = new SandboxPool({ workers: 1, workerFile, killGraceMs: 100 });
    const other = await run('other', 'x');
    const hung = await run('s', 'hang');
    expect(hung.error).toMatchObject({ kind: 'timeout', message: expect.stringContaining('exceeded the 300 ms time limit') });
    expect(hung.durationMs).toBeGreaterThanOrEqual(300);
    // Every session on the killed worker is reset, and says so on its next call.
    const otherAgain = await run('other', 'y');
    expect(otherAgain.sessionReset).toBe(true);
    expect(otherAgain.value.pid).not.toBe(other.value.pid);
  });

  it('kills a worker whose resident memory passes the cap', async () => {
    pool = new SandboxPool({ workers: 1, workerFile, maxWorkerMemoryMb: 200, killGraceMs: 10_000 });
    const outcome = await pool.run({ session: 's', code: 'balloon', language: 'javascript', limits: { ...limits, timeoutMs: 10_000 } });
    expect(outcome.error).toMatchObject({ kind: 'memory', message: expect.stringContaining('it passed its 200 MB cap') });
    expect(outcome.durationMs).toBeLessThan(10_000);
    expect((await run('s', 'x')).ok).toBe(true);
  });

  it('disposes sessions on request, by predicate, and when idle', async () => {
    pool = new SandboxPool({ workers: 1, workerFile, idleTimeoutMs: 1_500 });
    await run('run1/a', 'x');
    await run('run1/b', 'x');
    await run('run2/a', 'x');
    expect(await pool.dispose('run1/a')).toBe(true);
    expect(await pool.dispose('run1/a')).toBe(false);
    await pool.disposeWhere((session) => session.startsWith('run1/'));
    expect(pool.sessionCount).toBe(1);
    const [stats] = await pool.stats();
    expect(stats!.sessions).toBe(1);
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    expect(pool.sessionCount).toBe(0);
  });

  it('rejects with the abort reason when the signal aborts', async () => {
    pool = new SandboxPool({ workers: 1, workerFile, killGraceMs: 5_000 });
    const controller = new AbortController();
    setTimeout(() => controller.abort(new Error('stop')), 50);
    await expect(run('s', 'hang', controller.signal)).rejects.toThrow('stop');
  });
});
