import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../agent/errors.ts';
import { webPolicyFromEnv } from '../net/web-policy.ts';
import { isUrl, loadGantryConfig } from '../plugins/config.ts';
import { fingerprintStates } from '../plugins/fingerprints.ts';
import type { LoadedPlugin, PluginProblem } from '../plugins/plugin.ts';
import { loadPlugins, type PluginRegistry, type PluginSources } from '../plugins/registry.ts';
import { registerTool } from '../tools/registered-tool.ts';
import type { CliIO } from './io.ts';
import { withMainDatabase } from './main-database.ts';
import { addPluginOptions, cliPluginSources, formatProblem, type PluginCliOptions } from './plugin-options.ts';
import { countOf, formatTable } from './table.ts';

interface InspectOptions extends PluginCliOptions {
  json?: boolean;
}

export function registerPluginsCommand(program: Command, io: CliIO): void {
  const plugins = program
    .command('plugins')
    .description('Inspect the tools that plugins (OpenAPI specs, ChatGPT manifests, MCP servers, local plugins) give, and list the configured ones.')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry plugins inspect ./openapi.yaml
  $ gantry plugins inspect --mcp "npx -y @modelcontextprotocol/server-everything" --json
  $ gantry plugins list`,
    );

  const inspect = plugins
    .command('inspect')
    .description('Load a plugin and print what it yields: each tool\'s name, description and parameters, then any problems. Without SOURCE, --plugin or --mcp, inspects everything gantry.config.json configures.')
    .argument('[source]', 'a URL (https://host means its /.well-known/ai-plugin.json), an OpenAPI spec or ai-plugin.json file, a folder, a local plugin (gantry-plugin.json or its folder), or the name of a plugin or MCP server in gantry.config.json')
    .option('--json', 'print exactly { "tools": [{ "name", "description", "parameters" }], "problems": [{ "severity", "source", "where"?, "message" }] }');
  addPluginOptions(inspect, { accept: false })
    .addHelpText(
      'after',
      `
Exit code: 0 when tools loaded (even with warnings), 1 when nothing could be loaded.
Nothing is recorded: inspecting a changed plugin does not accept the change.

Examples:
  $ gantry plugins inspect https://plugins.example.com              # its /.well-known/ai-plugin.json
  $ gantry plugins inspect ./specs/petstore.yaml --json
  $ gantry plugins inspect ./plugins/text-tools                     # a local plugin
  $ gantry plugins inspect --mcp "npx -y @modelcontextprotocol/server-everything"
  $ gantry plugins inspect --mcp http://127.0.0.1:3001/mcp
  $ gantry plugins inspect --plugin ./a/openapi.json --plugin ./b/openapi.json   # several at once
  $ gantry plugins inspect weather --config ./ci/gantry.config.json  # a plugin named in the config
  $ gantry plugins inspect                                          # everything gantry.config.json configures
  $ GANTRY_WEB_ALLOW=127.0.0.1:8080 gantry plugins inspect http://127.0.0.1:8080/openapi.json`,
    )
    .action(async (source: string | undefined, options: InspectOptions) => {
      io.setExitCode(await inspectCommand({ source, options, io }));
    });

  plugins
    .command('list')
    .description('List the plugins and MCP servers gantry.config.json configures, with their tool count and fingerprint state: ok (as last used), changed (differs: check with inspect), new (not used yet), failed (did not load).')
    .option('--json', 'print { "plugins": [{ "name", "kind", "source", "tools", "state" }], "problems": [...] }')
    .option('--config <file>', 'the project config (default: gantry.config.json in this folder or a parent)', (file: string) => resolve(file))
    .addHelpText('after', '\nExamples:\n  $ gantry plugins list\n  $ gantry plugins list --json --config ./ci/gantry.config.json')
    .action(async (options: { json?: boolean; config?: string }) => {
      await listCommand({ options, io });
    });
}

async function inspectCommand({ source, options, io }: { source: string | undefined; options: InspectOptions; io: CliIO }): Promise<number> {
  const sources = inspectSources({ source, options, env: io.env });
  if (sources.plugins.length === 0 && sources.mcp.length === 0) {
    throw new UserError('Nothing to inspect: give a SOURCE, --mcp "COMMAND ARGS", or configure plugins in gantry.config.json.');
  }
  const registry = await loadPlugins({ sources, env: io.env, policy: webPolicyFromEnv(io.env) });
  try {
    const tools = registry.entries.map(({ tool, original }) => {
      const { description, parameters } = registerTool(original);
      return { name: tool.name, description, parameters };
    });
    if (options.json) io.stdout.write(`${JSON.stringify({ tools, problems: registry.problems.map(problemJson) }, null, 2)}\n`);
    else io.stdout.write(formatInspection({ registry, tools }));
    return tools.length === 0 && registry.problems.some((problem) => problem.severity === 'error') ? 1 : 0;
  } finally {
    await registry.close();
  }
}

/**
 * SOURCE is itself a source, or (a bare name with no such file) a plugin or MCP server named in
 * the config, inspected with its auth and environment. Without SOURCE and `--mcp`, everything
 * the config lists.
 */
