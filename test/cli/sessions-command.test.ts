import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { HistoryTurn } from '../../src/agent/history.ts';
import type { StepRecord } from '../../src/agent/records.ts';
import { mainDatabasePath } from '../../src/memory/database.ts';
import { SessionStore } from '../../src/memory/session-store.ts';
import { startOpenAIStub } from '../../src/testing/index.ts';
import { gantry } from './cli-harness.ts';

let home: string;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'gantry-sessions-'));
  env = { GANTRY_HOME: home };
});

afterEach(() => {
  vi.useRealTimers();
  rmSync(home, { recursive: true, force: true });
});

const NO_USAGE = { inputTokens: 0, outputTokens: 0, totalTokens: 0 };

/** A step calling the calculator, then the final step. */
function calculatorSteps(answer: string): StepRecord[] {
  return [
    {
      index: 0,
      reply: { text: '', toolCalls: [{ id: 'c1', name: 'calculator', argsText: '{"expression":"6*7"}' }], usage: NO_USAGE, durationMs: 1 },
      toolCalls: [{ id: 'c1', name: 'calculator', args: { expression: '6*7' }, output: '42', durationMs: 1 }],
    },
    { index: 1, reply: { text: answer, toolCalls: [], usage: NO_USAGE, durationMs: 1 }, toolCalls: [], final: answer },
  ];
}

function turn(runId: string, input: string, output: string, steps: StepRecord[] = []): HistoryTurn {
  return { runId, input, output, steps, stopReason: 'final' };
}

/**
 * Stores turns at fixed local times (so the printed times do not depend on the time zone):
 * "trip" on 1 June 2025 at 14:03, 14:04 and 14:05 with its first two turns summarised, then
 * "quiz" at 15:00, which makes it the most recently used.
 */
function seed(): void {
  vi.useFakeTimers({ toFake: ['Date'] });
  const store = SessionStore.open(mainDatabasePath(home));
  try {
    vi.setSystemTime(new Date(2025, 5, 1, 14, 3));
    store.appendTurn('trip', turn('r1', 'My name is Ada.', 'Nice to meet you, Ada.'));
    vi.setSystemTime(new Date(2025, 5, 1, 14, 4));
    store.appendTurn('trip', turn('r2', 'What is six sevens?', 'It is 42.', calculatorSteps('It is 42.')));
    store.setSummary('trip', { summary: 'The user is Ada.\nShe asked for 6*7 (42).', throughSeq: 2 });
    vi.setSystemTime(new Date(2025, 5, 1, 14, 5));
    store.appendTurn('trip', { runId: 'r3', input: 'Plan a trip.', output: 'Day 1: Lyon.\nDay 2: Annecy.', steps: [], stopReason: 'max_steps' });
    vi.setSystemTime(new Date(2025, 5, 1, 15, 0));
    store.appendTurn('quiz', turn('r4', 'Capital of France?', 'Paris.'));
  } finally {
    store.close();
    vi.useRealTimers();
  }
}

describe('gantry sessions list', () => {
  it('says how to start a session when there is none, without creating a database', async () => {
    const list = await gantry(['sessions', 'list'], { env });
    expect(list).toEqual({ code: 0, stdout: 'No sessions. gantry chat --session ID starts one (gantry chat without --session makes up an id).\n', stderr: '' });
    expect(await gantry(['sessions', 'list', '--json'], { env })).toEqual({ code: 0, stdout: '[]\n', stderr: '' });
    expect(existsSync(mainDatabasePath(home))).toBe(false);
  });

  it('lists the sessions most recently used first, as a table and as JSON', async () => {
    seed();
    const list = await gantry(['sessions', 'list'], { env });
    expect(list).toEqual({
      code: 0,
      stdout: [
        'ID    TURNS  SUMMARY  CREATED           UPDATED',
        'quiz  1      no       2025-06-01 15:00  2025-06-01 15:00',
        'trip  3      yes      2025-06-01 14:03  2025-06-01 14:05',
        '',
      ].join('\n'),
      stderr: '',
    });
    const json = await gantry(['sessions', 'list', '--json'], { env });
    expect(JSON.parse(json.stdout)).toEqual([
      { id: 'quiz', turns: 1, hasSummary: false, createdAt: new Date(2025, 5, 1, 15, 0).getTime(), updatedAt: new Date(2025, 5, 1, 15, 0).getTime() },
      { id: 'trip', turns: 3, hasSummary: true, createdAt: new Date(2025, 5, 1, 14, 3).getTime(), updatedAt: new Date(2025, 5, 1, 14, 5).getTime() },
    ]);
  });
});

