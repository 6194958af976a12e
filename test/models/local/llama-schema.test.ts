import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { restoreOptionalFields, toGrammarSchema } from '../../../src/models/local/llama-schema.ts';
import { toModelJsonSchema } from '../../../src/tools/validation.ts';

const ANY_JSON = {
  oneOf: [{ type: ['string', 'number', 'boolean', 'null'] }, { type: 'array' }, { type: 'object', additionalProperties: true }],
};

describe('toGrammarSchema', () => {
  it('rewrites a zod schema into the subset node-llama-cpp supports', () => {
    const schema = toModelJsonSchema(
      z.object({
        city: z.string().describe('A city'),
        days: z.number().int().min(1).optional(),
        unit: z.enum(['c', 'f']).nullable(),
        email: z.string().email(),
        when: z.union([z.string(), z.number()]),
        extra: z.unknown(),
      }),
    );
    expect(toGrammarSchema(schema)).toEqual({
      type: 'object',
      properties: {
        city: { type: 'string', description: 'A city' },
        days: { oneOf: [{ type: 'integer' }, { type: 'null' }] },
        unit: { oneOf: [{ enum: ['c', 'f'] }, { type: 'null' }] },
        email: { type: 'string' },
        when: { oneOf: [{ type: 'string' }, { type: 'number' }] },
        extra: ANY_JSON,
      },
    });
  });

  it('splits type lists with structured types, keeps records and date formats, and moves definitions to $defs', () => {
    expect(
      toGrammarSchema({
        type: 'object',
        properties: {
          value: { type: ['object', 'null'], properties: { a: { type: 'number' } }, required: ['a'] },
          counts: { type: 'object', additionalProperties: { type: 'integer' } },
          day: { type: 'string', format: 'date', pattern: '^2' },
          pair: { type: 'array', items: [{ type: 'string' }, { type: 'boolean' }] },
          node: { $ref: '#/definitions/node' },
          both: { allOf: [{ type: 'object', properties: { x: { type: 'string' } }, required: ['x'] }, { properties: { y: { type: 'string' } } }] },
        },
        required: ['value', 'counts', 'day', 'pair', 'node', 'both'],
        definitions: { node: { type: 'string', minLength: 1 } },
      }),
    ).toEqual({
      type: 'object',
      properties: {
        value: { oneOf: [{ type: 'object', properties: { a: { type: 'number' } } }, { type: 'null' }] },
        counts: { type: 'object', properties: {}, additionalProperties: { type: 'integer' } },
        day: { type: 'string', format: 'date' },
        pair: { type: 'array', prefixItems: [{ type: 'string' }, { type: 'boolean' }] },
        node: { $ref: '#/$defs/node' },
        both: { type: 'object', properties: { x: { type: 'string' }, y: { oneOf: [{ type: 'string' }, { type: 'null' }] } } },
      },
      $defs: { node: { type: 'string', minLength: 1 } },
    });
  });

  it('spells out "any JSON value" for an empty schema instead of leaving it to become null', () => {
    expect(toGrammarSchema({})).toEqual(ANY_JSON);
    expect(toGrammarSchema(true)).toEqual(ANY_JSON);
  });
});

describe('restoreOptionalFields', () => {
  const schema = toModelJsonSchema(
    z.object({
      name: z.string(),
      nickname: z.string().optional(),
      manager: z.string().nullable(),
      address: z.object({ street: z.string(), flat: z.number().optional() }).optional(),
      pets: z.array(z.object({ kind: z.string(), age: z.number().optional() })),
    }),
  );

  it('removes the nulls the grammar generated for optional fields, and only those', () => {
    const value = {
      name: 'Ada',
      nickname: null,
      manager: null,
      address: { street: 'Main', flat: null },
      pets: [{ kind: 'cat', age: null }, { kind: 'dog', age: 3 }],
    };
    expect(restoreOptionalFields({ schema, value })).toEqual({
      name: 'Ada',
      manager: null,
      address: { street: 'Main' },
      pets: [{ kind: 'cat' }, { kind: 'dog', age: 3 }],
    });
  });

  it('removes an optional object that came back null', () => {
    expect(restoreOptionalFields({ schema, value: { name: 'A', nickname: 'a', manager: 'B', address: null, pets: [] } })).toEqual({
      name: 'A',
      nickname: 'a',
      manager: 'B',
      pets: [],
    });
  });
});
