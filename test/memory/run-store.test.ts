import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgentEvent } from '../../src/agent/events.ts';
import type { ModelReply, RunResult, StepRecord, ToolCallRecord } from '../../src/agent/records.ts';
import { openDatabase } from '../../src/memory/database.ts';
import { RunStore } from '../../src/memory/run-store.ts';

const stores: RunStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

function memoryStore(): RunStore {
  const store = new RunStore(openDatabase(':memory:'));
  stores.push(store);
  return store;
}

type EventBody = AgentEvent extends infer E ? (E extends AgentEvent ? Omit<E, 'runId' | 'time'> : never) : never;

function event(runId: string, body: EventBody): AgentEvent {
  return { ...body, runId, time: 0 } as AgentEvent;
}

const usage = { inputTokens: 10, outputTokens: 5, totalTokens: 15 };

const twoCalls: ModelReply = {
  text: '',
  toolCalls: [
    { id: 'a', name: 'add', argsText: '{"x":1}' },
    { id: 'b', name: 'add', argsText: '{not json' },
    { id: 'c', name: 'add', argsText: '' },
  ],
  usage,
  durationMs: 12,
};

function newRun(store: RunStore, runId = 'run-1', input = 'add things'): string {
  store.create({ runId, agent: '/agents/adder.ts', input, options: { model: 'openai:m', maxSteps: 5, price: { input: 1, output: 2 } } });
  return runId;
}

