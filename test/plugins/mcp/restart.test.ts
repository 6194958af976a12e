import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { connectMcpServer, type McpPlugin } from '../../../src/plugins/mcp/connect-mcp-server.ts';
import { callTool } from './call-tool.ts';

const FIXTURE = fileURLToPath(new URL('./fixtures/crashing-server.ts', import.meta.url));

describe('an MCP server process that dies', () => {
  let directory: string;
  let plugin: McpPlugin | undefined;

  beforeAll(() => {
    directory = mkdtempSync(join(tmpdir(), 'gantry-mcp-restart-'));
  });
  afterEach(async () => {
    await plugin?.close();
  });
  afterAll(() => {
    rmSync(directory, { recursive: true, force: true });
  });

  const connect = (marker: string) =>
    connectMcpServer({ name: 'crashy', command: process.execPath, args: [FIXTURE], env: { CRASH_MARKER: join(directory, marker) } });

  it('fails the call in flight with the exit code and stderr, then restarts on the next call', async () => {
    plugin = await connect('never-written');
    const first = await callTool(plugin, 'crashy__whoami');
    expect(first.output).toMatch(/^pid \d+$/);

    expect(await callTool(plugin, 'crashy__crash')).toEqual({
      error: 'Tool "crashy__crash" failed: the MCP server "crashy" stopped: the server process exited (code 1). ' +
        `The next call will restart it. Its stderr ended with:\ncrashing-server started (${first.output})\n` +
        'about to crash: the disk is on fire',
    });
    expect(plugin.transport).toBeUndefined();

    const second = await callTool(plugin, 'crashy__whoami');
    expect(second.output).toMatch(/^pid \d+$/);
    expect(second.output).not.toBe(first.output);
    expect(plugin.restarts).toBe(1);
    expect(plugin.transport).toBe('stdio');
    expect(plugin.problems.map((problem) => [problem.severity, problem.message])).toEqual([
      ['warning', 'server "crashy" restarted after the server process exited (code 1) (1 restart so far)'],
    ]);
    expect(plugin.tools.map((tool) => tool.name)).toEqual(['crashy__whoami', 'crashy__crash', 'crashy__crash-for-good', 'crashy__hang']);
  });

  it('returns a tool error when the restart fails too, and tries again on the next call', async () => {
    plugin = await connect('marker');
    await callTool(plugin, 'crashy__crash-for-good');
    const expected = 'Tool "crashy__whoami" failed: the MCP server "crashy" is not running (the server process exited (code 1)) ' +
      'and restarting it failed: the process exited (code 2) before completing the MCP handshake. ' +
      'Its stderr ended with:\nrefusing to start: the marker file is there';
    expect(await callTool(plugin, 'crashy__whoami')).toEqual({ error: expected });
    expect(plugin.problems.map((problem) => problem.severity)).toEqual(['error']);

    rmSync(join(directory, 'marker'));
    expect((await callTool(plugin, 'crashy__whoami')).output).toMatch(/^pid \d+$/);
    expect(plugin.restarts).toBe(1);
    expect(plugin.problems.map((problem) => problem.severity)).toEqual(['warning']);
  });

  it('turns a call that outlives timeoutMs, or is cancelled, into a tool error and keeps the server', async () => {
    plugin = await connectMcpServer({ name: 'crashy', command: process.execPath, args: [FIXTURE], timeoutMs: 200 });
    const hang = plugin.tools.find((tool) => tool.name === 'crashy__hang')!;
    expect(hang.timeoutMs).toBe(200);
    const options = { toolCallId: 'c', runId: 'r', signal: new AbortController().signal, context: undefined };
    expect(await hang.execute({}, options)).toEqual({ ok: false, error: 'the server did not answer within 200 ms' });
    const controller = new AbortController();
    const cancelled = hang.execute({}, { ...options, signal: controller.signal });
    controller.abort(new Error('the run was stopped'));
    expect(await cancelled).toEqual({ ok: false, error: 'cancelled (the run was stopped)' });
    expect((await callTool(plugin, 'crashy__whoami')).output).toMatch(/^pid \d+$/);
    expect(plugin.restarts).toBe(0);
  });

  it('close() ends the process and later calls fail without restarting it', async () => {
    plugin = await connect('never-written');
    const pid = Number((await callTool(plugin, 'crashy__whoami')).output?.slice('pid '.length));
    await plugin.close();
    expect(() => process.kill(pid, 0)).toThrow(expect.objectContaining({ code: 'ESRCH' }));
    expect(await callTool(plugin, 'crashy__whoami')).toEqual({ error: 'Tool "crashy__whoami" failed: the MCP server "crashy" was closed' });
    expect(plugin.restarts).toBe(0);
  });
});
