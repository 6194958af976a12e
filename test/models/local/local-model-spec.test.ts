import { mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../../src/agent/errors.ts';
import { catalogEntry, MODEL_CATALOG } from '../../../src/models/local/catalog.ts';
import { formatHfSpec, isLocalModelSpec, parseLocalModelSpec } from '../../../src/models/local/local-model-spec.ts';

const dir = mkdtempSync(join(tmpdir(), 'gantry-spec-'));
writeFileSync(join(dir, 'model.gguf'), 'GGUF');
writeFileSync(join(dir, 'model.bin'), 'x');
mkdirSync(join(dir, 'folder.gguf'));

afterAll(() => rmSync(dir, { recursive: true, force: true }));

function errorOf(spec: string): string {
  try {
    parseLocalModelSpec(spec, { cwd: dir });
  } catch (error) {
    expect(error).toBeInstanceOf(UserError);
    return (error as Error).message;
  }
  throw new Error(`${spec} parsed`);
}

describe('parseLocalModelSpec', () => {
  it('maps local and local:small to catalog entries', () => {
    expect(parseLocalModelSpec('local')).toEqual({ kind: 'catalog', entry: catalogEntry('local') });
    expect(parseLocalModelSpec('local:small')).toEqual({ kind: 'catalog', entry: catalogEntry('local:small') });
  });

  it('takes an existing .gguf file, absolute or relative to cwd', () => {
    expect(parseLocalModelSpec('llama:model.gguf', { cwd: dir })).toEqual({ kind: 'file', path: join(dir, 'model.gguf') });
    expect(parseLocalModelSpec(`llama:${join(dir, 'model.gguf')}`)).toEqual({ kind: 'file', path: join(dir, 'model.gguf') });
  });

  it('takes a Hugging Face file, in folders, with an optional @revision', () => {
    expect(parseLocalModelSpec('llama:hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf')).toEqual({ kind: 'hf', repo: 'Qwen/Qwen3-0.6B-GGUF', file: 'Qwen3-0.6B-Q8_0.gguf', revision: 'main' });
    expect(parseLocalModelSpec('llama:hf:user/repo/Q4_K_M/part.gguf@0123abc')).toEqual({ kind: 'hf', repo: 'user/repo', file: 'Q4_K_M/part.gguf', revision: '0123abc' });
    expect(formatHfSpec({ repo: 'user/repo', file: 'a.gguf', revision: 'main' })).toBe('llama:hf:user/repo/a.gguf');
    expect(formatHfSpec({ repo: 'user/repo', file: 'a.gguf', revision: 'v2' })).toBe('llama:hf:user/repo/a.gguf@v2');
  });

  it('explains what is wrong with a bad spec', () => {
    expect(errorOf('local:huge')).toBe('Unknown local model "local:huge". Known: local, local:small; or use llama:PATH.gguf or llama:hf:USER/REPO/FILE.gguf.');
    expect(errorOf('llama:')).toBe('llama: needs a path: llama:PATH.gguf (or llama:hf:USER/REPO/FILE.gguf for Hugging Face).');
    expect(errorOf('llama:model.bin')).toBe('"model.bin" is not a GGUF file: llama:PATH must end with .gguf.');
    expect(errorOf('llama:missing.gguf')).toBe(`The model file ${join(dir, 'missing.gguf')} does not exist. Check the path, or use llama:hf:USER/REPO/FILE.gguf to download one.`);
    expect(errorOf('llama:folder.gguf')).toBe(`${join(dir, 'folder.gguf')} is not a file.`);
    expect(errorOf('llama:hf:user/repo')).toMatch(/^"llama:hf:user\/repo" names no file\./);
    expect(errorOf('llama:hf:user/repo/model.bin')).toMatch(/^"model.bin" is not a GGUF file/);
    expect(errorOf('llama:hf:user/../x.gguf')).toMatch(/^Invalid Hugging Face address "user\/..\/x.gguf"/);
    expect(errorOf('llama:hf:user/repo/x.gguf@a/b')).toMatch(/^Invalid revision "a\/b"/);
    expect(errorOf('openai:gpt-4.1')).toMatch(/is not a local model spec/);
  });

  it('recognises local specs', () => {
    expect(['local', 'local:small', 'llama:x.gguf', 'openai:gpt', 'localhost'].map(isLocalModelSpec)).toEqual([true, true, true, false, false]);
  });
});

describe('MODEL_CATALOG', () => {
  it('marks what could not be verified, and holds no verified hash it could not check', () => {
    expect(MODEL_CATALOG.map((entry) => [entry.alias, entry.repo, entry.file])).toEqual([
      ['local', 'unsloth/Qwen3-4B-Instruct-2507-GGUF', 'Qwen3-4B-Instruct-2507-Q4_K_M.gguf'],
      ['local:small', 'Qwen/Qwen3-0.6B-GGUF', 'Qwen3-0.6B-Q8_0.gguf'],
    ]);
    for (const entry of MODEL_CATALOG) {
      expect(entry.unverified).toContain('revision');
      expect(entry.sha256?.verified ?? false).toBe(false);
    }
  });
});
