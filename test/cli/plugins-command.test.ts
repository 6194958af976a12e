import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub, type StubReply, type StubRequestRecord } from '../../src/testing/index.ts';
import { gantry } from './cli-harness.ts';

/** `gantry plugins inspect|list`, and plugin tools in `gantry tools` and `gantry run`. */

const localPlugin = resolve('test/fixtures/plugins/local');
const localTools = join(localPlugin, 'tools.ts');
const textServer = `${JSON.stringify(process.execPath)} ${JSON.stringify(resolve('test/fixtures/plugins/mcp/text-server.ts'))}`;
const everything = `${JSON.stringify(process.execPath)} ${JSON.stringify(resolve('node_modules/@modelcontextprotocol/server-everything/dist/index.js'))} stdio`;

const wordCountDefinition = {
  name: 'word_count',
  description: 'Counts the words in a text.',
  parameters: { type: 'object', properties: { text: { type: 'string', description: 'The text to count the words of.' } }, required: ['text'] },
};
const upperCaseDefinition = {
  name: 'upper_case',
  description: 'Returns the text in upper case.',
  parameters: { type: 'object', properties: { text: { type: 'string' } }, required: ['text'], additionalProperties: false },
};

let home: string;
let folder: string;
let env: NodeJS.ProcessEnv;
let stub: OpenAIStub | undefined;
let server: Server | undefined;

beforeEach(() => {
  home = mkdtempSync(join(tmpdir(), 'gantry-plugins-home-'));
  folder = mkdtempSync(join(tmpdir(), 'gantry-plugins-'));
  env = { GANTRY_HOME: home };
});

afterEach(async () => {
  await stub?.close();
  stub = undefined;
  await new Promise((done) => (server ? server.close(done) : done(undefined)));
  server = undefined;
  rmSync(home, { recursive: true, force: true });
  rmSync(folder, { recursive: true, force: true });
});

/** A local plugin in the temporary folder over the fixture's module, taking only `tools`. */
function writeLocalPlugin(tools?: string[]): string {
  writeFileSync(join(folder, 'gantry-plugin.json'), JSON.stringify({ name: 'text-tools', module: relative(folder, localTools), ...(tools ? { tools } : {}) }));
  return folder;
}