function inspectSources({ source, options, env }: { source: string | undefined; options: InspectOptions; env: NodeJS.ProcessEnv }): PluginSources {
  const given = cliPluginSources({ options: { plugin: options.plugin ?? [], mcp: options.mcp ?? [] }, env, useConfig: false });
  if (source === undefined && given.plugins.length === 0 && given.mcp.length === 0) {
    return cliPluginSources({ options: { ...(options.config ? { config: options.config } : {}) }, env });
  }
  const { mcp } = given;
  if (source === undefined) return given;
  if (/^[A-Za-z0-9_-]+$/.test(source) && !existsSync(source)) {
    const config = loadGantryConfig({ ...(options.config ? { file: options.config } : {}), env });
    const plugin = config.plugins.find((entry) => entry.name === source);
    const server = config.mcpServers.find((entry) => entry.name === source);
    if (plugin) return { plugins: [plugin, ...given.plugins], mcp };
    if (server) return { plugins: given.plugins, mcp: [server, ...mcp] };
  }
  return { plugins: [{ source: isUrl(source) ? source : resolve(source) }, ...given.plugins], mcp };
}

function formatInspection({ registry, tools }: { registry: PluginRegistry; tools: { name: string; description: string; parameters: Record<string, unknown> }[] }): string {
  const lines: string[] = [];
  let index = 0;
  for (const plugin of registry.plugins) {
    lines.push(`${plugin.name} (${plugin.kind}, ${plugin.source}): ${countOf(plugin.tools.length, 'tool')}`);
    for (const _ of plugin.tools) {
      const tool = tools[index++]!;
      lines.push(`  ${tool.name}(${compactParameters(tool.parameters)})`);
      const summary = tool.description.split('\n')[0]!.trim();
      if (summary) lines.push(`    ${summary}`);
    }
  }
  if (registry.problems.length > 0) lines.push('', 'Problems:', ...registry.problems.map((problem) => `  ${formatProblem(problem)}`));
  return `${lines.join('\n')}\n`;
}

/** `city: string, days?: integer, units?: "metric"|"imperial"`. */
function compactParameters(parameters: Record<string, unknown>): string {
  const properties = (parameters.properties ?? {}) as Record<string, Record<string, unknown>>;
  const required = new Set((parameters.required ?? []) as string[]);
  return Object.entries(properties)
    .map(([name, schema]) => `${name}${required.has(name) ? '' : '?'}: ${typeOf(schema)}`)
    .join(', ');
}

function typeOf(schema: Record<string, unknown> | undefined): string {
  if (schema === undefined || typeof schema !== 'object') return 'any';
  if (Array.isArray(schema.enum)) return schema.enum.map((value) => JSON.stringify(value)).join('|');
  if (Array.isArray(schema.type)) return schema.type.join('|');
  if (schema.type === 'array') return `${typeOf(schema.items as Record<string, unknown> | undefined)}[]`;
  if (typeof schema.type === 'string') return schema.type;
  const variants = (schema.anyOf ?? schema.oneOf) as Record<string, unknown>[] | undefined;
  return Array.isArray(variants) ? variants.map(typeOf).join('|') : 'any';
}

function problemJson(problem: PluginProblem): PluginProblem {
  const { severity, source, where, message } = problem;
  return { severity, source, ...(where === undefined ? {} : { where }), message };
}

async function listCommand({ options, io }: { options: { json?: boolean; config?: string }; io: CliIO }): Promise<void> {
  const sources = cliPluginSources({ options: { ...(options.config ? { config: options.config } : {}) }, env: io.env });
  if (sources.plugins.length === 0 && sources.mcp.length === 0) {
    if (options.json) io.stdout.write(`${JSON.stringify({ plugins: [], problems: [] }, null, 2)}\n`);
    else io.stdout.write('No plugins configured. List them in gantry.config.json (see gantry plugins --help), or add them to one command with --plugin and --mcp.\n');
    return;
  }
  const registry = await loadPlugins({ sources, env: io.env, policy: webPolicyFromEnv(io.env) });
  try {
    const states = withMainDatabase({ env: io.env, task: (db) => fingerprintStates({ db, plugins: registry.plugins }) });
    const rows = registry.plugins.map((plugin) => ({
      name: plugin.name,
      kind: plugin.kind,
      source: plugin.source,
      tools: plugin.tools.length,
      state: failed(plugin) ? 'failed' : states.get(plugin)!,
    }));
    if (options.json) {
      io.stdout.write(`${JSON.stringify({ plugins: rows, problems: registry.problems.map(problemJson) }, null, 2)}\n`);
      return;
    }
    const table = rows.map((row) => [row.name, row.kind, String(row.tools), row.state, row.source]);
    io.stdout.write(formatTable([['NAME', 'KIND', 'TOOLS', 'STATE', 'SOURCE'], ...table]));
    for (const problem of registry.problems) io.stderr.write(`gantry: plugin ${formatProblem(problem)}\n`);
  } finally {
    await registry.close();
  }
}

function failed(plugin: LoadedPlugin): boolean {
  return plugin.tools.length === 0 && plugin.problems.some((problem) => problem.severity === 'error');
}
