import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import type { HistoryTurn } from '../../src/agent/history.ts';
import type { StepRecord } from '../../src/agent/records.ts';
import { SessionStore } from '../../src/memory/session-store.ts';

const stores: SessionStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

function openStore(file = join(mkdtempSync(join(tmpdir(), 'gantry-sessions-')), 'gantry.db')): { store: SessionStore; file: string } {
  const store = SessionStore.open(file);
  stores.push(store);
  return { store, file };
}

const toolStep: StepRecord = {
  index: 0,
  reply: { text: '', toolCalls: [{ id: 'c1', name: 'calculator', argsText: '{"expression":"6*7"}' }], usage: { inputTokens: 10, outputTokens: 5, totalTokens: 15 }, durationMs: 3 },
  toolCalls: [{ id: 'c1', name: 'calculator', args: { expression: '6*7' }, output: '42', durationMs: 1 }],
};
const finalStep: StepRecord = {
  index: 1,
  reply: { text: 'It is 42.', toolCalls: [], usage: { inputTokens: 20, outputTokens: 4, totalTokens: 24 }, finishReason: 'stop', durationMs: 2 },
  toolCalls: [],
  final: 'It is 42.',
};

function turn(n: number, steps: StepRecord[] = []): HistoryTurn {
  return { runId: `run-${n}`, input: `question ${n}`, steps, output: `answer ${n}`, stopReason: 'final' };
}

describe('SessionStore', () => {
  it('round-trips turns with their step records, in order', () => {
    const { store } = openStore();
    expect(store.load('s1')).toEqual({ turns: [], summarizedThrough: 0 });
    expect(store.appendTurn('s1', turn(1, [toolStep, finalStep]))).toBe(1);
    expect(store.appendTurn('s1', { runId: 'run-2', input: 'q', steps: [], output: '' })).toBe(2);
    expect(store.load('s1')).toEqual({
      turns: [turn(1, [toolStep, finalStep]), { runId: 'run-2', input: 'q', steps: [], output: '' }],
      summarizedThrough: 0,
    });
    expect(store.load('other').turns).toEqual([]);
  });

  it('replaces the turn of a run that is saved again (a resumed run), keeping its place', () => {
    const { store } = openStore();
    store.appendTurn('s1', { ...turn(1, [toolStep]), output: '', stopReason: 'max_steps' });
    store.appendTurn('s1', turn(2));
    expect(store.appendTurn('s1', turn(1, [toolStep, finalStep]))).toBe(1);
    expect(store.load('s1').turns).toEqual([turn(1, [toolStep, finalStep]), turn(2)]);
  });

  it('leaves summarised turns out of load and never moves the summary backwards', () => {
    const { store } = openStore();
    for (let n = 1; n <= 4; n++) store.appendTurn('s', turn(n));
    store.setSummary('s', { summary: 'Turns 1-3.', throughSeq: 3 });
    expect(store.load('s')).toEqual({ summary: 'Turns 1-3.', turns: [turn(4)], summarizedThrough: 3 });
    store.setSummary('s', { summary: 'A stale summary of turns 1-2.', throughSeq: 2 });
    expect(store.load('s').summary).toBe('Turns 1-3.');
    expect(() => store.setSummary('s', { summary: 'x', throughSeq: 9 })).toThrow('Session "s" has 4 turns; a summary cannot cover turn 9.');
  });

  it('reset forgets turns and summary, and numbering starts again', () => {
    const { store } = openStore();
    store.appendTurn('s', turn(1));
    store.appendTurn('s', turn(2));
    store.setSummary('s', { summary: 'one', throughSeq: 1 });
    store.reset('s');
    expect(store.load('s')).toEqual({ turns: [], summarizedThrough: 0 });
    expect(store.appendTurn('s', turn(3))).toBe(1);
    expect(store.load('s').turns).toEqual([turn(3)]);
  });

  it('lists sessions most recent first and deletes them', () => {
    const { store } = openStore();
    store.appendTurn('a', turn(1));
    store.appendTurn('b', turn(1));
    store.appendTurn('b', turn(2));
    store.setSummary('b', { summary: 'sum', throughSeq: 1 });
    const listed = store.list();
    expect(listed.map(({ id, turns, hasSummary }) => ({ id, turns, hasSummary }))).toEqual([
      { id: 'b', turns: 2, hasSummary: true },
      { id: 'a', turns: 1, hasSummary: false },
    ]);
    expect(store.delete('b')).toBe(true);
    expect(store.delete('b')).toBe(false);
    expect(store.list().map((session) => session.id)).toEqual(['a']);
    expect(store.load('b').turns).toEqual([]);
  });

  it('rejects session ids that are not plain names', () => {
    const { store } = openStore();
    for (const id of ['', '../x', '-lead', 'a b', 'x'.repeat(129)]) {
      expect(() => store.load(id)).toThrow(/^Invalid session id/);
    }
    expect(() => store.appendTurn('a/b', turn(1))).toThrowErrorMatchingInlineSnapshot(
      `[UserError: Invalid session id "a/b": use 1-128 letters, digits, "_", ".", ":" or "-", starting with a letter or digit.]`,
    );
    expect(store.appendTurn('Project_1.chat:2024-05', turn(1))).toBe(1);
  });

  it('survives a reopen, and two processes appending at once lose no turn', async () => {
    const { store, file } = openStore();
    store.appendTurn('shared', turn(0));
    const moduleUrl = pathToFileURL(resolve('src/memory/session-store.ts')).href;
    const script = `
      const { SessionStore } = await import(${JSON.stringify(moduleUrl)});
      const store = SessionStore.open(process.argv[1]);
      for (let n = 0; n < 25; n++) store.appendTurn('shared', { runId: process.argv[2] + n, input: 'q', steps: [], output: 'a' });
      store.close();`;
    const writer = (name: string) =>
      new Promise<number | null>((done, fail) => {
        const child = spawn(process.execPath, ['--input-type=module', '-e', script, file, name], { stdio: ['ignore', 'ignore', 'inherit'] });
        child.on('error', fail);
        child.on('close', done);
      });
    expect(await Promise.all([writer('p'), writer('q')])).toEqual([0, 0]);
    const turns = store.load('shared').turns;
    expect(turns).toHaveLength(51);
    expect(new Set(turns.map((entry) => entry.runId)).size).toBe(51);
    expect(turns.filter((entry) => entry.runId.startsWith('q')).map((entry) => entry.runId)).toEqual(Array.from({ length: 25 }, (_, n) => `q${n}`));
  });
});
