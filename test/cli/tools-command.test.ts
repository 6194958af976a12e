import { describe, expect, it } from 'vitest';
import { gantry } from './cli-harness.ts';

describe('gantry tools', () => {
  it('lists the built-in tools, as text and as JSON', async () => {
    const text = await gantry(['tools', 'list']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/^calculator\n {2}\S/);
    const json = await gantry(['tools', 'list', '--json']);
    const tools = JSON.parse(json.stdout);
    expect(tools.map((t: { name: string }) => t.name)).toEqual(['calculator', 'code_interpreter', 'web_search', 'web_fetch', 'browser']);
    expect(tools[0].parameters.required).toEqual(['expression']);
  });

  it('calls a tool directly', async () => {
    const run = await gantry(['tools', 'call', 'calculator', '--args', '{"expression":"5 km to mile"}']);
    expect(run).toEqual({ code: 0, stdout: '3.1068559611866698481 mile\n', stderr: '' });
    const json = await gantry(['tools', 'call', 'calculator', '--args', '{"expression":"2^64"}', '--json']);
    expect(JSON.parse(json.stdout)).toEqual({ name: 'calculator', output: '18446744073709551616' });
  });

  it('exits 1 with the error on stderr when the call fails', async () => {
    const invalid = await gantry(['tools', 'call', 'calculator', '--args', '{"expr":"1"}']);
    expect(invalid.code).toBe(1);
    expect(invalid.stderr).toContain('field "expression": required but missing');
    const failing = await gantry(['tools', 'call', 'calculator', '--args', '{"expression":"1 +"}', '--json']);
    expect(failing.code).toBe(1);
    expect(JSON.parse(failing.stdout).error).toMatch(/^Tool "calculator" failed: /);
  });

  it('exits 2 for an unknown tool or missing --args', async () => {
    const unknown = await gantry(['tools', 'call', 'teleport', '--args', '{}']);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('Unknown tool "teleport". Built-in tools: calculator, code_interpreter, web_search, web_fetch, browser.');
    const missing = await gantry(['tools', 'call', 'calculator']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain("required option '--args <json>' not specified");
  });
});
