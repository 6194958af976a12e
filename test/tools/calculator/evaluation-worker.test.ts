import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ToolError } from '../../../src/agent/errors.ts';
import { EvaluationWorker, type EvaluateInWorkerOptions } from '../../../src/tools/calculator/evaluation-worker.ts';

/** Takes about 10 s on a 2-core machine (a 200 × 200 BigNumber determinant), far beyond any limit used here. */
const SLOW = 'det(ones(200, 200) + identity(200))';

const TIMED_OUT = (ms: number) =>
  `Evaluation exceeded the ${ms} ms time limit and was stopped. ` +
  'Simplify the expression: smaller numbers, matrices or ranges, or fewer steps per call.';

/** Shared by the tests, each of which starts with a running process (so timings measure evaluation). */
const worker = new EvaluationWorker({ precision: 64 });

function run(expression: string, options: Partial<EvaluateInWorkerOptions> = {}, on = worker) {
  return on.evaluate({ expression, precision: 64, timeoutMs: 2000, ...options });
}

async function warmUp(on = worker): Promise<void> {
  expect(await run('1 + 1', {}, on)).toEqual({ ok: true, result: '2', type: 'BigNumber' });
}

beforeAll(() => warmUp());
afterAll(() => worker.close());

describe('EvaluationWorker', () => {
  it('kills an expression that exceeds its time limit without blocking the host, then starts afresh', async () => {
    let ticks = 0;
    const ticker = setInterval(() => ticks++, 10);
    const started = performance.now();
    const evaluation = await run(SLOW, { timeoutMs: 200 });
    clearInterval(ticker);

    expect(evaluation).toEqual({ ok: false, error: TIMED_OUT(200) });
    expect(performance.now() - started).toBeLessThan(2000);
    // The host's timers kept firing while the expression ran.
    expect(ticks).toBeGreaterThan(5);
    expect(await run('2^10')).toEqual({ ok: true, result: '1024', type: 'BigNumber' });
  });

  it('contains an expression that runs out of memory; the host survives and the next call works', async () => {
    // A small heap runs out in well under a second; the default 256 MB takes about two.
    const small = new EvaluationWorker({ precision: 64, memoryLimitMb: 32 });
    await warmUp(small);
    expect(await run('zeros(1e8)', { timeoutMs: 30_000 }, small)).toEqual({
      ok: false,
      error:
        'Evaluation ran out of memory (the calculator allows 32 MB) and was stopped: ' +
        'a value in the expression is too large. Use smaller matrices or ranges.',
    });
    expect(await run('5 km to mile', {}, small)).toEqual({ ok: true, result: '3.1068559611866698481 mile', type: 'Unit' });
    await small.close();
  });

  it('stops a running evaluation when its signal aborts', async () => {
    await warmUp();
    const controller = new AbortController();
    const started = performance.now();
    setTimeout(() => controller.abort(), 100);

    await expect(run(SLOW, { timeoutMs: 30_000, signal: controller.signal })).rejects.toMatchObject({
      name: 'AbortError',
    });
    expect(performance.now() - started).toBeLessThan(2000);
    expect(await run('det([1, 2; 3, 4])')).toEqual({ ok: true, result: '-2', type: 'BigNumber' });
  });

  it('rejects with the abort reason, at once when the signal is already aborted', async () => {
    const reason = new Error('run cancelled');
    await expect(run('1 + 1', { signal: AbortSignal.abort(reason) })).rejects.toBe(reason);
  });

  it('runs calls one at a time in order, and drops a queued call whose signal aborts', async () => {
    await warmUp();
    const controller = new AbortController();
    const slow = run(SLOW, { timeoutMs: 300 });
    const dropped = run('1 + 1', { signal: controller.signal });
    const queued = ['1 + 2', '2 * 3', '0.1 + 0.2'].map((expression) => run(expression));
    controller.abort();

    await expect(dropped).rejects.toMatchObject({ name: 'AbortError' });
    expect(await slow).toEqual({ ok: false, error: TIMED_OUT(300) });
    expect((await Promise.all(queued)).map((evaluation) => evaluation.ok && evaluation.result)).toEqual(['3', '6', '0.3']);
  });

  it('rejects pending calls with a ToolError when closed', async () => {
    await warmUp();
    const pending = Promise.allSettled([run(SLOW, { timeoutMs: 30_000 }), run('1 + 1')]);
    await worker.close();

    const closed = new ToolError('The calculator was closed before it evaluated the expression.');
    expect(await pending).toEqual([
      { status: 'rejected', reason: closed },
      { status: 'rejected', reason: closed },
    ]);
    expect(await run('3 * 3')).toEqual({ ok: true, result: '9', type: 'BigNumber' });
  });
});
