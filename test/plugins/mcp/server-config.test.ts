import { describe, expect, it } from 'vitest';
import { UserError } from '../../../src/agent/errors.ts';
import { connectMcpServer } from '../../../src/plugins/mcp/connect-mcp-server.ts';
import { describeServerSource, type McpServerConfig } from '../../../src/plugins/mcp/server-config.ts';

describe('MCP server configuration', () => {
  it('rejects malformed configurations with a UserError naming the field', async () => {
    const cases: [unknown, string][] = [
      [{ name: '', command: 'x' }, 'An MCP server is misconfigured: "name" must be a non-empty string.'],
      [{ name: 'a', command: ' ' }, 'MCP server "a" is misconfigured: "command" must be a non-empty string.'],
      [{ name: 'a', command: 'x', url: 'http://127.0.0.1/' }, 'MCP server "a" is misconfigured: give either "command" (a local server) or "url" (a remote one), not both.'],
      [{ name: 'a' }, 'MCP server "a" is misconfigured: give "command" (a local server) or "url" (a remote one).'],
      [{ name: 'a', url: 'not a url' }, 'MCP server "a" is misconfigured: "url" is not a valid URL (got "not a url").'],
      [{ name: 'a', url: 'ftp://127.0.0.1/' }, 'MCP server "a" is misconfigured: "url" must use http: or https: (got ftp:).'],
      [{ name: 'a', url: 'http://127.0.0.1/', transport: 'websocket' }, 'MCP server "a" is misconfigured: "transport" must be one of auto, streamable-http, sse (got "websocket").'],
      [{ name: 'a', command: 'x', env: { A: 1 } }, 'MCP server "a" is misconfigured: "env" must be an object whose values are strings.'],
      [{ name: 'a', command: 'x', timeoutMs: 0 }, 'MCP server "a" is misconfigured: "timeoutMs" must be a positive number of milliseconds (got 0).'],
    ];
    for (const [config, message] of cases) {
      const error = await connectMcpServer(config as McpServerConfig).catch((caught: unknown) => caught);
      expect(error).toBeInstanceOf(UserError);
      expect((error as Error).message).toBe(message);
    }
  });

  it('describes the source as the URL or the command line', () => {
    expect(describeServerSource({ name: 'a', command: 'npx', args: ['-y', 'some server'] })).toBe('npx -y "some server"');
    expect(describeServerSource({ name: 'a', url: 'http://127.0.0.1:9/mcp' })).toBe('http://127.0.0.1:9/mcp');
  });
});
