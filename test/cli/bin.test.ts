import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub } from '../../src/testing/index.ts';

/** The installed command: bin/gantry.js runs the compiled CLI (npm test builds it first). */
function runBin(args: string[], env: NodeJS.ProcessEnv = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/gantry.js', ...args], {
      env: { PATH: process.env.PATH, NO_COLOR: '1', GANTRY_HOME: process.env.GANTRY_HOME, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk) => (stdout += chunk));
    child.stderr.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

describe('bin/gantry.js', () => {
  beforeAll(() => {
    // Skipping would hide a broken build: `npm test` builds first, so dist/ must be there.
    if (!existsSync('dist/src/cli/bin.js')) throw new Error('dist/ is missing: run npm run build (npm test does) before these tests.');
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
