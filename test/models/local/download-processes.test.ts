import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, expect, it, vi } from 'vitest';
import { startHfStub, type HfStub } from './hf-stub-server.ts';

const NODE = join(process.cwd(), 'node_modules', '.bin', 'node');
const SCRIPT = join(import.meta.dirname, 'fixtures', 'pull-model.ts');

let stub: HfStub | undefined;
let cacheDir: string | undefined;

afterEach(async () => {
  await stub?.close();
  if (cacheDir) rmSync(cacheDir, { recursive: true, force: true });
});

/** Starts the fixture; `stderr` grows as the child writes. */
function pull({ endpoint, dir }: { endpoint: string; dir: string }) {
  const child = spawn(NODE, [SCRIPT, 'llama:hf:test-user/tiny-GGUF/tiny.gguf', dir], {
    env: { PATH: process.env.PATH, HF_ENDPOINT: endpoint },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('close', resolve));
  return { child, output, exited };
}

it('two processes pulling the same file download it once', async () => {
  const bytes = randomBytes(32 * 1024);
  let release!: () => void;
  stub = await startHfStub({ 'test-user/tiny-GGUF/resolve/main/tiny.gguf': { bytes, hold: new Promise<void>((resolve) => (release = resolve)) } });
  cacheDir = mkdtempSync(join(tmpdir(), 'gantry-models-procs-'));

  const first = pull({ endpoint: stub.endpoint, dir: cacheDir });
  await vi.waitFor(() => expect(stub!.cdnRequests()).toBe(1), { timeout: 10_000 });
  const second = pull({ endpoint: stub.endpoint, dir: cacheDir });
  await vi.waitFor(() => expect(second.output.stderr).toContain(`Waiting for another Gantry process (pid ${first.child.pid} on `), { timeout: 10_000 });
  release();

  expect(await Promise.all([first.exited, second.exited])).toEqual([0, 0]);
  const results = [JSON.parse(first.output.stdout), JSON.parse(second.output.stdout)];
  expect(results.map((result) => result.downloaded)).toEqual([true, false]);
  expect(readFileSync(results[1].path).equals(bytes)).toBe(true);
  expect(stub.requests).toEqual(['/test-user/tiny-GGUF/resolve/main/tiny.gguf', '/cdn/test-user/tiny-GGUF/resolve/main/tiny.gguf']);
}, 20_000);
