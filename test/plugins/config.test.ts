import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { findConfigFile, loadGantryConfig, parseGantryConfig } from '../../src/plugins/config.ts';

let root: string;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'gantry-config-'));
});

afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

function parse(config: unknown, env: NodeJS.ProcessEnv = {}) {
  return parseGantryConfig({ text: JSON.stringify(config), file: join(root, 'gantry.config.json'), env });
}

function errorOf(task: () => unknown): string {
  try {
    task();
  } catch (error) {
    return `${(error as Error).name}: ${(error as Error).message}`;
  }
  throw new Error('expected an error');
}

describe('parseGantryConfig', () => {
  it('reads plugins and MCP servers, with paths relative to the file and ${VAR}s from the environment', () => {
    const config = parse(
      {
        plugins: [
          { source: 'https://api.example.com', auth: { type: 'bearer', token: '${WEATHER_TOKEN}' }, headers: { 'X-Team': 'ops-${TEAM}' } },
          { source: './plugins/text', name: 'text' },
        ],
        mcpServers: {
          files: { command: './bin/server.js', args: ['--root', '${HOME_DIR}'], env: { API_KEY: '${KEY}' } },
          remote: { url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer ${KEY}' }, transport: 'sse', timeoutMs: 5000 },
          everything: { command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'], cwd: 'tools' },
        },
      },
      { WEATHER_TOKEN: 'secret-1', TEAM: 'blue', HOME_DIR: '/srv', KEY: 'k-2' },
    );
    expect(config).toEqual({
      file: join(root, 'gantry.config.json'),
      plugins: [
        { source: 'https://api.example.com', auth: { type: 'bearer', token: 'secret-1' }, headers: { 'X-Team': 'ops-blue' } },
        { source: join(root, 'plugins/text'), name: 'text' },
      ],
      mcpServers: [
        { name: 'files', command: join(root, 'bin/server.js'), args: ['--root', '/srv'], env: { API_KEY: 'k-2' }, cwd: root },
        { name: 'remote', url: 'https://mcp.example.com/mcp', headers: { Authorization: 'Bearer k-2' }, transport: 'sse', timeoutMs: 5000 },
        { name: 'everything', command: 'npx', args: ['-y', '@modelcontextprotocol/server-everything'], cwd: join(root, 'tools') },
      ],
    });
  });

  it('accepts an empty object', () => {
    expect(parse({})).toEqual({ file: join(root, 'gantry.config.json'), plugins: [], mcpServers: [] });
  });

  it('names the path of a bad field', () => {
    const file = join(root, 'gantry.config.json');
    expect(errorOf(() => parse({ plugins: [{ source: 'x', auth: { type: 'digest' } }] }))).toBe(
      `UserError: ${file} is not a valid Gantry config:\n  plugins[0].auth.type: Invalid option: expected one of "bearer"|"basic"`,
    );
    expect(errorOf(() => parse({ mcpServers: { files: { command: 'srv', args: ['a', 2] } } }))).toBe(
      `UserError: ${file} is not a valid Gantry config:\n  mcpServers.files.args[1]: Invalid input: expected string, received number`,
    );
    expect(errorOf(() => parse({ mcpServers: { remote: { url: 'ftp://x' } } }))).toBe(
      `UserError: ${file} is not a valid Gantry config:\n  mcpServers.remote.url: expected an http:// or https:// URL`,
    );
    expect(errorOf(() => parse({ plugin: [] }))).toBe(`UserError: ${file} is not a valid Gantry config:\n  Unrecognized key: "plugin"`);
  });

  it('names the field and the variable when a ${VAR} is not set', () => {
    const file = join(root, 'gantry.config.json');
    expect(errorOf(() => parse({ mcpServers: { remote: { url: 'https://h/mcp', headers: { Authorization: 'Bearer ${MISSING_TOKEN}' } } } }))).toBe(
      `UserError: ${file} is not a valid Gantry config:\n  mcpServers.remote.headers.Authorization: uses \${MISSING_TOKEN}, but the environment variable MISSING_TOKEN is not set`,
    );
  });

  it('reports text that is not JSON', () => {
    expect(errorOf(() => parseGantryConfig({ text: '{ plugins: [] }', file: '/p/gantry.config.json' }))).toMatch(
      /^UserError: \/p\/gantry\.config\.json is not a valid Gantry config:\n {2}not valid JSON \(/,
    );
  });
});

describe('finding the config file', () => {
  it('looks in the folder, then its parents, stopping at a .git folder', () => {
    const project = join(root, 'project');
    const deep = join(project, 'src', 'deep');
    mkdirSync(deep, { recursive: true });
    expect(findConfigFile(deep)).toBe(undefined);
    writeFileSync(join(root, 'gantry.config.json'), '{}');
    expect(findConfigFile(deep)).toBe(join(root, 'gantry.config.json'));
    mkdirSync(join(project, '.git'));
    expect(findConfigFile(deep)).toBe(undefined);
    writeFileSync(join(project, 'gantry.config.json'), '{"plugins":[{"source":"p"}]}');
    expect(findConfigFile(deep)).toBe(join(project, 'gantry.config.json'));
    expect(loadGantryConfig({ cwd: deep, env: {} }).plugins).toEqual([{ source: join(project, 'p') }]);
  });

  it('uses --config when given, and it must exist', () => {
    writeFileSync(join(root, 'other.json'), '{"plugins":[{"source":"https://x.example"}]}');
    expect(loadGantryConfig({ file: 'other.json', cwd: root, env: {} }).plugins).toEqual([{ source: 'https://x.example' }]);
    expect(errorOf(() => loadGantryConfig({ file: 'nope.json', cwd: root, env: {} }))).toMatch(
      /^UserError: Cannot read the config file .*nope\.json: .*Check the path given to --config\.$/,
    );
  });

  it('is an empty configuration when there is no file', () => {
    expect(loadGantryConfig({ cwd: root, env: {} })).toEqual({ plugins: [], mcpServers: [] });
  });
});