describe('gantry sessions show', () => {
  it('prints the summary and every turn, marking the summarised ones, with tool calls and stop reasons', async () => {
    seed();
    const show = await gantry(['sessions', 'show', 'trip'], { env });
    expect(show).toEqual({
      code: 0,
      stdout: [
        'Session trip: 3 turns, created 2025-06-01 14:03, updated 2025-06-01 14:05',
        'Summary of turns 1-2 (sent instead of them):',
        '  The user is Ada.',
        '  She asked for 6*7 (42).',
        'Turn 1 (final, summarised)',
        '  Input:  My name is Ada.',
        '  Answer: Nice to meet you, Ada.',
        'Turn 2 (final, summarised)',
        '  Input:  What is six sevens?',
        '  → calculator {"expression":"6*7"}',
        '  Answer: It is 42.',
        'Turn 3 (max_steps)',
        '  Input:  Plan a trip.',
        '  Answer: Day 1: Lyon.',
        '          Day 2: Annecy.',
        '',
      ].join('\n'),
      stderr: '',
    });
  });

  it('prints the documented JSON, with the number of steps of each turn', async () => {
    seed();
    const show = await gantry(['sessions', 'show', 'trip', '--json'], { env });
    expect(show.code).toBe(0);
    expect(JSON.parse(show.stdout)).toEqual({
      id: 'trip',
      createdAt: new Date(2025, 5, 1, 14, 3).getTime(),
      updatedAt: new Date(2025, 5, 1, 14, 5).getTime(),
      summary: 'The user is Ada.\nShe asked for 6*7 (42).',
      summarizedThrough: 2,
      turns: [
        { runId: 'r1', input: 'My name is Ada.', output: 'Nice to meet you, Ada.', stopReason: 'final', steps: 0 },
        { runId: 'r2', input: 'What is six sevens?', output: 'It is 42.', stopReason: 'final', steps: 2 },
        { runId: 'r3', input: 'Plan a trip.', output: 'Day 1: Lyon.\nDay 2: Annecy.', stopReason: 'max_steps', steps: 0 },
      ],
    });
  });

  it('shows a conversation gantry chat stored, tool calls included', async () => {
    const stub = await startOpenAIStub({
      replies: [{ toolCalls: [{ id: 'c1', name: 'calculator', arguments: '{"expression":"2^10"}' }] }, { content: '1024.' }],
    });
    try {
      const chat = await gantry(['chat', '--model', 'openai:stub-model', '--base-url', stub.baseURL, '--tools', 'calculator', '--session', 'math'], {
        stdin: 'Two to the tenth?\n',
        env,
      });
      expect(chat.code).toBe(0);
    } finally {
      await stub.close();
    }
    const show = await gantry(['sessions', 'show', 'math'], { env });
    expect(show.code).toBe(0);
    expect(show.stdout.split('\n').slice(1)).toEqual(['Turn 1 (final)', '  Input:  Two to the tenth?', '  → calculator {"expression":"2^10"}', '  Answer: 1024.', '']);
  });

  it('rejects an unknown session with a usage error that says how to list them', async () => {
    seed();
    const show = await gantry(['sessions', 'show', 'nope'], { env });
    expect(show).toEqual({ code: 2, stdout: '', stderr: `gantry: No session "nope" in ${mainDatabasePath(home)}; gantry sessions list shows the sessions there are.\n` });
  });
});

describe('gantry sessions delete', () => {
  it('deletes the session and keeps the others', async () => {
    seed();
    expect(await gantry(['sessions', 'delete', 'trip'], { env })).toEqual({ code: 0, stdout: 'Deleted session trip.\n', stderr: '' });
    const ids = JSON.parse((await gantry(['sessions', 'list', '--json'], { env })).stdout).map((session: { id: string }) => session.id);
    expect(ids).toEqual(['quiz']);
    expect((await gantry(['sessions', 'show', 'trip'], { env })).code).toBe(2);
  });

  it('rejects an unknown or malformed id with a usage error, with or without a database', async () => {
    const missing = `gantry: No session "trip" in ${mainDatabasePath(home)}; gantry sessions list shows the sessions there are.\n`;
    expect(await gantry(['sessions', 'delete', 'trip'], { env })).toEqual({ code: 2, stdout: '', stderr: missing });
    seed();
    expect(await gantry(['sessions', 'delete', 'trip'], { env })).toEqual({ code: 0, stdout: 'Deleted session trip.\n', stderr: '' });
    expect(await gantry(['sessions', 'delete', 'trip'], { env })).toEqual({ code: 2, stdout: '', stderr: missing });
    const malformed = await gantry(['sessions', 'delete', '../trip'], { env });
    expect(malformed.code).toBe(2);
    expect(malformed.stderr).toContain('Invalid session id "../trip"');
  });
});
