import { describe, expect, it } from 'vitest';
import { readListedTools } from '../../../src/plugins/mcp/listed-tools.ts';
import { ToolNamer } from '../../../src/plugins/mcp/tool-names.ts';

describe('readListedTools', () => {
  it('keeps good tools and warns about the rest', () => {
    const { definitions, warnings } = readListedTools({
      serverName: 'srv',
      namer: new ToolNamer('srv'),
      tools: [
        { name: 'ok', description: 'Fine.', inputSchema: { type: 'object', properties: { q: { type: 'string' } } } },
        { name: 'bare' },
        { name: 'wordy', description: 'x'.repeat(1500), inputSchema: { type: 'string' } },
        { description: 'no name' },
        { name: 'ok', description: 'again' },
      ],
    });
    expect(definitions).toEqual([
      { name: 'srv__ok', serverToolName: 'ok', description: 'Fine.', parameters: { type: 'object', properties: { q: { type: 'string' } } } },
      { name: 'srv__bare', serverToolName: 'bare', description: 'The tool "bare" of the MCP server "srv".', parameters: { type: 'object' } },
      { name: 'srv__wordy', serverToolName: 'wordy', description: `${'x'.repeat(999)}…`, parameters: { type: 'object' } },
    ]);
    expect(warnings).toEqual([
      { where: 'bare (srv__bare)', message: 'its inputSchema is missing; it accepts any object of arguments instead.' },
      { where: 'wordy (srv__wordy)', message: 'its description has 1500 characters; it was cut to 1000.' },
      { where: 'wordy (srv__wordy)', message: 'its inputSchema is not a JSON schema of type "object"; it accepts any object of arguments instead.' },
      { where: 'tools/list item 3', message: 'the server listed a tool without a name; it was skipped.' },
      { where: 'ok', message: 'the server listed the tool "ok" twice; the second one was skipped.' },
    ]);
  });
});
