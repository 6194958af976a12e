import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../../agent/errors.ts';
import { catalogEntry, MODEL_CATALOG, type CatalogEntry } from './catalog.ts';

/** Where a local model's weights come from. */
export type LocalModelSpec =
  | { kind: 'catalog'; entry: CatalogEntry }
  | { kind: 'file'; path: string }
  | { kind: 'hf'; repo: string; file: string; revision: string };

/** The revision used when `llama:hf:…` names none. */
export const DEFAULT_HF_REVISION = 'main';

const REPO_PART = /^[A-Za-z0-9][\w.-]*$/;
const REVISION = /^[\w.-]+$/;

/** True for the specs this module parses: `local`, `local:NAME`, `llama:…`. */
export function isLocalModelSpec(spec: string): boolean {
  return spec === 'local' || spec.startsWith('local:') || spec.startsWith('llama:');
}

/**
 * Parses a local model spec:
 * - `local`, `local:small`: a catalog entry;
 * - `llama:PATH.gguf`: a GGUF file the user has (absolute, or relative to `cwd`); it must exist;
 * - `llama:hf:USER/REPO/FILE.gguf[@REVISION]`: a GGUF file on Hugging Face; FILE may sit in
 *   folders of the repository, and REVISION (a branch, tag or commit hash; default `main`) follows
 *   the file name after `@`. A local file whose name starts with `hf:` is written `llama:./hf:…`.
 */
export function parseLocalModelSpec(spec: string, { cwd = process.cwd() }: { cwd?: string } = {}): LocalModelSpec {
  const trimmed = spec.trim();
  if (trimmed === 'local' || trimmed.startsWith('local:')) {
    const entry = catalogEntry(trimmed);
    if (!entry) {
      const known = MODEL_CATALOG.map((candidate) => candidate.alias).join(', ');
      throw new UserError(`Unknown local model "${trimmed}". Known: ${known}; or use llama:PATH.gguf or llama:hf:USER/REPO/FILE.gguf.`);
    }
    return { kind: 'catalog', entry };
  }
  if (!trimmed.startsWith('llama:')) {
    throw new UserError(`"${trimmed}" is not a local model spec: use local, local:small, llama:PATH.gguf or llama:hf:USER/REPO/FILE.gguf.`);
  }
  const rest = trimmed.slice('llama:'.length);
  if (rest.startsWith('hf:')) return parseHfSpec(rest.slice('hf:'.length));
  return parseFileSpec({ text: rest, cwd });
}

/** The canonical spec text of a Hugging Face file (the revision is left out when it is `main`). */
export function formatHfSpec({ repo, file, revision }: { repo: string; file: string; revision: string }): string {
  return `llama:hf:${repo}/${file}${revision === DEFAULT_HF_REVISION ? '' : `@${revision}`}`;
}

function parseHfSpec(text: string): LocalModelSpec {
  const usage = 'Write it as llama:hf:USER/REPO/FILE.gguf, optionally followed by @REVISION (a branch, tag or commit hash).';
  const at = text.lastIndexOf('@');
  const address = at === -1 ? text : text.slice(0, at);
  const revision = at === -1 ? DEFAULT_HF_REVISION : text.slice(at + 1);
  if (!REVISION.test(revision)) throw new UserError(`Invalid revision "${revision}" in llama:hf:${text}. ${usage}`);
  const parts = address.split('/');
  if (parts.length < 3) throw new UserError(`"llama:hf:${text}" names no file. ${usage}`);
  if (!parts.every((part) => REPO_PART.test(part)) || parts.some((part) => /^\.+$/.test(part))) {
    throw new UserError(`Invalid Hugging Face address "${address}": each part may hold only letters, digits, "-", "_" and ".". ${usage}`);
  }
  const file = parts.slice(2).join('/');
  if (!file.toLowerCase().endsWith('.gguf')) throw new UserError(`"${file}" is not a GGUF file (it must end with .gguf). ${usage}`);
  return { kind: 'hf', repo: `${parts[0]}/${parts[1]}`, file, revision };
}

function parseFileSpec({ text, cwd }: { text: string; cwd: string }): LocalModelSpec {
  if (text === '') throw new UserError('llama: needs a path: llama:PATH.gguf (or llama:hf:USER/REPO/FILE.gguf for Hugging Face).');
  const path = resolve(cwd, text);
  if (!path.toLowerCase().endsWith('.gguf')) throw new UserError(`"${text}" is not a GGUF file: llama:PATH must end with .gguf.`);
  let isFile = false;
  try {
    isFile = statSync(path).isFile();
  } catch {
    throw new UserError(`The model file ${path} does not exist. Check the path, or use llama:hf:USER/REPO/FILE.gguf to download one.`);
  }
  if (!isFile) throw new UserError(`${path} is not a file.`);
  return { kind: 'file', path };
}
