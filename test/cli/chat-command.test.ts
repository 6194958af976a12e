import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub, type StubReplies } from '../../src/testing/index.ts';
import { SessionStore } from '../../src/memory/session-store.ts';
import { mainDatabasePath } from '../../src/memory/database.ts';
import { gantry } from './cli-harness.ts';

let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

async function serve(replies: StubReplies): Promise<string[]> {
  stub = await startOpenAIStub({ replies });
  return ['--model', 'openai:stub-model', '--base-url', stub.baseURL, '--tools', 'calculator'];
}

function home(): string {
  return mkdtempSync(join(tmpdir(), 'gantry-chat-'));
}

/** The role and text of every message of a recorded request. */
function conversationOf(index: number): { role: string; content: string }[] {
  return stub!.requests[index]!.body.messages.map((message: { role: string; content: unknown }) => ({
    role: message.role,
    content: typeof message.content === 'string' ? message.content : JSON.stringify(message.content),
  }));
}

describe('gantry chat', () => {
  it('answers one turn per piped line and sends the first turn with the second', async () => {
    const args = await serve([{ content: 'Nice to meet you, Ada.' }, { content: 'Your name is Ada.' }]);
    const chat = await gantry(['chat', ...args, '--session', 's1'], {
      stdin: 'My name is Ada.\nWhat is my name?\n',
      env: { GANTRY_HOME: home() },
    });
    expect(chat.code).toBe(0);
    expect(chat.stdout).toBe('Nice to meet you, Ada.\nYour name is Ada.\n');
    expect(chat.stderr).toContain('Session s1.');
    expect(stub!.requests).toHaveLength(2);
    expect(conversationOf(1).slice(1)).toEqual([
      { role: 'user', content: 'My name is Ada.' },
      { role: 'assistant', content: 'Nice to meet you, Ada.' },
      { role: 'user', content: 'What is my name?' },
    ]);
  });

  it('keeps tool calls with their results in the resent turn', async () => {
    const args = await serve([
      { toolCalls: [{ id: 'c1', name: 'calculator', arguments: '{"expression":"6*7"}' }] },
      { content: '42.' },
      { content: 'I computed 42.' },
    ]);
    const chat = await gantry(['chat', ...args, '--session', 'tools'], { stdin: 'six sevens?\nwhat did you compute?\n', env: { GANTRY_HOME: home() } });
    expect(chat.code).toBe(0);
    const roles = stub!.requests[2]!.body.messages.map((message: { role: string }) => message.role);
    expect(roles).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user']);
    expect(stub!.requests[2]!.body.messages[2].tool_calls[0].id).toBe('c1');
    expect(stub!.requests[2]!.body.messages[3]).toMatchObject({ tool_call_id: 'c1', content: '42' });
  });

  it('/reset forgets the conversation, /help lists the commands, /exit ends before later lines', async () => {
    const dir = home();
    const args = await serve([{ content: 'Noted: blue.' }, { content: 'I do not know your colour.' }]);
    const chat = await gantry(['chat', ...args, '--session', 'r1'], {
      stdin: 'My favourite colour is blue.\n/reset\n/help\nWhat is my favourite colour?\n/exit\nThis line is never read.\n',
      env: { GANTRY_HOME: dir },
    });
    expect(chat.code).toBe(0);
    expect(chat.stderr).toContain('Session r1 cleared');
    expect(chat.stderr).toContain('/reset   forget this session');
    expect(stub!.requests).toHaveLength(2);
    expect(conversationOf(1).slice(1)).toEqual([{ role: 'user', content: 'What is my favourite colour?' }]);
    const store = SessionStore.open(mainDatabasePath(dir));
    try {
      expect(store.load('r1').turns.map((turn) => [turn.input, turn.output])).toEqual([['What is my favourite colour?', 'I do not know your colour.']]);
    } finally {
      store.close();
    }
  });

  it('makes up a session id when none is given and says how to continue it', async () => {
    const args = await serve([{ content: 'Hello.' }]);
    const chat = await gantry(['chat', ...args], { stdin: 'hi\n', env: { GANTRY_HOME: home() } });
    expect(chat.code).toBe(0);
    expect(chat.stderr).toMatch(/New session (chat-\d{8}-\d{6}-[0-9a-f]{4}); continue it later with: gantry chat --session \1\n/);
  });

  it('rejects an invalid session id before calling the model', async () => {
    const args = await serve([]);
    const chat = await gantry(['chat', ...args, '--session', '../etc'], { stdin: 'hi\n', env: { GANTRY_HOME: home() } });
    expect(chat.code).toBe(2);
    expect(chat.stderr).toContain('Invalid session id "../etc"');
    expect(stub!.requests).toHaveLength(0);
  });

  it('with --memory, offers remember and recall and puts matching notes into the system prompt', async () => {
    const dir = home();
    const args = await serve([
      { toolCalls: [{ id: 'm1', name: 'remember', arguments: '{"content":"The user prefers answers in metric units.","kind":"feedback","about":"unit conversions"}' }] },
      { content: 'Noted.' },
      { content: '10 km is about 6.2 miles; in metric, 10 km.' },
    ]);
    const first = await gantry(['chat', ...args, '--session', 'm', '--memory', 'ada'], { stdin: 'Always use metric units.\n', env: { GANTRY_HOME: dir } });
    expect(first.code).toBe(0);
    expect(stub!.requests[0]!.body.tools.map((entry: { function: { name: string } }) => entry.function.name)).toEqual(['calculator', 'remember', 'recall']);
    const second = await gantry(['chat', ...args, '--session', 'other', '--memory', 'ada'], { stdin: 'How far is 10 km in units I like?\n', env: { GANTRY_HOME: dir } });
    expect(second.code).toBe(0);
    expect(conversationOf(2)[0]!.content).toContain('- [feedback about "unit conversions"] The user prefers answers in metric units.');
  });
});
