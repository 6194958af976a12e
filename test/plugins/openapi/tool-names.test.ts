import { describe, expect, it } from 'vitest';
import { claimUniqueName, operationToolName, sanitizeToolName } from '../../../src/plugins/openapi/tool-names.ts';

describe('tool names', () => {
  it('sanitises operationIds and falls back to method and path', () => {
    expect(sanitizeToolName('create pet!')).toBe('create_pet');
    expect(sanitizeToolName('pets.list/v2')).toBe('pets_list_v2');
    expect(sanitizeToolName('!!!')).toBe('');
    expect(operationToolName({ operationId: undefined, method: 'get', path: '/pets/{petId}' })).toEqual({ name: 'get_pets_petId', cut: false });
    expect(operationToolName({ operationId: '  ', method: 'get', path: '/' })).toEqual({ name: 'get_root', cut: false });
    expect(operationToolName({ operationId: 'listPets', method: 'get', path: '/pets', prefix: 'store' })).toEqual({ name: 'store_listPets', cut: false });
  });

  it('keeps names within 64 characters and unique, suffixing _2, _3', () => {
    const long = operationToolName({ operationId: 'a'.repeat(80), method: 'get', path: '/' });
    expect(long).toEqual({ name: 'a'.repeat(64), cut: true });
    const taken = new Set<string>();
    expect([claimUniqueName(long.name, taken), claimUniqueName(long.name, taken), claimUniqueName(long.name, taken)]).toEqual([
      'a'.repeat(64), `${'a'.repeat(62)}_2`, `${'a'.repeat(62)}_3`,
    ]);
  });
});
