import { beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub } from '../../src/testing/index.ts';
import { assertBuilt, runBin } from './bin-harness.ts';

describe('bin/gantry.js', () => {
  beforeAll(() => {
    assertBuilt();
  });

  it('exits 2 without a model and 0 after a final answer, then ends the process', async () => {
    const missing = await runBin(['run', '--input', 'hi']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('No model is configured.');

    const stub = await startOpenAIStub({
      replies: [{ toolCalls: [{ name: 'calculator', arguments: '{"expression":"6*7"}' }] }, { content: 'Answer: 42' }],
    });
    try {
      const run = await runBin(['run', 'math', '--model', 'openai:stub-model', '--base-url', stub.baseURL, '--input', 'six sevens?']);
      expect(run).toMatchObject({ code: 0, stdout: 'Answer: 42\n' });
      expect(run.stderr).toContain('← 42');
    } finally {
      await stub.close();
    }
  });

  it('runs the code interpreter from the compiled worker', async () => {
    const run = await runBin(['tools', 'call', 'code_interpreter', '--args', '{"code":"const n: number = 6;\\nconsole.log(n);\\nn * 7"}']);
    expect(run).toMatchObject({ code: 0, stderr: '' });
    expect(run.stdout).toMatch(/^result: 42\nstdout:\n6\nduration: \d+ ms\n$/);
  });

  it('prints its version', async () => {
    const run = await runBin(['--version']);
    expect(run.code).toBe(0);
    expect(run.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });
});
