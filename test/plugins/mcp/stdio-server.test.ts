import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectMcpServer, type McpPlugin } from '../../../src/plugins/mcp/connect-mcp-server.ts';
import { ToolRouter } from '../../../src/tools/router.ts';
import { callTool } from './call-tool.ts';

/** The pinned `@modelcontextprotocol/server-everything` (see package.json), started over stdio. */
const EVERYTHING = fileURLToPath(new URL('../../../node_modules/@modelcontextprotocol/server-everything/dist/index.js', import.meta.url));

describe('an MCP server over stdio (server-everything)', () => {
  let plugin: McpPlugin;

  beforeAll(async () => {
    plugin = await connectMcpServer({
      name: 'everything',
      command: process.execPath,
      args: [EVERYTHING, 'stdio'],
      env: { GANTRY_MCP_TEST: 'configured value' },
    });
  });

  afterAll(async () => {
    await plugin?.close();
  });

  it('lists every tool, prefixed with the server name, with no problems', () => {
    expect(plugin.problems).toEqual([]);
    expect(plugin.transport).toBe('stdio');
    expect(plugin.kind).toBe('mcp');
    const names = plugin.tools.map((tool) => tool.name);
    expect(names).toEqual(expect.arrayContaining([
      'everything__echo', 'everything__get-sum', 'everything__get-tiny-image', 'everything__get-env',
      'everything__get-resource-reference', 'everything__get-resource-links', 'everything__get-structured-content',
    ]));
    expect(names.every((name) => name.startsWith('everything__'))).toBe(true);
  });

  it('passes the input schema through to the model unchanged', () => {
    const echo = new ToolRouter({ tools: plugin.tools }).definitions().find((definition) => definition.function.name === 'everything__echo');
    expect(echo).toEqual({
      type: 'function',
      function: {
        name: 'everything__echo',
        description: 'Echoes back the input string',
        parameters: { type: 'object', properties: { message: { type: 'string', description: 'Message to echo' } }, required: ['message'] },
      },
    });
  });

  it('calls tools and returns their text', async () => {
    expect(await callTool(plugin, 'everything__echo', { message: 'hello' })).toEqual({ output: 'Echo: hello' });
    expect(await callTool(plugin, 'everything__get-sum', { a: 2, b: 40 })).toEqual({ output: 'The sum of 2 and 40 is 42.' });
  });

  it('describes an image the model cannot see, between the text parts', async () => {
    expect(await callTool(plugin, 'everything__get-tiny-image')).toEqual({
      output: "Here's the image you requested:\n[image: image/png, 3.9 KB]\nThe image above is the MCP logo.",
    });
  });

  it('renders embedded resources and resource links', async () => {
    const blob = await callTool(plugin, 'everything__get-resource-reference', { resourceType: 'Blob', resourceId: 1 });
    // The blob's text holds the time it was made (`…created at <toLocaleTimeString()>`), so its size varies by a byte or two.
    expect(blob.output?.split('\n')[1]).toMatch(/^\[resource: demo:\/\/resource\/dynamic\/blob\/1, text\/plain, \d+ B\]$/);
    const text = await callTool(plugin, 'everything__get-resource-reference', { resourceType: 'Text', resourceId: 2 });
    expect(text.output?.split('\n')[1]).toMatch(/^Resource 2: This is a plaintext resource created at /);
    expect(await callTool(plugin, 'everything__get-resource-links', { count: 2 })).toEqual({
      output: 'Here are 2 resource links to resources available in this server:\n' +
        '[resource link: demo://resource/dynamic/blob/1 (Blob Resource 1)]\n' +
        '[resource link: demo://resource/dynamic/text/2 (Text Resource 2)]',
    });
  });

  it('turns a result with isError into a tool error', async () => {
    // The schema allows any number, the tool itself refuses 0: the server answers with isError.
    const result = await callTool(plugin, 'everything__get-resource-reference', { resourceType: 'Text', resourceId: 0 });
    expect(result.output).toBeUndefined();
    expect(result.error).toContain('Invalid resourceId: 0. Must be a finite positive integer.');
  });

  it('validates calls against the server schema before sending them', async () => {
    const result = await callTool(plugin, 'everything__get-sum', { a: 'two', b: 1 });
    expect(result.error).toContain('field "a"');
  });

  it('gives the server only its configured environment plus PATH', async () => {
    const { output } = await callTool(plugin, 'everything__get-env');
    expect(JSON.parse(output!)).toEqual({ PATH: process.env.PATH, GANTRY_MCP_TEST: 'configured value' });
  });
});

describe('an MCP server that cannot be started', () => {
  it('becomes a plugin with no tools and an error problem, without throwing', async () => {
    const plugin = await connectMcpServer({ name: 'missing', command: 'gantry-no-such-mcp-server-command' });
    expect(plugin.tools).toEqual([]);
    expect(plugin.transport).toBeUndefined();
    expect(plugin.problems).toEqual([{
      severity: 'error',
      source: 'gantry-no-such-mcp-server-command',
      message: 'could not start or reach MCP server "missing", so it offers no tools: the process could not be started ' +
        '(spawn gantry-no-such-mcp-server-command ENOENT)',
    }]);
    await plugin.close();
    await plugin.close();
  });

  it('reports a process that exits before the handshake with its stderr', async () => {
    const plugin = await connectMcpServer({ name: 'broken', command: process.execPath, args: ['-e', 'console.error("missing API key"); process.exit(3)'] });
    expect(plugin.tools).toEqual([]);
    expect(plugin.problems.map((problem) => [problem.severity, problem.message])).toEqual([[
      'error',
      'could not start or reach MCP server "broken", so it offers no tools: the process exited (code 3) before completing ' +
        'the MCP handshake. Its stderr ended with:\nmissing API key',
    ]]);
  });
});