describe('gantry plugins inspect', () => {
  it('prints a local plugin\'s tools as exact JSON', async () => {
    const run = await gantry(['plugins', 'inspect', localPlugin, '--json'], { env });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({ tools: [wordCountDefinition, upperCaseDefinition], problems: [] });
  });

  it('prints tools, compact parameters and problems for people', async () => {
    writeFileSync(join(folder, 'gantry-plugin.json'), JSON.stringify({ name: 'text-tools', module: relative(folder, localTools), author: 'me' }));
    const run = await gantry(['plugins', 'inspect', folder], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      [
        `text-tools (local, ${folder}): 2 tools`,
        '  word_count(text: string)',
        '    Counts the words in a text.',
        '  upper_case(text: string)',
        '    Returns the text in upper case.',
        '',
        'Problems:',
        `  warning: ${folder} (author): Unknown field "author" in ${join(folder, 'gantry-plugin.json')} is ignored.`,
        '',
      ].join('\n'),
    );
  });

  it('inspects a stdio MCP server with --mcp', async () => {
    const run = await gantry(['plugins', 'inspect', '--mcp', textServer, '--json'], { env });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout)).toEqual({
      tools: [
        {
          name: 'text-server__reverse',
          description: 'Reverses a text.\nUseful for palindromes.',
          parameters: { type: 'object', properties: { text: { type: 'string', description: 'The text to reverse.' } }, required: ['text'] },
        },
        {
          name: 'text-server__repeat',
          description: 'Repeats a text.',
          parameters: { type: 'object', properties: { text: { type: 'string' }, times: { type: 'integer', minimum: 1, maximum: 5 } }, required: ['text'] },
        },
      ],
      problems: [],
    });
    const text = await gantry(['plugins', 'inspect', '--mcp', textServer], { env });
    expect(text.stdout).toContain('  text-server__repeat(text: string, times?: integer)\n    Repeats a text.\n');
  });

  it('inspects server-everything with --mcp', async () => {
    const run = await gantry(['plugins', 'inspect', '--mcp', everything, '--json'], { env });
    expect(run.code).toBe(0);
    const { tools } = JSON.parse(run.stdout) as { tools: { name: string; parameters: { type: string } }[] };
    expect(tools.map((tool) => tool.name)).toContain('server-everything__echo');
    expect(tools.every((tool) => tool.name.startsWith('server-everything__') && tool.parameters.type === 'object')).toBe(true);
  });

  it('inspects an OpenAPI spec served on loopback when GANTRY_WEB_ALLOW allows its port', async () => {
    const spec = {
      openapi: '3.0.3',
      info: { title: 'Pet Store', version: '1' },
      paths: {
        '/pets/{id}': {
          get: { operationId: 'getPet', summary: 'Get a pet by id.', parameters: [{ name: 'id', in: 'path', required: true, schema: { type: 'integer' } }], responses: { 200: { description: 'ok' } } },
        },
      },
    };
    server = createServer((_request, response) => response.setHeader('content-type', 'application/json').end(JSON.stringify(spec)));
    await new Promise<void>((done) => server!.listen(0, '127.0.0.1', done));
    const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/openapi.json`;

    const run = await gantry(['plugins', 'inspect', url, '--json'], { env: { ...env, GANTRY_WEB_ALLOW: new URL(url).host } });
    expect(run.code).toBe(0);
    expect(JSON.parse(run.stdout).tools).toEqual([
      { name: 'getPet', description: 'Get a pet by id.', parameters: { type: 'object', properties: { id: { type: 'integer' } }, required: ['id'] } },
    ]);

    // Without the allow rule the SSRF guard refuses loopback: nothing loads, exit 1.
    const refused = await gantry(['plugins', 'inspect', url, '--json'], { env });
    expect(refused.code).toBe(1);
    expect(JSON.parse(refused.stdout)).toEqual({ tools: [], problems: [expect.objectContaining({ severity: 'error', source: url })] });
  });

  it('exits 1 when nothing could be loaded, and 2 when there is nothing to inspect', async () => {
    const missing = await gantry(['plugins', 'inspect', join(folder, 'gantry-plugin.json'), '--json'], { env });
    expect(missing.code).toBe(1);
    expect(JSON.parse(missing.stdout)).toEqual({
      tools: [],
      problems: [{ severity: 'error', source: join(folder, 'gantry-plugin.json'), message: `There is no plugin manifest at ${join(folder, 'gantry-plugin.json')}.` }],
    });
    const nothing = await gantry(['plugins', 'inspect', '--config', join(folder, 'none.json')], { env });
    expect(nothing.code).toBe(2);
    expect(nothing.stderr).toMatch(/^gantry: Cannot read the config file .*none\.json/);
  });

  it('inspects a plugin or server named in the config', async () => {
    const config = join(folder, 'gantry.config.json');
    writeFileSync(config, JSON.stringify({ plugins: [{ source: relative(folder, localPlugin), name: 'text' }], mcpServers: { text: { command: process.execPath, args: [resolve('test/fixtures/plugins/mcp/text-server.ts')] } } }));
    const byName = await gantry(['plugins', 'inspect', 'text', '--config', config, '--json'], { env });
    expect(JSON.parse(byName.stdout).tools.map((tool: { name: string }) => tool.name)).toEqual(['word_count', 'upper_case']);
    const all = await gantry(['plugins', 'inspect', '--config', config, '--json'], { env });
    expect(JSON.parse(all.stdout).tools.map((tool: { name: string }) => tool.name)).toEqual(['word_count', 'upper_case', 'text__reverse', 'text__repeat']);
  });
});

describe('gantry plugins list', () => {
  it('lists the configured plugins with their fingerprint state', async () => {
    const config = join(folder, 'gantry.config.json');
    const plugin = writeLocalPlugin();
    writeFileSync(config, JSON.stringify({ plugins: [{ source: '.' }, { source: 'missing-plugin/gantry-plugin.json' }] }));
    const list = async () => JSON.parse((await gantry(['plugins', 'list', '--config', config, '--json'], { env })).stdout);
    const row = (state: string) => ({ name: 'text-tools', kind: 'local', source: plugin, tools: 2, state });
    const failed = { name: 'missing-plugin', kind: 'local', source: join(folder, 'missing-plugin/gantry-plugin.json'), tools: 0, state: 'failed' };
    expect((await list()).plugins).toEqual([row('new'), failed]);
    expect((await gantry(['tools', 'list', '--config', config], { env })).code).toBe(0);
    expect((await list()).plugins).toEqual([row('ok'), failed]);
    writeLocalPlugin(['word_count']);
    expect((await list()).plugins).toEqual([{ ...row('changed'), tools: 1 }, failed]);

    const text = await gantry(['plugins', 'list', '--config', config], { env });
    expect(text.stdout.split('\n')[0]).toMatch(/^NAME {2,}KIND {2,}TOOLS {2}STATE {2,}SOURCE$/);
    expect(text.stdout).toMatch(/\ntext-tools +local +1 +changed +\//);
  });
});

describe('plugin tools in gantry tools', () => {
  it('lists and calls a local plugin\'s tool like a built-in, and an MCP server\'s', async () => {
    const list = await gantry(['tools', 'list', '--plugin', localPlugin, '--json'], { env });
    const names = JSON.parse(list.stdout).map((tool: { name: string }) => tool.name);
    expect(names).toEqual(['calculator', 'code_interpreter', 'web_search', 'web_fetch', 'browser', 'word_count', 'upper_case']);
    expect(JSON.parse(list.stdout)[5].description).toBe('[plugin text-tools] Counts the words in a text.');

    const call = await gantry(['tools', 'call', 'word_count', '--plugin', localPlugin, '--args', '{"text":"one two three"}'], { env });
    expect(call).toEqual({ code: 0, stdout: '3\n', stderr: '' });
    const mcp = await gantry(['tools', 'call', 'text-server__repeat', '--mcp', textServer, '--args', '{"text":"ab","times":3}', '--json'], { env });
    expect(JSON.parse(mcp.stdout)).toEqual({ name: 'text-server__repeat', output: 'ababab' });
    const unknown = await gantry(['tools', 'call', 'nope', '--plugin', localPlugin, '--args', '{}'], { env });
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown tool "nope". Built-in tools: calculator, code_interpreter, web_search, web_fetch, browser. Plugin tools: word_count, upper_case.');
  });

  it('refuses a plugin whose tools changed until --accept-plugin-changes', async () => {
    const plugin = writeLocalPlugin(['word_count']);
    const call = (...extra: string[]) => gantry(['tools', 'call', 'word_count', '--plugin', plugin, '--args', '{"text":"a b"}', ...extra], { env });
    expect((await call()).code).toBe(0);
    expect((await call()).code).toBe(0);

    writeLocalPlugin(['upper_case']);
    const refused = await gantry(['tools', 'call', 'upper_case', '--plugin', plugin, '--args', '{"text":"a b"}'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stdout).toBe('');
    expect(refused.stderr).toBe(
      [
        'gantry: Plugin tools changed since they were last used:',
        `  text-tools (${plugin}): added upper_case; removed word_count`,
        'A changed description or schema can change what the model is told to do. Check them with',
        `gantry plugins inspect ${plugin}, then rerun with --accept-plugin-changes to trust them.`,
        '',
      ].join('\n'),
    );
    // Listing only warns.
    const listed = await gantry(['tools', 'list', '--plugin', plugin], { env });
    expect(listed.code).toBe(0);
    expect(listed.stderr).toContain('Plugin tools changed since they were last used:');

    const accepted = await gantry(['tools', 'call', 'upper_case', '--plugin', plugin, '--args', '{"text":"a b"}', '--accept-plugin-changes'], { env });
    expect(accepted).toEqual({ code: 0, stdout: 'A B\n', stderr: '' });
    expect((await gantry(['tools', 'call', 'upper_case', '--plugin', plugin, '--args', '{"text":"c"}'], { env })).code).toBe(0);
  });

  it('prints plugin problems on stderr, one line each, and still offers the tools that loaded', async () => {
    const run = await gantry(['tools', 'call', 'word_count', '--plugin', localPlugin, '--plugin', join(folder, 'gantry-plugin.json'), '--args', '{"text":"x"}'], { env });
    expect(run).toEqual({
      code: 0,
      stdout: '1\n',
      stderr: `gantry: plugin error: ${join(folder, 'gantry-plugin.json')}: There is no plugin manifest at ${join(folder, 'gantry-plugin.json')}.\n`,
    });
  });
});

type Message = { role: string; content: string | null };
const messagesOf = (request: StubRequestRecord) => request.body.messages as Message[];
const toolResults = (request: StubRequestRecord) => messagesOf(request).filter((message) => message.role === 'tool');
const toolsOf = (request: StubRequestRecord) => (request.body.tools as { function: { name: string; description: string } }[]).map((entry) => entry.function);

describe('plugin tools in gantry run', () => {
  it('renames a plugin tool that has the name of one of the agent\'s own tools, instead of failing', async () => {
    stub = await startOpenAIStub({ replies: [{ content: 'Done.' }] });
    const model = ['--model', 'openai:stub-model', '--base-url', stub.baseURL];
    const run = await gantry(['run', 'test/fixtures/agents/echo-agent.ts', ...model, '--plugin', 'test/fixtures/plugins/echo-clash', '--input', 'Hi', '--json'], { env });
    expect(run.code).toBe(0);
    expect(toolsOf(stub.requests[0]!).map((tool) => [tool.name, tool.description])).toEqual([
      ['echo', 'Repeats the text it is given.'],
      ['shouting__echo', '[plugin shouting] Repeats the text, louder.'],
    ]);
    expect(run.stderr).toContain('echo');
  });

  it('offers the plugin tools behind their marker, notes them in the instructions, and resumes with them', async () => {
    stub = await startOpenAIStub({
      replies: (request): StubReply =>
        toolResults(request).length === 0
          ? { toolCalls: [{ id: 'w1', name: 'word_count', arguments: '{"text":"the quick brown fox"}' }] }
          : { content: `There are ${toolResults(request)[0]!.content} words.` },
    });
    const model = ['--model', 'openai:stub-model', '--base-url', stub.baseURL];
    const first = await gantry(['run', ...model, '--tools', 'calculator', '--plugin', relative(process.cwd(), localPlugin), '--max-steps', '1', '--input', 'How many words?', '--json'], { env });
    expect(first.stderr).toBe('');
    expect(first.code).toBe(1);
    const result = JSON.parse(first.stdout);
    expect(result.steps[0].toolCalls).toEqual([{ name: 'word_count', args: { text: 'the quick brown fox' }, output: '4' }]);

    const [request] = stub.requests;
    expect(toolsOf(request!).map((tool) => [tool.name, tool.description.split('\n')[0]])).toEqual([
      ['calculator', expect.any(String)],
      ['word_count', '[plugin text-tools] Counts the words in a text.'],
      ['upper_case', '[plugin text-tools] Returns the text in upper case.'],
    ]);
    const system = messagesOf(request!)[0]!;
    expect(system.role).toBe('system');
    expect(system.content).toContain('Tools whose descriptions begin with "[plugin NAME]" come from third-party plugins (text-tools).');
    expect(system.content).not.toContain('Counts the words');

    // The saved run keeps --plugin (made absolute), so --resume offers the same tools from any folder.
    const resumed = await gantry(['run', '--resume', result.runId, '--max-steps', '3', '--json'], { env });
    expect(resumed.code).toBe(0);
    expect(JSON.parse(resumed.stdout).output).toBe('There are 4 words.');
    expect(toolsOf(stub.requests[1]!).map((tool) => tool.name)).toEqual(['calculator', 'word_count', 'upper_case']);
  });

  it('refuses to run when a plugin changed, before any model call, and runs once accepted', async () => {
    stub = await startOpenAIStub({ replies: () => ({ content: 'Done.' }) });
    const model = ['--model', 'openai:stub-model', '--base-url', stub.baseURL];
    const plugin = writeLocalPlugin(['word_count']);
    expect((await gantry(['run', ...model, '--plugin', plugin, '--input', 'Hi', '--json'], { env })).code).toBe(0);
    writeLocalPlugin();
    const refused = await gantry(['run', ...model, '--plugin', plugin, '--input', 'Hi', '--json'], { env });
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain(`  text-tools (${plugin}): added upper_case\n`);
    expect(stub.requests).toHaveLength(1);
    const accepted = await gantry(['run', ...model, '--plugin', plugin, '--input', 'Hi', '--json', '--accept-plugin-changes'], { env });
    expect(accepted.code).toBe(0);
    expect(stub.requests).toHaveLength(2);
  });
});
