import { describe, expect, it } from 'vitest';
import { jsonSchemaTool } from '../../src/tools/tool.ts';
import { ToolRouter } from '../../src/tools/router.ts';

const getPet = jsonSchemaTool({
  name: 'get_pet',
  description: 'Fetch one pet.',
  parameters: {
    type: 'object',
    properties: { id: { type: 'integer', description: 'The pet id.' }, kind: { type: 'string', enum: ['cat', 'dog'], default: 'cat' } },
    required: ['id'],
  },
  execute: (input) => ({ got: input }),
});

const call = (router: ToolRouter, argsText: string) =>
  router.call({ request: { id: 'c1', name: 'get_pet', argsText }, runId: 'r', signal: new AbortController().signal });

describe('jsonSchemaTool', () => {
  it('shows the model its JSON schema unchanged, descriptions, enums and defaults included', () => {
    expect(new ToolRouter({ tools: [getPet] }).definitions()).toEqual([
      {
        type: 'function',
        function: {
          name: 'get_pet',
          description: 'Fetch one pet.',
          parameters: {
            type: 'object',
            properties: { id: { type: 'integer', description: 'The pet id.' }, kind: { type: 'string', enum: ['cat', 'dog'], default: 'cat' } },
            required: ['id'],
          },
        },
      },
    ]);
  });

  it('validates calls against the JSON schema, naming the field the model got wrong', async () => {
    const router = new ToolRouter({ tools: [getPet] });
    const bad = await call(router, '{"id":"seven","kind":"dog"}');
    expect(bad.error).toContain('field "id"');
    expect(bad.error).toContain('(you sent "seven")');
    expect((await call(router, '{"kind":"dog"}')).error).toMatch(/id/);
    expect((await call(router, '{"id":7,"kind":"dog"}')).output).toBe('{"got":{"id":7,"kind":"dog"}}');
  });

  it('refuses a schema that is not an object schema, and a bad name', () => {
    expect(() => jsonSchemaTool({ name: 'x', description: '', parameters: { type: 'string' } as never, execute: () => '' })).toThrow(
      'Tool "x" needs a JSON schema of type "object" for its arguments.',
    );
    expect(() => jsonSchemaTool({ name: 'has space', description: '', parameters: { type: 'object' }, execute: () => '' })).toThrow(/Invalid tool name/);
  });
});
