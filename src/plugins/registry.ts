import { isAbsolute, resolve } from 'node:path';
import { describeError } from '../agent/errors.ts';
import type { WebPolicy } from '../net/web-policy.ts';
import type { ToolLike } from '../tools/registered-tool.ts';
import { isUrl, type PluginSourceConfig } from './config.ts';
import { isLocalPluginSource } from './local/local-plugin.ts';
import type { McpServerConfig } from './mcp/server-config.ts';
import { describeServerSource } from './mcp/server-config.ts';
import { MAX_TOOL_NAME_LENGTH, type LoadedPlugin, type PluginProblem } from './plugin.ts';
import { defaultPluginLoaders, type PluginLoaders } from './plugin-loaders.ts';
import { markPluginDescription } from './untrusted-descriptions.ts';

/** What to load: plugins (OpenAPI, ChatGPT manifests, local plugins) and MCP servers. */
export interface PluginSources {
  plugins: readonly PluginSourceConfig[];
  mcp: readonly McpServerConfig[];
}

export interface LoadPluginsOptions {
  sources: PluginSources;
  /** Where credentials named by `tokenEnv`/`passwordEnv` are read. */
  env: NodeJS.ProcessEnv;
  /** What plugins may reach over the network (`webPolicyFromEnv(env)` honours `GANTRY_WEB_ALLOW`). */
  policy: WebPolicy;
  /** Resolves relative paths in sources; the current folder by default. */
  cwd?: string;
  /**
   * Tool names already taken (the built-ins, the agent's own tools): a plugin tool with one of
   * these names is offered under its plugin's prefix instead, with a warning.
   */
  reservedNames?: readonly string[];
  /** The loaders per kind of plugin; injectable for tests. */
  loaders?: Partial<PluginLoaders>;
}

/** A tool as the registry offers it, beside the plugin's own definition. */
export interface PluginToolEntry {
  plugin: LoadedPlugin;
  /** The tool as the plugin gave it. */
  original: ToolLike;
  /** The tool as offered: a unique name, and its description behind the plugin marker. */
  tool: ToolLike;
}

export interface PluginRegistry {
  /** The plugins that loaded (possibly with problems, possibly with no tools). */
  plugins: LoadedPlugin[];
  /** Every plugin tool, named uniquely and described behind a `[plugin NAME]` marker: pass these to an agent. */
  tools: ToolLike[];
  entries: PluginToolEntry[];
  /** The problems of every plugin, and of the loaders that failed outright. */
  problems: PluginProblem[];
  /** Closes every plugin (MCP servers, connections); never throws. */
  close(): Promise<void>;
}

/**
 * Loads every plugin and MCP server at once. A loader that throws becomes an `error` problem for
 * its source, so one broken plugin never blocks the others. Tool names are made unique across
 * plugins and the reserved names by prefixing a clashing tool with its plugin's name.
 */
export async function loadPlugins({ sources, env, policy, cwd = process.cwd(), reservedNames = [], loaders = {} }: LoadPluginsOptions): Promise<PluginRegistry> {
  const load = { ...defaultPluginLoaders, ...loaders };
  const attempts: { source: string; promise: Promise<LoadedPlugin> }[] = [
    ...sources.plugins.map((config) => {
      const source = isUrl(config.source) || isAbsolute(config.source) ? config.source : resolve(cwd, config.source);
      const { auth, baseUrl, headers, name } = config;
      if (isLocalPluginSource(source)) return { source, promise: settle(() => load.local({ source, cwd })).then((plugin) => asConfigured({ plugin, config })) };
      return {
        source,
        promise: settle(() => load.openapi({ source, env, policy, cwd, ...(name ? { name } : {}), ...(auth ? { auth } : {}), ...(baseUrl ? { baseUrl } : {}), ...(headers ? { headers } : {}) })),
      };
    }),
    ...sources.mcp.map((config) => ({ source: describeServerSource(config), promise: settle(() => load.mcp(config)) })),
  ];
  const settled = await Promise.allSettled(attempts.map((attempt) => attempt.promise));
  const plugins: LoadedPlugin[] = [];
  const failures: PluginProblem[] = [];
  settled.forEach((outcome, index) => {
    if (outcome.status === 'fulfilled') plugins.push(outcome.value);
    else failures.push({ severity: 'error', source: attempts[index]!.source, message: `Could not load the plugin: ${describeError(outcome.reason)}` });
  });
  const { entries, clashes } = offerTools({ plugins, reservedNames });
  return {
    plugins,
    tools: entries.map((entry) => entry.tool),
    entries,
    problems: [...plugins.flatMap((plugin) => plugin.problems), ...clashes, ...failures],
    close: async () => {
      await Promise.allSettled(plugins.map((plugin) => settle(() => plugin.close())));
    },
  };
}