/** The id of a process that existed and is gone (started and reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '']);
  return child.pid!;
}

describe('RunStore: checkpoints', () => {
  it('saves a pending reply and its finished tool calls, with the args of their start events, skipping cancelled ones', () => {
    const store = memoryStore();
    const runId = newRun(store);
    const checkpoint = store.checkpointer(runId);
    checkpoint.record(event(runId, { type: 'run_start', schemaVersion: 1, input: 'add things', planner: 'tool-calling', tools: ['add'] }));
    checkpoint.record(event(runId, { type: 'step_start', step: 0 }));
    checkpoint.record(event(runId, { type: 'model_message', step: 0, reply: twoCalls }));
    expect(store.resumeState(runId)).toEqual({ steps: [], pending: { reply: twoCalls, toolCalls: [] } });

    // As the loop sends them: parsed arguments, {} for "", the raw text when it is not JSON.
    checkpoint.record(event(runId, { type: 'tool_call_start', step: 0, toolCallId: 'a', name: 'add', args: { x: 1 } }));
    checkpoint.record(event(runId, { type: 'tool_call_start', step: 0, toolCallId: 'b', name: 'add', args: '{not json' }));
    checkpoint.record(event(runId, { type: 'tool_call_start', step: 0, toolCallId: 'c', name: 'add', args: {} }));
    checkpoint.record(event(runId, { type: 'tool_call_end', step: 0, toolCallId: 'c', name: 'add', output: '0', durationMs: 1 }));
    checkpoint.record(event(runId, { type: 'tool_call_end', step: 0, toolCallId: 'b', name: 'add', error: 'invalid JSON', durationMs: 2 }));
    checkpoint.record(event(runId, { type: 'tool_call_end', step: 0, toolCallId: 'a', name: 'add', error: 'add failed: cancelled', cancelled: true, durationMs: 3 }));
    expect(store.resumeState(runId).pending?.toolCalls).toEqual([
      { id: 'b', name: 'add', args: '{not json', error: 'invalid JSON', durationMs: 2 },
      { id: 'c', name: 'add', args: {}, output: '0', durationMs: 1 },
    ]);
  });

  it('keeps a step whose calls were cut short pending, and saves a completed step in place of its pending rows', () => {
    const store = memoryStore();
    const runId = newRun(store);
    const checkpoint = store.checkpointer(runId);
    const finished: ToolCallRecord = { id: 'c', name: 'add', args: {}, output: '0', durationMs: 1 };
    const cancelled: ToolCallRecord = { id: 'a', name: 'add', args: { x: 1 }, error: 'cancelled', cancelled: true, durationMs: 3 };
    checkpoint.record(event(runId, { type: 'model_message', step: 0, reply: twoCalls }));
    checkpoint.record(event(runId, { type: 'tool_call_start', step: 0, toolCallId: 'c', name: 'add', args: {} }));
    checkpoint.record(event(runId, { type: 'tool_call_end', step: 0, toolCallId: 'c', name: 'add', output: '0', durationMs: 1 }));
    checkpoint.record(event(runId, { type: 'step_end', step: 0, record: { index: 0, reply: twoCalls, toolCalls: [cancelled, finished] } }));
    expect(store.resumeState(runId)).toEqual({ steps: [], pending: { reply: twoCalls, toolCalls: [finished] } });

    const step: StepRecord = { index: 0, reply: twoCalls, toolCalls: [{ ...cancelled, output: '1', error: undefined, cancelled: undefined }, finished] };
    const complete = JSON.parse(JSON.stringify(step)) as StepRecord;
    checkpoint.record(event(runId, { type: 'step_end', step: 0, record: complete }));
    expect(store.resumeState(runId)).toEqual({ steps: [complete] });
    expect(store.db.prepare('SELECT COUNT(*) AS n FROM run_tool_calls').get()).toEqual({ n: 0 });
    expect(store.get(runId)).toMatchObject({ status: 'running', steps: 1 });
  });

  it('records the answer when the final step ends, and the whole result at run_end', () => {
    const store = memoryStore();
    const runId = newRun(store);
    const checkpoint = store.checkpointer(runId);
    const reply: ModelReply = { text: 'It is 3.', toolCalls: [], usage, durationMs: 5 };
    const record: StepRecord = { index: 0, reply, toolCalls: [], final: 'It is 3.' };
    checkpoint.record(event(runId, { type: 'model_message', step: 0, reply }));
    checkpoint.record(event(runId, { type: 'step_end', step: 0, record }));
    // Killed now (during the tools' clean-up), the run has its answer and must not be resumed.
    expect(store.get(runId)).toMatchObject({ status: 'final', stopReason: 'final', output: 'It is 3.' });
    expect(() => store.claim(runId)).toThrow('Run run-1 already finished; its answer: It is 3.');

    const result: RunResult = { runId, output: 'It is 3.', stopReason: 'final', steps: [record], usage, durationMs: 9 };
    checkpoint.record(event(runId, { type: 'run_end', result }));
    expect(store.get(runId)).toEqual({
      id: runId,
      status: 'final',
      agent: '/agents/adder.ts',
      input: 'add things',
      steps: 1,
      createdAt: expect.any(String),
      updatedAt: expect.any(String),
      stopReason: 'final',
      options: { model: 'openai:m', maxSteps: 5, price: { input: 1, output: 2 } },
      output: 'It is 3.',
      usage,
      pid: process.pid,
      host: hostname(),
    });
  });

  it('saves a budget stop with its error, and such a run can be claimed again', () => {
    const store = memoryStore();
    const runId = newRun(store);
    const error = { name: 'BudgetExceededError', message: 'The run reached its limit of 5 steps.' };
    store.checkpointer(runId).record(event(runId, { type: 'run_end', result: { runId, output: '', stopReason: 'max_steps', steps: [], usage, error, durationMs: 1 } }));
    expect(store.get(runId)).toMatchObject({ status: 'max_steps', stopReason: 'max_steps', error });
    store.claim(runId);
    const claimed = store.get(runId);
    expect({ status: claimed.status, stopReason: claimed.stopReason, error: claimed.error, pid: claimed.pid }).toEqual({
      status: 'running', stopReason: undefined, error: undefined, pid: process.pid,
    });
  });

  it('refuses a tool call that is not in its step\'s saved reply, so the run stops rather than saving a wrong checkpoint', () => {
    const store = memoryStore();
    const runId = newRun(store);
    const record = () => store.checkpointer(runId).record(event(runId, { type: 'tool_call_end', step: 0, toolCallId: 'x', name: 'add', output: '1', durationMs: 1 }));
    expect(record).toThrow('tool call x of step 0 is not in the step\'s saved reply');
  });

  it('survives closing and reopening the database file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'gantry-run-store-'));
    try {
      const file = join(dir, 'gantry.db');
      const first = RunStore.open(file);
      const runId = newRun(first);
      first.checkpointer(runId).record(event(runId, { type: 'model_message', step: 0, reply: twoCalls }));
      first.close();
      const second = RunStore.open(file);
      stores.push(second);
      expect(second.resumeState(runId)).toEqual({ steps: [], pending: { reply: twoCalls, toolCalls: [] } });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('RunStore: finding runs', () => {
  it('finds a run by its id or a unique prefix of at least 4 characters', () => {
    const store = memoryStore();
    newRun(store, 'abcd1111-0000');
    newRun(store, 'abcd2222-0000');
    newRun(store, 'ffff3333-0000');
    expect(store.get('abcd1111-0000').id).toBe('abcd1111-0000');
    expect(store.get('abcd1').id).toBe('abcd1111-0000');
    expect(store.get('ffff').id).toBe('ffff3333-0000');
    expect(() => store.get('abcd')).toThrow(/^"abcd" matches more than one run; give more characters of the id:\n {2}abcd(1111|2222)-0000 \(running, .*\)\n {2}abcd(1111|2222)-0000/);
    expect(() => store.get('abc')).toThrow('No run has the id "abc". Give the full id or at least 4 of its first characters (see gantry runs list).');
    expect(() => store.get('0123')).toThrow('No saved run has an id starting with "0123". List the saved runs with: gantry runs list');
  });

  it('lists runs newest first with their steps, showing a running run whose process is gone as interrupted', () => {
    const store = memoryStore();
    newRun(store, 'old', 'first task');
    newRun(store, 'middle', 'second task');
    newRun(store, 'new', 'third task');
    const setRow = (id: string, createdAt: string, pid: number) =>
      store.db.prepare('UPDATE runs SET created_at = ?, pid = ? WHERE id = ?').run(createdAt, pid, id);
    setRow('old', '2025-01-01T00:00:00.000Z', deadPid());
    setRow('middle', '2025-01-02T00:00:00.000Z', process.pid);
    setRow('new', '2025-01-03T00:00:00.000Z', deadPid());
    const reply: ModelReply = { text: 'Done.', toolCalls: [], usage, durationMs: 1 };
    store.checkpointer('new').record(event('new', { type: 'step_end', step: 0, record: { index: 0, reply, toolCalls: [] } }));
    store.checkpointer('new').record(event('new', { type: 'run_end', result: { runId: 'new', output: '', stopReason: 'aborted', steps: [], usage, durationMs: 1 } }));

    expect(store.list({ limit: 10 })).toEqual([
      { id: 'new', status: 'aborted', agent: '/agents/adder.ts', input: 'third task', steps: 1, createdAt: '2025-01-03T00:00:00.000Z', updatedAt: expect.any(String), stopReason: 'aborted' },
      { id: 'middle', status: 'running', agent: '/agents/adder.ts', input: 'second task', steps: 0, createdAt: '2025-01-02T00:00:00.000Z', updatedAt: expect.any(String) },
      { id: 'old', status: 'interrupted', agent: '/agents/adder.ts', input: 'first task', steps: 0, createdAt: '2025-01-01T00:00:00.000Z', updatedAt: expect.any(String) },
    ]);
    expect(store.list({ limit: 1 }).map((run) => run.id)).toEqual(['new']);
  });

  it('keeps the session id of a run started in a session', () => {
    const store = memoryStore();
    store.create({ runId: 'r', agent: null, input: 'hi', options: {}, sessionId: 'trip' });
    expect(store.list({ limit: 1 })[0]).toMatchObject({ agent: null, sessionId: 'trip' });
  });
});

describe('RunStore: claiming a run to resume it', () => {
  it('refuses a run whose process is still alive on this host', () => {
    const store = memoryStore();
    const runId = newRun(store);
    store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(process.ppid, runId);
    expect(() => store.claim(runId)).toThrow(
      `Run run-1 is still running (process ${process.ppid}). Wait for it to end, or stop it (kill ${process.ppid}), then resume it.`,
    );
  });

  it('takes over an interrupted run', () => {
    const store = memoryStore();
    const runId = newRun(store);
    store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid(), runId);
    expect(store.get(runId).status).toBe('interrupted');
    store.claim(runId);
    expect(store.get(runId)).toMatchObject({ status: 'running', pid: process.pid, host: hostname() });
  });

  it('refuses an unknown run', () => {
    expect(() => memoryStore().claim('nope')).toThrow('No saved run has the id "nope". List the saved runs with: gantry runs list');
  });
});

describe('RunStore: deleting runs', () => {
  it('deletes a run with its checkpoints, but not one whose process is alive', () => {
    const store = memoryStore();
    const runId = newRun(store);
    store.checkpointer(runId).record(event(runId, { type: 'model_message', step: 0, reply: twoCalls }));
    store.checkpointer(runId).record(event(runId, { type: 'tool_call_end', step: 0, toolCallId: 'a', name: 'add', output: '1', durationMs: 1 }));
    store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(process.ppid, runId);
    expect(() => store.delete(runId)).toThrow(`Run run-1 is still running (process ${process.ppid}); stop it before deleting it.`);

    store.db.prepare('UPDATE runs SET pid = ? WHERE id = ?').run(deadPid(), runId);
    store.delete(runId);
    const count = (table: string) => (store.db.prepare(`SELECT COUNT(*) AS n FROM ${table}`).get() as { n: number }).n;
    expect([count('runs'), count('run_pending'), count('run_tool_calls')]).toEqual([0, 0, 0]);
    expect(() => store.delete(runId)).toThrow('No saved run has the id "run-1".');
  });

  it('prunes runs last saved before a date, keeping live ones and newer ones', () => {
    const store = memoryStore();
    for (const id of ['old-done', 'old-live', 'new-done']) newRun(store, id);
    const setRow = (id: string, updatedAt: string, pid: number) =>
      store.db.prepare('UPDATE runs SET updated_at = ?, pid = ? WHERE id = ?').run(updatedAt, pid, id);
    setRow('old-done', '2025-01-01T00:00:00.000Z', deadPid());
    setRow('old-live', '2025-01-01T00:00:00.000Z', process.pid);
    setRow('new-done', '2025-03-01T00:00:00.000Z', deadPid());
    expect(store.prune({ before: new Date('2025-02-01T00:00:00.000Z') })).toBe(1);
    expect(store.list({ limit: 10 }).map((run) => run.id).sort()).toEqual(['new-done', 'old-live']);
  });
});
