import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SessionStore } from '../../src/memory/session-store.ts';
import { mainDatabasePath } from '../../src/memory/database.ts';
import { startOpenAIStub, type OpenAIStub, type StubReply, type StubRequestRecord } from '../../src/testing/index.ts';
import { gantry } from './cli-harness.ts';

/** `gantry run` with what issue 5 adds around the agent: --index, --session (and resume). */

const corpus = resolve('test/fixtures/corpus');
let stub: OpenAIStub;
let home: string;
let env: NodeJS.ProcessEnv;

type Message = { role: string; content: string | null };
const messagesOf = (request: StubRequestRecord) => request.body.messages as Message[];
const toolResults = (request: StubRequestRecord) => messagesOf(request).filter((message) => message.role === 'tool');

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'gantry-run-extras-'));
  env = { GANTRY_HOME: home };
});

afterEach(async () => {
  await stub?.close();
  rmSync(home, { recursive: true, force: true });
});

function model(): string[] {
  return ['--model', 'openai:stub-model', '--base-url', stub.baseURL];
}

describe('gantry run --index', () => {
  it('gives the librarian retrieval_search over the named index, and the run cites what it read', async () => {
    expect((await gantry(['index', 'add', 'corpus', corpus], { env })).code).toBe(0);
    stub = await startOpenAIStub({
      replies: (request): StubReply =>
        toolResults(request).length === 0
          ? { toolCalls: [{ id: 'q1', name: 'retrieval_search', arguments: '{"query":"required mandatory option","k":3}' }] }
          : { content: 'Use .requiredOption() [1].' },
    });
    const run = await gantry(['run', 'librarian', '--index', 'corpus', ...model(), '--input', 'How do I make an option mandatory?', '--json'], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.output).toBe('Use .requiredOption() [1].');

    const [first, second] = stub.requests;
    expect(first!.body.tools.map((entry: { function: { name: string } }) => entry.function.name)).toEqual(['retrieval_search']);
    expect(messagesOf(first!)[0]!.content).toContain('You answer questions from the user\'s documents');
    // The first passage the model is shown answers the question (two sections of commander's README do).
    const shown = toolResults(second!)[0]!.content!;
    expect(shown).toMatch(/\[1\] \S*commander-readme\.md › Commander\.js › Options › [^\n]* \(lines \d+-\d+\)/);
    expect(shown).toContain('Specify a required (mandatory) option');
    expect(shown).toContain('<<<untrusted-content id=');
    expect(result.sources[0]).toEqual({
      url: expect.stringMatching(/^file:\/\/\/.*commander-readme\.md#L\d+-\d+$/),
      title: expect.stringMatching(/^Commander\.js › Options › /),
    });
  });

  it('is a usage error (exit 2) to name an index that does not exist, before any model call', async () => {
    stub = await startOpenAIStub({ replies: [] });
    const run = await gantry(['run', 'librarian', '--index', 'nope', ...model(), '--input', 'Anything?'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/nope/);
    expect(stub.requests).toEqual([]);
  });
});

describe('gantry run --session with --resume', () => {
  it('replaces a stopped run\'s turn when the run is resumed, and does not show the run its own turn', async () => {
    stub = await startOpenAIStub({
      replies: (request): StubReply =>
        toolResults(request).length === 0
          ? { toolCalls: [{ id: 'c1', name: 'calculator', arguments: '{"expression":"6*7"}' }] }
          : { content: 'It is 42.' },
    });
    const first = await gantry(['run', ...model(), '--tools', 'calculator', '--session', 's1', '--max-steps', '1', '--input', 'Six sevens?', '--json'], { env });
    expect(first.code).toBe(1);
    const runId = JSON.parse(first.stdout).runId as string;
    const sessions = SessionStore.open(mainDatabasePath(home));
    try {
      expect(sessions.load('s1').turns.map((turn) => [turn.runId, turn.stopReason])).toEqual([[runId, 'max_steps']]);

      const resumed = await gantry(['run', '--resume', runId, '--max-steps', '5', '--json'], { env });
      expect(resumed.code).toBe(0);
      expect(JSON.parse(resumed.stdout).output).toBe('It is 42.');
      // One model call on resume, and the question appears once in it: the stopped turn is not history to itself.
      expect(stub.requests).toHaveLength(2);
      expect(messagesOf(stub.requests[1]!).filter((message) => message.content === 'Six sevens?')).toHaveLength(1);
      const turns = sessions.load('s1').turns;
      expect(turns.map((turn) => [turn.runId, turn.stopReason, turn.output, turn.steps.length])).toEqual([[runId, 'final', 'It is 42.', 2]]);
    } finally {
      sessions.close();
    }
  });
});