/**
 * A local plugin takes the configured name; `auth`, `baseUrl` and `headers` are for plugins that
 * call an API, so giving them for a local plugin is reported rather than silently dropped.
 */
function asConfigured({ plugin, config }: { plugin: LoadedPlugin; config: PluginSourceConfig }): LoadedPlugin {
  const ignored = (['auth', 'baseUrl', 'headers'] as const).filter((field) => config[field] !== undefined);
  const problems = ignored.map((field): PluginProblem => ({
    severity: 'warning',
    source: plugin.source,
    where: field,
    message: `"${field}" applies to OpenAPI plugins and ChatGPT manifests; a local plugin ignores it.`,
  }));
  return { ...plugin, ...(config.name ? { name: config.name } : {}), problems: [...plugin.problems, ...problems] };
}

/** Calls `task` so that a synchronous throw becomes a rejected promise like any other failure. */
async function settle<T>(task: () => Promise<T>): Promise<T> {
  return task();
}

function offerTools({ plugins, reservedNames }: { plugins: readonly LoadedPlugin[]; reservedNames: readonly string[] }): {
  entries: PluginToolEntry[];
  clashes: PluginProblem[];
} {
  const reserved = new Set(reservedNames);
  const owners = new Map<string, string>();
  const entries: PluginToolEntry[] = [];
  const clashes: PluginProblem[] = [];
  for (const plugin of plugins) {
    for (const original of plugin.tools) {
      let name = original.name;
      const owner = reserved.has(name) ? 'a built-in tool' : owners.has(name) ? `a tool of plugin "${owners.get(name)}"` : undefined;
      if (owner !== undefined) {
        name = claimName({ base: `${plugin.name}__${original.name}`, taken: (candidate) => reserved.has(candidate) || owners.has(candidate) });
        clashes.push({ severity: 'warning', source: plugin.source, where: original.name, message: `The name "${original.name}" is taken by ${owner}; this tool is offered as "${name}".` });
      }
      owners.set(name, plugin.name);
      const description = markPluginDescription({ pluginName: plugin.name, description: original.description });
      entries.push({ plugin, original, tool: withIdentity({ tool: original, name, description }) });
    }
  }
  return { entries, clashes };
}

/** `base` cut to the length limit, with `_2`, `_3`… until it is free. */
function claimName({ base, taken }: { base: string; taken: (name: string) => boolean }): string {
  const clean = base.replace(/[^A-Za-z0-9_-]/g, '_');
  for (let attempt = 1; ; attempt++) {
    const suffix = attempt === 1 ? '' : `_${attempt}`;
    const candidate = clean.slice(0, MAX_TOOL_NAME_LENGTH - suffix.length) + suffix;
    if (!taken(candidate)) return candidate;
  }
}

/**
 * The tool under another name and description. A Gantry tool is a plain object and is copied; a
 * LangChain tool is a class instance whose methods read `this.name`, so it is wrapped in an
 * object that inherits from it.
 */
function withIdentity({ tool, name, description }: { tool: ToolLike; name: string; description: string }): ToolLike {
  if ((tool as { kind?: unknown }).kind === 'gantry-tool') return { ...tool, name, description } as ToolLike;
  return Object.create(tool, {
    name: { value: name, enumerable: true },
    description: { value: description, enumerable: true },
  }) as ToolLike;
}
