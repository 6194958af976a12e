import { resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../agent/errors.ts';
import { webPolicyFromEnv } from '../net/web-policy.ts';
import { EMPTY_CONFIG, isUrl, loadGantryConfig, type PluginSourceConfig } from '../plugins/config.ts';
import { acceptFingerprints, checkFingerprints, type PluginChange } from '../plugins/fingerprints.ts';
import type { McpServerConfig } from '../plugins/mcp/server-config.ts';
import { parseMcpCommand } from '../plugins/mcp-command.ts';
import type { PluginProblem } from '../plugins/plugin.ts';
import { loadPlugins, type PluginRegistry } from '../plugins/registry.ts';
import { pluginInstructionsNote } from '../plugins/untrusted-descriptions.ts';
import type { ToolLike } from '../tools/registered-tool.ts';
import type { CliIO } from './io.ts';
import { withMainDatabase } from './main-database.ts';

/** `--plugin`, `--mcp`, `--config` and `--accept-plugin-changes`, shared by run, chat and tools. */
export interface PluginCliOptions {
  /** `--plugin SOURCE` (repeatable): paths are made absolute when parsed, so a saved run reloads them from anywhere. */
  plugin?: string[];
  /** `--mcp "COMMAND ARGS"` (repeatable). */
  mcp?: string[];
  /** `--config FILE` instead of the `gantry.config.json` found from the current folder. */
  config?: string;
  /** Trust plugin tool definitions that changed since they were last used. */
  acceptPluginChanges?: boolean;
}

/** Adds the plugin options; `--accept-plugin-changes` only where plugin tools are used. */
export function addPluginOptions(command: Command, { accept = true }: { accept?: boolean } = {}): Command {
  command
    .option('--plugin <source>', 'add a plugin for this command: an OpenAPI spec or ChatGPT manifest (URL or file), or a local plugin folder; repeatable', collectSource)
    .option('--mcp <command>', 'add an MCP server for this command: "COMMAND ARGS" (a local server) or an http(s):// URL; repeatable', collect)
    .option('--config <file>', 'the project config listing plugins and MCP servers (default: gantry.config.json in this folder or a parent)', (file: string) => resolve(file));
  if (accept) command.option('--accept-plugin-changes', 'trust plugin tools whose definitions changed since they were last used (after checking them with gantry plugins inspect)');
  return command;
}

/** Help lines for the plugin options: `gantry COMMAND PLUGIN-OPTIONS REST`. */
export function pluginExamples({ command, rest = '' }: { command: string; rest?: string }): string[] {
  return [
    '--plugin ./plugins/text-tools',
    '--plugin https://api.example.com/openapi.yaml --plugin ./weather/ai-plugin.json',
    '--mcp "npx -y @modelcontextprotocol/server-everything"',
    '--config ./ci/gantry.config.json --accept-plugin-changes',
  ].map((options) => `  $ gantry ${command} ${options}${rest ? ` ${rest}` : ''}`);
}

/** The plugin tools for one CLI command, and what to close after it. */
export interface CliPlugins {
  registry: PluginRegistry | undefined;
  tools: ToolLike[];
  /** The untrusted-descriptions note for the run's instructions; undefined without plugin tools. */
  instructions: string | undefined;
  close(): Promise<void>;
}

const NO_PLUGINS: CliPlugins = Object.freeze({ registry: undefined, tools: [], instructions: undefined, close: async () => {} });

/**
 * Loads what `gantry.config.json` and the options name, prints every problem on stderr (one line
 * each), and checks the tools' fingerprints. A plugin whose tools changed since they were last
 * used stops the command with a `UserError` (`onChange: 'refuse'`) or a warning (`'warn'`, for
 * commands that only show the tools), unless `--accept-plugin-changes` records the new state.
 */
export async function openCliPlugins({ options, io, reservedNames, onChange = 'refuse' }: {
  options: PluginCliOptions;
  io: CliIO;
  reservedNames: readonly string[];
  onChange?: 'refuse' | 'warn';
}): Promise<CliPlugins> {
  const sources = cliPluginSources({ options, env: io.env });
  if (sources.plugins.length === 0 && sources.mcp.length === 0) return NO_PLUGINS;
  const registry = await loadPlugins({ sources, env: io.env, policy: webPolicyFromEnv(io.env), reservedNames });
  try {
    printProblems({ problems: registry.problems, io });
    const changes = withMainDatabase({
      env: io.env,
      create: true,
      task: (db) => {
        if (!options.acceptPluginChanges) return checkFingerprints({ db: db!, plugins: registry.plugins });
        acceptFingerprints({ db: db!, plugins: registry.plugins });
        return [];
      },
    });
    if (changes.length > 0 && onChange === 'refuse') throw new UserError(describeChanges(changes));
    if (changes.length > 0) io.stderr.write(`gantry: ${describeChanges(changes)}\n`);
  } catch (error) {
    await registry.close();
    throw error;
  }
  return { registry, tools: registry.tools, instructions: pluginInstructionsNote(registry), close: () => registry.close() };
}

/**
 * The config file's plugins and servers followed by those of `--plugin` and `--mcp`. Servers
 * that would share a name (two `--mcp "npx …"`) are numbered, so their tools stay apart.
 */
export function cliPluginSources({ options, env, cwd = process.cwd(), useConfig = true }: {
  options: PluginCliOptions;
  env: NodeJS.ProcessEnv;
  cwd?: string;
  /** False to take only the options' sources. */
  useConfig?: boolean;
}): {
  plugins: PluginSourceConfig[];
  mcp: McpServerConfig[];
} {
  const config = useConfig ? loadGantryConfig({ ...(options.config ? { file: options.config } : {}), cwd, env }) : EMPTY_CONFIG;
  const plugins = [...config.plugins, ...(options.plugin ?? []).map((source) => ({ source }))];
  const taken = new Set<string>();
  const mcp = [...config.mcpServers, ...(options.mcp ?? []).map((line) => parseMcpCommand(line))].map((server) => {
    let name = server.name;
    for (let count = 2; taken.has(name); count++) name = `${server.name}_${count}`;
    taken.add(name);
    return { ...server, name };
  });
  return { plugins, mcp };
}

/** One line per problem: `gantry: plugin warning: SOURCE (WHERE): MESSAGE`. */
export function printProblems({ problems, io }: { problems: readonly PluginProblem[]; io: CliIO }): void {
  for (const problem of problems) io.stderr.write(`gantry: plugin ${formatProblem(problem)}\n`);
}

export function formatProblem(problem: PluginProblem): string {
  const where = problem.where === undefined ? '' : ` (${problem.where})`;
  return `${problem.severity}: ${problem.source}${where}: ${problem.message.replace(/\s*\n\s*/g, ' ')}`;
}

function describeChanges(changes: readonly PluginChange[]): string {
  const lines = changes.map((change) => {
    const parts = [
      change.added.length > 0 ? `added ${change.added.join(', ')}` : '',
      change.removed.length > 0 ? `removed ${change.removed.join(', ')}` : '',
      change.changed.length > 0 ? `changed ${change.changed.join(', ')}` : '',
    ].filter(Boolean);
    return `  ${change.plugin} (${change.source}): ${parts.join('; ')}`;
  });
  return [
    'Plugin tools changed since they were last used:',
    ...lines,
    'A changed description or schema can change what the model is told to do. Check them with',
    `gantry plugins inspect ${inspectArgument(changes[0]!)}, then rerun with --accept-plugin-changes to trust them.`,
  ].join('\n');
}

/** The change's source as `gantry plugins inspect` takes it (MCP servers go through --mcp). */
function inspectArgument({ kind, source }: PluginChange): string {
  const quoted = /^[\w@%+=:,./-]+$/.test(source) ? source : JSON.stringify(source);
  return kind === 'mcp' ? `--mcp ${JSON.stringify(source)}` : quoted;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

function collectSource(value: string, previous: string[] | undefined): string[] {
  return collect(isUrl(value) ? value : resolve(value), previous);
}
