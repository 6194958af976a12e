import { describe, expect, it } from 'vitest';
import { emptySchemaNotes, RECURSIVE_NOTE, toModelSchema } from '../../../src/plugins/openapi/model-schema.ts';

describe('toModelSchema', () => {
  it('maps OpenAPI 3.0 keywords to JSON schema and drops what models cannot use', () => {
    const notes = emptySchemaNotes();
    const schema = {
      type: 'object',
      required: ['size', 'id'],
      xml: { name: 'x' },
      'x-extra': 1,
      properties: {
        id: { type: 'string', readOnly: true },
        size: { type: 'number', minimum: 0, exclusiveMinimum: true, maximum: 9, exclusiveMaximum: false, example: 3 },
        color: { type: 'string', enum: ['red'], nullable: true, required: true },
        file: { type: 'file' },
        note: { type: 'string', description: 'd'.repeat(600) },
      },
    };
    expect(toModelSchema(schema, notes)).toEqual({
      type: 'object',
      required: ['size'],
      properties: {
        size: { type: 'number', exclusiveMinimum: 0, maximum: 9, examples: [3] },
        color: { type: ['string', 'null'], enum: ['red', null] },
        file: { type: 'string' },
        note: { type: 'string', description: `${'d'.repeat(499)}…` },
      },
    });
    expect(notes).toEqual({ recursionCut: false, descriptionsCut: 1, nodes: 5, sizeCut: false });
    expect(schema.properties.id).toEqual({ type: 'string', readOnly: true });
  });

  it('cuts cycles where a schema contains itself', () => {
    const node: Record<string, unknown> = { type: 'object', properties: {} };
    (node.properties as Record<string, unknown>).next = node;
    const notes = emptySchemaNotes();
    expect(toModelSchema(node, notes)).toEqual({ type: 'object', properties: { next: { description: RECURSIVE_NOTE } } });
    expect(notes.recursionCut).toBe(true);
  });
});
