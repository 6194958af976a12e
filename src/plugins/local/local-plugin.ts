import { existsSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, extname, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { z } from 'zod';
import { describeError } from '../../agent/errors.ts';
import { registerTool, type ToolLike } from '../../tools/registered-tool.ts';
import type { LoadedPlugin, PluginProblem } from '../plugin.ts';
import { describeIssues } from '../zod-issues.ts';

/** The file that makes a folder a local Gantry plugin. */
export const LOCAL_PLUGIN_MANIFEST = 'gantry-plugin.json';

const MODULE_EXTENSIONS = ['.js', '.mjs', '.ts'];

/**
 * `gantry-plugin.json`: strict about the types of the fields it knows, lenient about fields it
 * does not (each is a warning), so a manifest written for a later Gantry still loads.
 */
export const localPluginManifestSchema = z.looseObject({
  /** The plugin's name: lower-case letters, digits, `_` and `-`. */
  name: z.string().regex(/^[a-z0-9_-]{1,40}$/, 'expected 1-40 lower-case letters, digits, "_" or "-"'),
  version: z.string().optional(),
  description: z.string().optional(),
  /** The module exporting the tools, relative to the manifest (`.js`, `.mjs` or `.ts`). */
  module: z.string().min(1).refine((path) => MODULE_EXTENSIONS.includes(extname(path)), { message: `expected a path ending in ${MODULE_EXTENSIONS.join(', ')}` }),
  /** The names of the tools to take from the module; all of them by default. */
  tools: z.array(z.string()).optional(),
  /** Environment variables the module reads: informational, shown to whoever installs it. */
  env: z.array(z.string()).optional(),
});

export type LocalPluginManifest = z.infer<typeof localPluginManifestSchema>;

const KNOWN_FIELDS = new Set(Object.keys(localPluginManifestSchema.shape));

export interface LoadLocalPluginOptions {
  /** The `gantry-plugin.json` file, or the folder that holds it. */
  source: string;
  /** Resolves a relative `source`; the current folder by default. */
  cwd?: string;
}

/** True when `source` names a `gantry-plugin.json` or a folder that holds one. */
export function isLocalPluginSource(source: string, cwd: string = process.cwd()): boolean {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(source)) return false;
  const path = resolve(cwd, source);
  if (basename(path) === LOCAL_PLUGIN_MANIFEST) return true;
  return isDirectory(path) && existsSync(join(path, LOCAL_PLUGIN_MANIFEST));
}

/**
 * Loads a local plugin: reads and validates its manifest, imports its module and takes the tools
 * it exports (`export const tools = [...]`, or a default export that is an array or an object
 * with `tools`). Gantry tools and LangChain tools are both accepted. Never throws: a missing
 * manifest or module, an export of the wrong shape, or a tool that is not one becomes a problem,
 * and the plugin keeps the tools that are fine.
 */
export async function loadLocalPlugin({ source, cwd = process.cwd() }: LoadLocalPluginOptions): Promise<LoadedPlugin> {
  const manifestPath = manifestPathOf(resolve(cwd, source));
  const problems: PluginProblem[] = [];
  const report = (severity: PluginProblem['severity'], message: string, where?: string) =>
    problems.push({ severity, source, ...(where === undefined ? {} : { where }), message });
  const fallbackName = sanitizeName(basename(dirname(manifestPath)));
  const plugin = (name: string, tools: ToolLike[] = []): LoadedPlugin => ({ name, kind: 'local', source, tools, problems, close: async () => {} });

  const manifest = readManifest({ manifestPath, report });
  if (!manifest) return plugin(fallbackName);
  const modulePath = resolve(dirname(manifestPath), manifest.module);
  if (!existsSync(modulePath)) {
    report('error', `The module ${modulePath} does not exist: check "module" in ${manifestPath}.`, 'module');
    return plugin(manifest.name);
  }
  let exported: unknown;
  try {
    exported = await import(pathToFileURL(modulePath).href);
  } catch (error) {
    report('error', `Cannot import ${modulePath}: ${describeError(error)}`, 'module');
    return plugin(manifest.name);
  }
  const candidates = exportedTools(exported);
  if (!candidates) {
    report('error', `${modulePath} exports no tools: export "tools" (an array of tools), or a default export that is an array or { tools }.`, 'module');
    return plugin(manifest.name);
  }
  return plugin(manifest.name, selectTools({ candidates, wanted: manifest.tools, report }));
}

function manifestPathOf(path: string): string {
  return isDirectory(path) ? join(path, LOCAL_PLUGIN_MANIFEST) : path;
}

function readManifest({ manifestPath, report }: { manifestPath: string; report: (severity: PluginProblem['severity'], message: string, where?: string) => void }): LocalPluginManifest | undefined {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(manifestPath, 'utf8'));
  } catch (error) {
    const missing = (error as NodeJS.ErrnoException).code === 'ENOENT';
    report('error', missing ? `There is no plugin manifest at ${manifestPath}.` : `Cannot read ${manifestPath}: ${describeError(error)}`);
    return undefined;
  }
  const parsed = localPluginManifestSchema.safeParse(raw);
  if (!parsed.success) {
    report('error', `${manifestPath} is not a valid plugin manifest: ${describeIssues(parsed.error).join('; ')}.`);
    return undefined;
  }
  for (const key of Object.keys(parsed.data)) {
    if (!KNOWN_FIELDS.has(key)) report('warning', `Unknown field "${key}" in ${manifestPath} is ignored.`, key);
  }
  return parsed.data;
}

/** The tools a module exports, or undefined when its exports have none of the accepted shapes. */
function exportedTools(exported: unknown): unknown[] | undefined {
  const module = exported as { tools?: unknown; default?: unknown };
  if (Array.isArray(module.tools)) return module.tools;
  if (Array.isArray(module.default)) return module.default;
  const nested = (module.default as { tools?: unknown } | undefined)?.tools;
  return Array.isArray(nested) ? nested : undefined;
}

/** Keeps the candidates that are valid tools (and wanted, when the manifest lists names). */
function selectTools({ candidates, wanted, report }: {
  candidates: unknown[];
  wanted: string[] | undefined;
  report: (severity: PluginProblem['severity'], message: string, where?: string) => void;
}): ToolLike[] {
  const tools: ToolLike[] = [];
  const seen = new Set<string>();
  candidates.forEach((candidate, index) => {
    const where = `tools[${index}]`;
    let name: string;
    try {
      name = registerTool(candidate as ToolLike).name;
    } catch (error) {
      report('error', `Not a usable tool: ${describeError(error)}`, where);
      return;
    }
    if (seen.has(name)) {
      report('error', `A second tool is named "${name}"; only the first is kept.`, where);
      return;
    }
    seen.add(name);
    if (wanted === undefined || wanted.includes(name)) tools.push(candidate as ToolLike);
  });
  for (const name of wanted ?? []) {
    if (!seen.has(name)) report('warning', `The manifest lists a tool "${name}" that the module does not export.`, 'tools');
  }
  return tools;
}

function sanitizeName(text: string): string {
  return text.toLowerCase().replace(/[^a-z0-9_-]+/g, '_').slice(0, 40) || 'plugin';
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}
