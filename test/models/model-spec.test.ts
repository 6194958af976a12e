import { describe, expect, it } from 'vitest';
import { ChatOpenAI } from '@langchain/openai';
import { parseModelSpec, resolveModel, UserError } from '../../src/index.ts';
import { RecordingChatModel } from '../../src/models/recording-chat-model.ts';
import { ReplayChatModel } from '../../src/models/replay-chat-model.ts';

describe('model specs', () => {
  it('splits PROVIDER:MODEL at the first colon', () => {
    expect(parseModelSpec('openai:gpt-4.1-mini')).toEqual({ provider: 'openai', name: 'gpt-4.1-mini' });
    expect(parseModelSpec('openai:qwen2.5:7b')).toEqual({ provider: 'openai', name: 'qwen2.5:7b' });
    expect(parseModelSpec('OpenAI:x')).toEqual({ provider: 'openai', name: 'x' });
    expect(() => parseModelSpec('gpt-4o')).toThrow(UserError);
    expect(() => parseModelSpec('openai:')).toThrow('expected PROVIDER:MODEL');
  });

  it('has no default model', async () => {
    await expect(resolveModel({ env: {} })).rejects.toThrow(/^No model is configured\./);
  });

  it('reads GANTRY_MODEL, OPENAI_BASE_URL and OPENAI_API_KEY from the environment', async () => {
    const resolved = await resolveModel({ env: { GANTRY_MODEL: 'openai:llama3.1', OPENAI_BASE_URL: 'http://127.0.0.1:9/v1', OPENAI_API_KEY: 'sk-x' } });
    expect(resolved).toMatchObject({ spec: 'openai:llama3.1', provider: 'openai', name: 'llama3.1' });
    const model = resolved.model as ChatOpenAI;
    expect(model).toBeInstanceOf(ChatOpenAI);
    expect(model.model).toBe('llama3.1');
    expect(model.clientConfig.baseURL).toBe('http://127.0.0.1:9/v1');
    expect(model.apiKey).toBe('sk-x');
    expect(model.streaming).toBe(false);
  });

  it('lets a flag override the environment, and needs no key for a local server', async () => {
    const resolved = await resolveModel({ spec: 'openai:qwen', baseUrl: 'http://localhost:11434/v1', env: { GANTRY_MODEL: 'openai:other' } });
    expect(resolved.name).toBe('qwen');
    expect((resolved.model as ChatOpenAI).clientConfig.baseURL).toBe('http://localhost:11434/v1');
  });

  it('explains a missing key, a bad base URL and a missing provider package', async () => {
    await expect(resolveModel({ spec: 'openai:gpt-4.1', env: {} })).rejects.toThrow(/^OPENAI_API_KEY is not set\./);
    await expect(resolveModel({ spec: 'openai:gpt-4.1', baseUrl: 'localhost:8080', env: {} })).rejects.toThrow('Invalid base URL "localhost:8080"');
    await expect(resolveModel({ spec: 'anthropic:claude-sonnet-4-0', env: {} })).rejects.toThrow(/Install the provider's LangChain package \(for example npm install @langchain\/anthropic\)/);
    await expect(resolveModel({ spec: 'anthropic:claude', baseUrl: 'http://x', env: {} })).rejects.toThrow('--base-url applies to openai: models');
  });

  it('wraps the model for --record and resolves replay:FILE', async () => {
    const recording = await resolveModel({ spec: 'openai:x', baseUrl: 'http://127.0.0.1:9/v1', recordFile: '/tmp/never-written.jsonl', env: {} });
    expect(recording.model).toBeInstanceOf(RecordingChatModel);
    const replay = await resolveModel({ spec: 'replay:examples/recordings/math-demo.jsonl', env: {} });
    expect(replay.model).toBeInstanceOf(ReplayChatModel);
    await expect(resolveModel({ spec: 'replay:missing.jsonl', env: {} })).rejects.toThrow(UserError);
  });
});
