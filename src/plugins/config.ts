import { existsSync, readFileSync } from 'node:fs';
import { dirname, isAbsolute, join, parse as parsePath, resolve } from 'node:path';
import { z } from 'zod';
import { describeError, UserError } from '../agent/errors.ts';
import type { McpServerConfig } from './mcp/server-config.ts';
import type { PluginAuthConfig } from './openapi/plugin-auth.ts';
import { describeIssues, formatPath } from './zod-issues.ts';

/** The project configuration file, looked up from the current folder upwards. */
export const CONFIG_FILE_NAME = 'gantry.config.json';

const pluginAuthSchema: z.ZodType<PluginAuthConfig> = z.strictObject({
  /** `bearer` sends `Authorization: Bearer TOKEN`; `basic` sends a user name and password. */
  type: z.enum(['bearer', 'basic']).optional(),
  token: z.string().optional(),
  /** The name of an environment variable holding the token. */
  tokenEnv: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  passwordEnv: z.string().optional(),
});


const stringRecord = z.record(z.string(), z.string());

const pluginSchema = z.strictObject({
  source: z.string().min(1),
  name: z.string().min(1).optional(),
  auth: pluginAuthSchema.optional(),
  baseUrl: z.string().min(1).optional(),
  headers: stringRecord.optional(),
});

/** One plugin to load: an OpenAPI spec or ChatGPT manifest, or a local Gantry plugin. */
export interface PluginSourceConfig {
  /**
   * A URL (`https://host` means its `/.well-known/ai-plugin.json`), an OpenAPI spec or ChatGPT
   * manifest file (JSON or YAML), a folder, or a local plugin (`gantry-plugin.json` or its folder).
   */
  source: string;
  /** Overrides the plugin's own name (the prefix of its tools' names). */
  name?: string;
  /** The credential for the plugin's API; only ever sent to the plugin's own origin. */
  auth?: PluginAuthConfig;
  /** Overrides the API's server URL from the spec. */
  baseUrl?: string;
  /** Extra headers sent with every call to the plugin's API. */
  headers?: Record<string, string>;
}

const timeoutMs = z.number().int().positive();

const stdioServerSchema = z.strictObject({
  command: z.string().min(1),
  args: z.array(z.string()).optional(),
  env: stringRecord.optional(),
  cwd: z.string().min(1).optional(),
  timeoutMs: timeoutMs.optional(),
});

const httpServerSchema = z.strictObject({
  url: z.url({ protocol: /^https?$/, error: 'expected an http:// or https:// URL' }),
  headers: stringRecord.optional(),
  transport: z.enum(['auto', 'streamable-http', 'sse']).optional(),
  timeoutMs: timeoutMs.optional(),
});

const configSchema = z.strictObject({
  $schema: z.string().optional(),
  plugins: z.array(pluginSchema).optional(),
  // Each server is checked by the schema its fields call for (below), for errors that name the right fields.
  mcpServers: z.record(z.string().regex(/^[A-Za-z0-9_-]{1,40}$/, 'server names are 1-40 letters, digits, "_" or "-"'), z.unknown()).optional(),
});

/** What `gantry.config.json` configures, with `${VAR}`s expanded and paths made absolute. */
export interface GantryConfig {
  /** The file it was read from; undefined when there is none. */
  file?: string;
  plugins: PluginSourceConfig[];
  mcpServers: McpServerConfig[];
}

export const EMPTY_CONFIG: GantryConfig = Object.freeze({ plugins: [], mcpServers: [] });

/**
 * Finds `gantry.config.json` in `cwd` or the nearest parent that has one, stopping at the
 * filesystem root or at a folder with `.git` (the project's root), so a config file of an
 * unrelated enclosing folder is never picked up.
 */
export function findConfigFile(cwd: string = process.cwd()): string | undefined {
  let folder = resolve(cwd);
  for (;;) {
    const candidate = join(folder, CONFIG_FILE_NAME);
    if (existsSync(candidate)) return candidate;
    if (existsSync(join(folder, '.git')) || folder === parsePath(folder).root) return undefined;
    folder = dirname(folder);
  }
}

