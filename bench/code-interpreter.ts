/**
 * Latency, throughput and memory of the code interpreter, through the tool itself (the same path
 * an agent's call takes: validation aside, tool → pool → worker process → isolate and back).
 *
 *   node bench/code-interpreter.ts [--warm 500] [--sessions 50] [--calls 20] [--json]
 *
 * Prints: warm call latency in an existing session (p50, p99), new-session latency (p50, p99),
 * throughput with N concurrent sessions (calls/s and failures), and memory per session (isolate
 * heap, and worker RSS growth divided by sessions). Nothing here asserts on time.
 */
import { parseArgs } from 'node:util';
import { createCodeInterpreter } from '../src/index.ts';
import type { ToolFailure } from '../src/tools/tool.ts';

const { values } = parseArgs({
  options: {
    warm: { type: 'string', default: '500' },
    sessions: { type: 'string', default: '50' },
    calls: { type: 'string', default: '20' },
    json: { type: 'boolean', default: false },
  },
});
const warmCalls = Number(values.warm);
const sessions = Number(values.sessions);
const callsPerSession = Number(values.calls);

const interpreter = createCodeInterpreter();
const options = (runId: string) => ({ toolCallId: 'bench', runId, signal: new AbortController().signal, context: undefined });

async function call(code: string, session: string, runId = 'bench'): Promise<{ ms: number; ok: boolean; output: string }> {
  const started = performance.now();
  const output = (await interpreter.execute({ code, session, language: 'javascript' }, options(runId))) as string | ToolFailure;
  const ms = performance.now() - started;
  return typeof output === 'string' ? { ms, ok: true, output } : { ms, ok: false, output: output.error };
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

function expectOk(result: { ok: boolean; output: string }, what: string): void {
  if (!result.ok) throw new Error(`${what} failed: ${result.output}`);
}

// Warm calls: one session, after it exists and has run a few times.
await call('let total = 0', 'warm');
for (let i = 0; i < 20; i++) await call('total += 1', 'warm');
const warm: number[] = [];
for (let i = 0; i < warmCalls; i++) {
  const result = await call('total += 1; total * 2', 'warm');
  expectOk(result, 'a warm call');
  warm.push(result.ms);
}

// New sessions: the first call in a fresh session creates its isolate.
const fresh: number[] = [];
for (let i = 0; i < 100; i++) {
  const result = await call('1 + 1', `fresh-${i}`);
  expectOk(result, 'a new-session call');
  fresh.push(result.ms);
}
await interpreter.onRunEnd!('bench');

// Throughput: N sessions at once, each running a small loop of computations.
const statsBefore = await interpreter.pool.stats();
const rssBefore = statsBefore.reduce((sum, worker) => sum + worker.rssBytes, 0);
let failures = 0;
const started = performance.now();
await Promise.all(
  Array.from({ length: sessions }, async (_, index) => {
    const session = `concurrent-${index}`;
    for (let i = 0; i < callsPerSession; i++) {
      const result = await call(`globalThis.acc = (globalThis.acc ?? 0) + ${i}; let squares${i % 3} = Array.from({ length: 100 }, (_, k) => k * k); acc`, session, 'throughput');
      if (!result.ok) failures++;
    }
  }),
);
const seconds = (performance.now() - started) / 1000;
const stats = await interpreter.pool.stats();
const sessionHeaps = stats.flatMap((worker) => Object.values(worker.sessionHeapBytes));
const rssAfter = stats.reduce((sum, worker) => sum + worker.rssBytes, 0);
const liveSessions = stats.reduce((sum, worker) => sum + worker.sessions, 0);
await interpreter.close();

const figures = {
  warmCall: { calls: warmCalls, p50Ms: percentile(warm, 50), p99Ms: percentile(warm, 99) },
  newSession: { sessions: fresh.length, p50Ms: percentile(fresh, 50), p99Ms: percentile(fresh, 99) },
  concurrent: { sessions, callsPerSession, callsPerSecond: (sessions * callsPerSession) / seconds, failures, seconds },
  memory: {
    liveSessions,
    isolateHeapPerSessionMb: sessionHeaps.reduce((sum, bytes) => sum + bytes, 0) / Math.max(1, sessionHeaps.length) / 2 ** 20,
    workerRssGrowthPerSessionMb: (rssAfter - rssBefore) / Math.max(1, liveSessions) / 2 ** 20,
  },
};

if (values.json) {
  console.log(JSON.stringify(figures, null, 2));
} else {
  const ms = (value: number) => `${value.toFixed(2)} ms`;
  console.log(`Code interpreter, Node ${process.version}, ${figures.concurrent.sessions} concurrent sessions.`);
  console.log(`warm call (existing session, ${warmCalls} calls):  p50 ${ms(figures.warmCall.p50Ms)}  p99 ${ms(figures.warmCall.p99Ms)}`);
  console.log(`new session (first call, ${fresh.length} sessions):    p50 ${ms(figures.newSession.p50Ms)}  p99 ${ms(figures.newSession.p99Ms)}`);
  console.log(
    `${sessions} concurrent sessions x ${callsPerSession} calls: ${figures.concurrent.callsPerSecond.toFixed(0)} calls/s, ` +
      `${failures} failures, ${seconds.toFixed(2)} s`,
  );
  console.log(
    `memory per session: isolate heap ${figures.memory.isolateHeapPerSessionMb.toFixed(2)} MB, ` +
      `worker RSS growth ${figures.memory.workerRssGrowthPerSessionMb.toFixed(2)} MB (${liveSessions} live sessions)`,
  );
}
