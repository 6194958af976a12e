import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { connectMcpServer, type McpPlugin } from '../../../src/plugins/mcp/connect-mcp-server.ts';
import { callTool } from './call-tool.ts';
import { startTestMcpServer, type TestMcpServer, type TestTool } from './mcp-http-harness.ts';

const png = Buffer.alloc(1536, 7).toString('base64');
const blob = Buffer.alloc(2048, 1).toString('base64');

const TOOLS: TestTool[] = [
  {
    name: 'say',
    description: 'Repeats a message.',
    inputSchema: { type: 'object', properties: { message: { type: 'string' } }, required: ['message'] },
    call: (args) => ({ content: [{ type: 'text', text: `You said: ${String(args.message)}` }] }),
  },
  {
    name: 'picture',
    description: 'Draws a picture.',
    inputSchema: { type: 'object' },
    call: () => ({ content: [{ type: 'image', data: png, mimeType: 'image/png' }, { type: 'audio', data: blob, mimeType: 'audio/wav' }] }),
  },
  {
    name: 'docs.read',
    title: 'Read documents',
    inputSchema: { type: 'object' },
    call: () => ({
      content: [
        { type: 'resource', resource: { uri: 'file:///a.txt', mimeType: 'text/plain', text: 'alpha' } },
        { type: 'resource', resource: { uri: 'file:///b.bin', mimeType: 'application/octet-stream', blob } },
        { type: 'resource_link', uri: 'file:///c.md', name: 'c.md' },
      ],
    }),
  },
  {
    name: 'fails',
    description: 'Always fails.',
    inputSchema: { type: 'object' },
    call: () => ({ isError: true, content: [{ type: 'text', text: 'the file is locked' }] }),
  },
  {
    name: 'whoami',
    description: 'Reports the API key it received.',
    inputSchema: { type: 'object' },
    call: (_args, headers) => ({ content: [{ type: 'text', text: `key ${String(headers['x-api-key'])}` }] }),
  },
  {
    name: 'weather',
    description: 'Structured weather.',
    inputSchema: { type: 'object' },
    call: () => ({ content: [], structuredContent: { temperature: 21, sky: 'clear' } }),
  },
];

describe('an MCP server over Streamable HTTP', () => {
  let server: TestMcpServer;
  let plugin: McpPlugin;

  beforeAll(async () => {
    server = await startTestMcpServer({ transport: 'streamable-http', tools: TOOLS, pageSize: 2 });
    plugin = await connectMcpServer({ name: 'remote', url: server.url, headers: { 'x-api-key': 'secret-1' } });
  });
  afterAll(async () => {
    await plugin?.close();
    await server?.close();
  });

  it('lists the tools of every page, with sanitised prefixed names', () => {
    expect(plugin.problems).toEqual([]);
    expect(plugin.transport).toBe('streamable-http');
    expect(plugin.source).toBe(server.url);
    expect(server.listPages).toBe(3);
    expect(plugin.tools.map((tool) => tool.name)).toEqual([
      'remote__say', 'remote__picture', 'remote__docs_read', 'remote__fails', 'remote__whoami', 'remote__weather',
    ]);
    expect(plugin.tools.find((tool) => tool.name === 'remote__docs_read')?.description).toBe('Read documents');
  });

  it('renders text, image, audio, resource and structured results', async () => {
    expect(await callTool(plugin, 'remote__say', { message: 'hi' })).toEqual({ output: 'You said: hi' });
    expect(await callTool(plugin, 'remote__picture')).toEqual({ output: '[image: image/png, 1.5 KB]\n[audio: audio/wav, 2.0 KB]' });
    expect(await callTool(plugin, 'remote__docs_read')).toEqual({
      output: 'alpha\n[resource: file:///b.bin, application/octet-stream, 2.0 KB]\n[resource link: file:///c.md (c.md)]',
    });
    expect(await callTool(plugin, 'remote__weather')).toEqual({ output: '{"temperature":21,"sky":"clear"}' });
  });

  it('turns isError into a tool error', async () => {
    expect(await callTool(plugin, 'remote__fails')).toEqual({ error: 'Tool "remote__fails" failed: the file is locked' });
  });

  it('sends the configured headers with every request', async () => {
    expect(await callTool(plugin, 'remote__whoami')).toEqual({ output: 'key secret-1' });
    expect(server.requests.length).toBeGreaterThan(3);
    expect(server.requests.filter((request) => request.headers['x-api-key'] !== 'secret-1')).toEqual([]);
  });

  it('follows tools/list_changed: new tools appear, removed ones fail with a clear error', async () => {
    const sayBefore = plugin.tools.find((tool) => tool.name === 'remote__say');
    await server.addTool({
      name: 'late',
      description: 'Added at run time.',
      inputSchema: { type: 'object' },
      call: () => ({ content: [{ type: 'text', text: 'here now' }] }),
    });
    await vi.waitFor(() => expect(plugin.tools.map((tool) => tool.name)).toContain('remote__late'));
    expect(await callTool(plugin, 'remote__late')).toEqual({ output: 'here now' });

    await server.removeTool('say');
    await vi.waitFor(() => expect(plugin.tools.map((tool) => tool.name)).not.toContain('remote__say'));
    const stale = await sayBefore!.execute({ message: 'hi' }, { toolCallId: 'c', runId: 'r', signal: new AbortController().signal, context: undefined });
    expect(stale).toEqual({
      ok: false,
      error: 'the MCP server "remote" no longer offers the tool "say" (its tool list changed). It offers: remote__picture, ' +
        'remote__docs_read, remote__fails, remote__whoami, remote__weather, remote__late.',
    });
  });
});

