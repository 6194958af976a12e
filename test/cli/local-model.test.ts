import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { writeTinyLlamaGguf } from '../../src/testing/tiny-gguf.ts';
import { gantry } from './cli-harness.ts';

/** `gantry run --model llama:FILE`: the whole CLI path with a tiny GGUF written here (no real weights exist). */
let folder: string;
let scripted: string;
const env = { GANTRY_LLAMA_THREADS: '1' };

beforeAll(async () => {
  folder = mkdtempSync(join(tmpdir(), 'gantry-local-model-'));
  scripted = join(folder, 'scripted.gguf');
  await writeTinyLlamaGguf({ file: scripted, kind: 'scripted' });
});

afterAll(() => {
  rmSync(folder, { recursive: true, force: true });
});

describe('gantry run --model llama:FILE', () => {
  it('runs in-process: a native tool call, the tool result back in, and the answer out', async () => {
    const run = await gantry(['run', 'test/fixtures/agents/adder-agent.ts', '--model', `llama:${scripted}`, '--input', 'What is 2 + 3?', '--json', '--no-save'], { env });
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.output).toBe('The answer is 5.');
    expect(result.stopReason).toBe('final');
    expect(result.steps[0].toolCalls).toEqual([{ name: 'add', args: { a: 2, b: 3 }, output: '5' }]);
    expect(result.usage.estimated).toBeUndefined();
    expect(run.stderr).toMatch(/first prompt may take/i);
  }, 60_000);

  it('is a usage error to name a GGUF file that does not exist, and says what to do', async () => {
    const run = await gantry(['run', '--model', `llama:${join(folder, 'missing.gguf')}`, '--input', 'Hi'], { env });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('missing.gguf');
  });

  it('offers --model local when no model is configured', async () => {
    const run = await gantry(['run', '--input', 'Hi'], { env: { GANTRY_MODEL: '' } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('--model local');
  });
});
