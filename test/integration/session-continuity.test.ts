import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub } from '../../src/testing/index.ts';
import { assertBuilt, runBin } from '../cli/bin-harness.ts';


let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe('session continuity across separate processes', () => {
  beforeAll(() => {
    assertBuilt();
  });

  it('gantry chat --session continues the conversation and recalls a remembered fact in a new process', async () => {
    stub = await startOpenAIStub({
      replies: [
        { toolCalls: [{ id: 'r1', name: 'remember', arguments: '{"content":"The user\'s cat is called Miso.","kind":"fact","about":"pets"}' }] },
        { content: 'I will remember that your cat is Miso.' },
        { content: 'Your cat is called Miso.' },
      ],
    });
    const env = { GANTRY_HOME: mkdtempSync(join(tmpdir(), 'gantry-continuity-')), OPENAI_API_KEY: 'test' };
    const args = ['chat', '--session', 's1', '--memory', '--tools', 'calculator', '--model', 'openai:stub-model', '--base-url', stub.baseURL];

    const first = await runBin(args, { env, stdin: 'My cat is called Miso.\n' });
    expect(first).toMatchObject({ code: 0, stdout: 'I will remember that your cat is Miso.\n' });
    expect(stub.requests).toHaveLength(2);

    const second = await runBin(args, { env, stdin: 'What is the name of my cat?\n' });
    expect(second).toMatchObject({ code: 0, stdout: 'Your cat is called Miso.\n' });
    const messages = stub.requests[2]!.body.messages as { role: string; content: string; tool_calls?: { id: string }[]; tool_call_id?: string }[];
    expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user']);
    expect(messages[1]!.content).toBe('My cat is called Miso.');
    expect(messages[2]!.tool_calls?.[0]?.id).toBe('r1');
    expect(messages[3]).toMatchObject({ tool_call_id: 'r1', content: 'Saved fact #1 to long-term memory.' });
    expect(messages[4]!.content).toBe('I will remember that your cat is Miso.');
    expect(messages[5]!.content).toBe('What is the name of my cat?');
    // Recalled by the second process from the note the first one saved.
    expect(messages[0]!.content).toContain('- [fact about "pets"] The user\'s cat is called Miso.');
  });

  it('gantry run --session s1 continues across processes', gantryRunContinuesSession);
});

/** The `gantry run --session` twin of the chat test above. */
async function gantryRunContinuesSession(): Promise<void> {
  stub = await startOpenAIStub({
    replies: [
      { toolCalls: [{ id: 'r1', name: 'remember', arguments: '{"content":"The user\'s cat is called Miso.","kind":"fact","about":"pets"}' }] },
      { content: 'I will remember that your cat is Miso.' },
      { content: 'Your cat is called Miso.' },
    ],
  });
  const env = { GANTRY_HOME: mkdtempSync(join(tmpdir(), 'gantry-continuity-')), OPENAI_API_KEY: 'test' };
  const args = ['run', '--session', 's1', '--memory', '--tools', 'calculator', '--model', 'openai:stub-model', '--base-url', stub.baseURL];

  const first = await runBin([...args, '--input', 'My cat is called Miso.'], { env, stdin: '' });
  expect(first).toMatchObject({ code: 0, stdout: 'I will remember that your cat is Miso.\n' });

  const second = await runBin([...args, '--input', 'What is the name of my cat?'], { env, stdin: '' });
  expect(second).toMatchObject({ code: 0, stdout: 'Your cat is called Miso.\n' });
  const messages = stub.requests[2]!.body.messages as { role: string; content: string }[];
  expect(messages.map((message) => message.role)).toEqual(['system', 'user', 'assistant', 'tool', 'assistant', 'user']);
  expect(messages[1]!.content).toBe('My cat is called Miso.');
  expect(messages[4]!.content).toBe('I will remember that your cat is Miso.');
  expect(messages[0]!.content).toContain('- [fact about "pets"] The user\'s cat is called Miso.');
}