/**
 * Reads the project's configuration: `file` when given (it must exist), else the one
 * `findConfigFile` finds, else an empty configuration. Throws a `UserError` naming the file and
 * the field at fault for anything invalid.
 */
export function loadGantryConfig({ file, cwd = process.cwd(), env = process.env }: {
  /** `--config FILE`. */
  file?: string;
  cwd?: string;
  /** Where `${VAR}` references are looked up. */
  env?: NodeJS.ProcessEnv;
}): GantryConfig {
  const path = file === undefined ? findConfigFile(cwd) : resolve(cwd, file);
  if (path === undefined) return EMPTY_CONFIG;
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (error) {
    throw new UserError(`Cannot read the config file ${path}: ${describeError(error)}. Check the path given to --config.`, { cause: error });
  }
  return parseGantryConfig({ text, file: path, env });
}

/** Parses the text of a `gantry.config.json` at `file` (relative paths in it are relative to its folder). */
export function parseGantryConfig({ text, file, env = process.env }: { text: string; file: string; env?: NodeJS.ProcessEnv }): GantryConfig {
  const fail = (problems: string[]): never => {
    throw new UserError(`${file} is not a valid Gantry config:\n  ${problems.join('\n  ')}`, { context: { file } });
  };
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (error) {
    return fail([`not valid JSON (${describeError(error)})`]);
  }
  const parsed = configSchema.safeParse(raw);
  if (!parsed.success) return fail(describeIssues(parsed.error));
  const servers = Object.entries(parsed.data.mcpServers ?? {}).map(([name, entry]) => {
    const schema = typeof entry === 'object' && entry !== null && 'url' in entry ? httpServerSchema : stdioServerSchema;
    const server = schema.safeParse(entry);
    if (!server.success) return fail(describeIssues(server.error, ['mcpServers', name]));
    return { name, server: server.data };
  });
  const plugins = expandVariables({ value: parsed.data.plugins ?? [], path: ['plugins'], env, fail }) as PluginSourceConfig[];
  const expandedServers = servers.map(({ name, server }) => ({
    name,
    server: expandVariables({ value: server, path: ['mcpServers', name], env, fail }) as typeof server,
  }));
  const folder = dirname(file);
  return {
    file,
    plugins: plugins.map((plugin) => ({ ...plugin, source: resolveSource(plugin.source, folder) })),
    mcpServers: expandedServers.map(({ name, server }) => resolveServer({ name, server, folder })),
  };
}

/**
 * Replaces every `${VAR}` in string values with the variable's value, so secrets stay out of the
 * file. A variable that is not set is an error naming the field, rather than an empty token sent
 * to a server.
 */
function expandVariables({ value, path, env, fail }: {
  value: unknown;
  path: PropertyKey[];
  env: NodeJS.ProcessEnv;
  fail: (problems: string[]) => never;
}): unknown {
  if (typeof value === 'string') {
    return value.replace(/\$\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (_match, name: string) => {
      const found = env[name];
      if (found === undefined) return fail([`${formatPath(path)}: uses \${${name}}, but the environment variable ${name} is not set`]);
      return found;
    });
  }
  if (Array.isArray(value)) return value.map((item, index) => expandVariables({ value: item, path: [...path, index], env, fail }));
  if (typeof value === 'object' && value !== null) {
    return Object.fromEntries(Object.entries(value).map(([key, item]) => [key, expandVariables({ value: item, path: [...path, key], env, fail })]));
  }
  return value;
}

function resolveSource(source: string, folder: string): string {
  return isUrl(source) ? source : resolve(folder, source);
}

/** A local server runs in the config file's folder unless told otherwise, so its relative paths read as in the file. */
function resolveServer({ name, server, folder }: {
  name: string;
  server: z.infer<typeof stdioServerSchema> | z.infer<typeof httpServerSchema>;
  folder: string;
}): McpServerConfig {
  if ('url' in server) return { name, ...server };
  const command = !isAbsolute(server.command) && /[\\/]/.test(server.command) ? resolve(folder, server.command) : server.command;
  return { name, ...server, command, cwd: resolve(folder, server.cwd ?? '.') };
}

export function isUrl(text: string): boolean {
  return /^[a-z][a-z0-9+.-]*:\/\//i.test(text);
}
