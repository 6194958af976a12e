import { describe, expect, it } from 'vitest';
import { parseMcpCommand } from '../../src/plugins/mcp-command.ts';

describe('parseMcpCommand', () => {
  it('splits the command like a shell and names the server after the program or what a runner runs', () => {
    expect(parseMcpCommand('npx -y @modelcontextprotocol/server-everything')).toEqual({
      name: 'server-everything', command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'],
    });
    expect(parseMcpCommand(`/usr/bin/node "/my tools/files-server.ts" --root '/data dir'`)).toEqual({
      name: 'files-server', command: '/usr/bin/node', args: ['/my tools/files-server.ts', '--root', '/data dir'],
    });
    expect(parseMcpCommand('uvx mcp-server-fetch@2.1', { cwd: '/w' })).toEqual({ name: 'mcp-server-fetch', command: 'uvx', args: ['mcp-server-fetch@2.1'], cwd: '/w' });
    expect(parseMcpCommand('python3.12 -m weather.server').name).toBe('weather_server');
    expect(parseMcpCommand('./bin/My.Server').name).toBe('my_server');
    expect(parseMcpCommand('npx').name).toBe('npx');
    expect(parseMcpCommand('node node_modules/@modelcontextprotocol/server-everything/dist/index.js stdio').name).toBe('server-everything');
    expect(parseMcpCommand('node server.js').name).toBe('server');
  });

  it('takes an http(s) URL as a remote server named after its host', () => {
    expect(parseMcpCommand('https://mcp.example.com/mcp')).toEqual({ name: 'mcp_example_com', url: 'https://mcp.example.com/mcp' });
    expect(parseMcpCommand('http://127.0.0.1:3001/mcp')).toEqual({ name: '127_0_0_1', url: 'http://127.0.0.1:3001/mcp' });
  });

  it('rejects an empty command, a URL with arguments and an open quote', () => {
    expect(() => parseMcpCommand('  ')).toThrow('--mcp needs a command');
    expect(() => parseMcpCommand('https://h/mcp extra')).toThrow('a URL server takes no arguments after the URL');
    expect(() => parseMcpCommand('node "server.js')).toThrow('unterminated " quote');
  });
});
