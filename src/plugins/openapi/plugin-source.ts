import { readFile, stat } from 'node:fs/promises';
import { STATUS_CODES } from 'node:http';
import path from 'node:path';
import { parse as parseYaml } from 'yaml';
import { describeError } from '../../agent/errors.ts';
import { guardedFetch } from '../../net/guarded-fetch.ts';
import type { WebPolicy } from '../../net/web-policy.ts';

/** Where a manifest or spec was read from: a URL or a file, never both. */
export type DocumentLocation = { url: URL; file?: undefined } | { file: string; url?: undefined };

export interface SourceDocument {
  value: unknown;
  location: DocumentLocation;
}

/** A manifest or spec that could not be read; the message is shown as the plugin's problem. */
export class PluginSourceError extends Error {}

/** Manifests and specs larger than this are refused rather than parsed. */
export const MAX_DOCUMENT_BYTES = 10 * 2 ** 20;

const WELL_KNOWN_MANIFEST = '/.well-known/ai-plugin.json';
/** Looked for, in order, when the source is a folder. */
const FOLDER_CANDIDATES = ['ai-plugin.json', '.well-known/ai-plugin.json', 'openapi.yaml', 'openapi.yml', 'openapi.json', 'swagger.yaml', 'swagger.yml', 'swagger.json'];
const DOCUMENT_ACCEPT = 'application/json, application/yaml, text/yaml;q=0.9, text/*;q=0.5, */*;q=0.1';

export interface FetchSettings {
  policy: WebPolicy;
  timeoutMs?: number;
}

export function isUrlSource(source: string): boolean {
  return /^https?:\/\//i.test(source.trim());
}

/**
 * Reads what a plugin source names: a URL without a path means its
 * `/.well-known/ai-plugin.json`; a folder means the first of `FOLDER_CANDIDATES` it holds.
 */
export async function readSourceDocument(options: { source: string; cwd: string; fetch: FetchSettings }): Promise<SourceDocument> {
  const { source, cwd, fetch } = options;
  if (isUrlSource(source)) {
    const url = new URL(source.trim());
    if (url.pathname === '/' && url.search === '') url.pathname = WELL_KNOWN_MANIFEST;
    return readUrl(url, fetch);
  }
  const file = path.resolve(cwd, source);
  const info = await stat(file).catch((error: unknown) => {
    throw new PluginSourceError(`Could not read ${file}: ${describeError(error)}`);
  });
  if (!info.isDirectory()) return readFileDocument(file);
  for (const candidate of FOLDER_CANDIDATES) {
    const inside = path.join(file, candidate);
    if (await stat(inside).then((found) => found.isFile(), () => false)) return readFileDocument(inside);
  }
  throw new PluginSourceError(`The folder ${file} holds none of ${FOLDER_CANDIDATES.join(', ')}.`);
}

/**
 * Reads a document a manifest points to: `ref` is an absolute URL, or relative to the manifest
 * (a URL relative to its URL, a path relative to its folder).
 */
export async function readReferencedDocument(options: { ref: string; from: DocumentLocation; fetch: FetchSettings }): Promise<SourceDocument> {
  const { ref, from, fetch } = options;
  if (from.url || isUrlSource(ref)) {
    let url: URL;
    try {
      url = new URL(ref, from.url);
    } catch {
      throw new PluginSourceError(`The spec location ${JSON.stringify(ref)} is not a valid URL.`);
    }
    return readUrl(url, fetch);
  }
  return readFileDocument(path.resolve(path.dirname(from.file), ref));
}

export function describeLocation(location: DocumentLocation): string {
  return location.url ? location.url.href : location.file;
}

async function readUrl(url: URL, settings: FetchSettings): Promise<SourceDocument> {
  const response = await guardedFetch(url, {
    policy: settings.policy,
    headers: { accept: DOCUMENT_ACCEPT },
    maxBytes: MAX_DOCUMENT_BYTES,
    ...(settings.timeoutMs !== undefined ? { timeoutMs: settings.timeoutMs } : {}),
  }).catch((error: unknown) => {
    throw new PluginSourceError(describeError(error));
  });
  if (response.status < 200 || response.status > 299) {
    const statusText = STATUS_CODES[response.status];
    const excerpt = response.body.toString('utf8').slice(0, 200).trim();
    throw new PluginSourceError(`HTTP ${response.status}${statusText ? ` ${statusText}` : ''} from ${url.href}${excerpt ? `: ${excerpt}` : ''}`);
  }
  if (response.truncated) throw new PluginSourceError(`${url.href} is larger than ${MAX_DOCUMENT_BYTES} bytes.`);
  const finalUrl = new URL(response.url);
  return { value: parseDocument(response.body.toString('utf8'), finalUrl.href), location: { url: finalUrl } };
}

async function readFileDocument(file: string): Promise<SourceDocument> {
  const info = await stat(file).catch((error: unknown) => {
    throw new PluginSourceError(`Could not read ${file}: ${describeError(error)}`);
  });
  if (info.size > MAX_DOCUMENT_BYTES) throw new PluginSourceError(`${file} is larger than ${MAX_DOCUMENT_BYTES} bytes.`);
  const text = await readFile(file, 'utf8');
  return { value: parseDocument(text, file), location: { file } };
}

/** Parses JSON or YAML, whichever the text is; YAML's alias limit guards against alias bombs. */
export function parseDocument(text: string, where: string): unknown {
  const trimmed = text.replace(/^\uFEFF/, '').trim();
  if (trimmed === '') throw new PluginSourceError(`${where} is empty.`);
  if (trimmed.startsWith('{')) {
    try {
      return JSON.parse(trimmed);
    } catch {
      // Hand-written "JSON" often has trailing commas or comments, which YAML tolerates better.
    }
  }
  try {
    return parseYaml(trimmed, { maxAliasCount: 100 });
  } catch (error) {
    throw new PluginSourceError(`${where} is neither valid JSON nor valid YAML: ${describeError(error).split('\n')[0]}`);
  }
}