describe('an MCP server that only speaks the old HTTP+SSE transport', () => {
  let server: TestMcpServer;

  beforeAll(async () => {
    server = await startTestMcpServer({ transport: 'sse', tools: TOOLS.slice(0, 5), pageSize: 3 });
  });
  afterAll(async () => {
    await server?.close();
  });

  it('is reached by falling back from Streamable HTTP after its 4xx answer', async () => {
    const plugin = await connectMcpServer({ name: 'legacy', url: server.url, headers: { 'x-api-key': 'secret-2' } });
    try {
      expect(plugin.problems).toEqual([]);
      expect(plugin.transport).toBe('sse');
      expect(server.requests.slice(0, 2).map((request) => `${request.method} ${request.path}`)).toEqual(['POST /sse', 'GET /sse']);
      expect(plugin.tools.map((tool) => tool.name)).toEqual(['legacy__say', 'legacy__picture', 'legacy__docs_read', 'legacy__fails', 'legacy__whoami']);
      expect(await callTool(plugin, 'legacy__say', { message: 'old' })).toEqual({ output: 'You said: old' });
      expect(await callTool(plugin, 'legacy__whoami')).toEqual({ output: 'key secret-2' });
      expect(server.requests.filter((request) => request.headers['x-api-key'] !== 'secret-2')).toEqual([]);
    } finally {
      await plugin.close();
    }
  });

  it('is not reached when Streamable HTTP is required', async () => {
    const plugin = await connectMcpServer({ name: 'strict', url: server.url, transport: 'streamable-http' });
    expect(plugin.tools).toEqual([]);
    expect(plugin.problems.map((problem) => [problem.severity, problem.message])).toEqual([[
      'error',
      'could not start or reach MCP server "strict", so it offers no tools: ' +
        'HTTP 405 (Streamable HTTP error: Error POSTing to endpoint: Method Not Allowed)',
    ]]);
    await plugin.close();
  });
});

describe('an MCP server over HTTP that goes away', () => {
  it('fails the call with the connection error, then reconnects on the next call once it is back', async () => {
    let server = await startTestMcpServer({ transport: 'streamable-http', tools: TOOLS.slice(0, 1), pageSize: 10 });
    const plugin = await connectMcpServer({ name: 'flaky', url: server.url });
    try {
      expect(await callTool(plugin, 'flaky__say', { message: 'one' })).toEqual({ output: 'You said: one' });
      await server.close();
      const port = Number(new URL(server.url).port);

      const failed = await callTool(plugin, 'flaky__say', { message: 'two' });
      // Which network error it is (a refused connection, a closed socket) depends on undici's pool.
      expect(failed.error).toMatch(/^Tool "flaky__say" failed: the MCP server "flaky" stopped: the connection failed: fetch failed \(.+\)\./);
      expect(failed.error).toMatch(/The next call will restart it\.$/);

      server = await startTestMcpServer({ transport: 'streamable-http', tools: TOOLS.slice(0, 1), pageSize: 10, port });
      expect(await callTool(plugin, 'flaky__say', { message: 'three' })).toEqual({ output: 'You said: three' });
      expect(plugin.restarts).toBe(1);
      expect(plugin.problems.map((problem) => problem.severity)).toEqual(['warning']);
      expect(plugin.problems[0]?.message).toMatch(/^server "flaky" restarted after the connection failed: fetch failed \(.+\) \(1 restart so far\)$/);
    } finally {
      await plugin.close();
      await server.close();
    }
  });
});
