import type { Command } from 'commander';
import { UserError } from '../agent/errors.ts';
import { builtinToolNames, builtinTools } from '../tools/builtins.ts';
import { ToolRouter } from '../tools/router.ts';
import type { CliIO } from './io.ts';
import { addPluginOptions, openCliPlugins, type CliPlugins, type PluginCliOptions } from './plugin-options.ts';

export function registerToolsCommand(program: Command, io: CliIO): void {
  const tools = program
    .command('tools')
    .description('List the built-in tools (and those of plugins), or call one directly.')
    .addHelpText('after', `\nExamples:\n  $ gantry tools list\n  $ gantry tools call calculator --args '{"expression":"2^100"}'\n  $ gantry tools call word_count --plugin ./plugins/text-tools --args '{"text":"one two"}'`);

  const list = tools
    .command('list')
    .description('List the built-in tools with their descriptions, and the tools of the plugins given or configured.')
    .option('--json', 'print a JSON array of { name, description, parameters }');
  addPluginOptions(list)
    .addHelpText(
      'after',
      `
Examples:
  $ gantry tools list
  $ gantry tools list --json
  $ gantry tools list --plugin ./plugins/text-tools
  $ gantry tools list --mcp "npx -y @modelcontextprotocol/server-everything" --json
  $ gantry tools list --config ./ci/gantry.config.json`,
    )
    .action(async (options: { json?: boolean } & PluginCliOptions) => {
      await withToolRouter({ options, io, onChange: 'warn' }, (router) => {
        const definitions = router.definitions().map((d) => d.function);
        if (options.json) {
          io.stdout.write(`${JSON.stringify(definitions, null, 2)}\n`);
          return;
        }
        for (const definition of definitions) {
          io.stdout.write(`${definition.name}\n  ${definition.description.split('\n')[0]}\n`);
        }
      });
    });

  const call = tools
    .command('call')
    .description('Run one tool with JSON arguments, exactly as an agent would (same validation and limits); plugin tools too.')
    .argument('<name>', 'the tool name (see gantry tools list)')
    .requiredOption('--args <json>', 'the arguments as a JSON object')
    .option('--json', 'print { "name", "output" } or { "name", "error" } as JSON');
  addPluginOptions(call)
    .addHelpText(
      'after',
      `
Examples:
  $ gantry tools call calculator --args '{"expression":"5 km to mile"}'
  $ gantry tools call calculator --args '{"expression":"2^100"}' --json
  $ gantry tools call word_count --plugin ./plugins/text-tools --args '{"text":"one two three"}'
  $ gantry tools call server-everything__echo --mcp "npx -y @modelcontextprotocol/server-everything" --args '{"message":"hi"}'
  $ gantry tools call weather__getForecast --args '{"city":"Oslo"}'   # a plugin from gantry.config.json
  $ gantry tools call weather__getForecast --args '{"city":"Oslo"}' --accept-plugin-changes`,
    )
    .action(async (name: string, options: { args: string; json?: boolean } & PluginCliOptions) => {
      await withToolRouter({ options, io, onChange: 'refuse' }, async (router, plugins) => {
        if (!router.names.includes(name)) {
          const pluginNames = plugins.tools.map((tool) => tool.name);
          throw new UserError(
            `Unknown tool "${name}". Built-in tools: ${builtinToolNames().join(', ')}.` +
              (pluginNames.length > 0 ? ` Plugin tools: ${pluginNames.join(', ')}.` : ''),
          );
        }
        const record = await router.call({ request: { id: 'cli', name, argsText: options.args }, runId: 'cli', signal: new AbortController().signal });
        await router.runEnded('cli');
        if (options.json) {
          const body = record.error === undefined ? { name, output: record.output } : { name, error: record.error };
          io.stdout.write(`${JSON.stringify(body)}\n`);
        } else if (record.error === undefined) {
          io.stdout.write(`${record.output}\n`);
        }
        if (record.error !== undefined) {
          io.stderr.write(`${record.error}\n`);
          io.setExitCode(1);
        }
      });
    });
}

/** A router over the built-ins and the plugin tools, for `task`; the plugins are closed afterwards. */
async function withToolRouter(
  { options, io, onChange }: { options: PluginCliOptions; io: CliIO; onChange: 'refuse' | 'warn' },
  task: (router: ToolRouter, plugins: CliPlugins) => void | Promise<void>,
): Promise<void> {
  const plugins = await openCliPlugins({ options, io, reservedNames: builtinToolNames(), onChange });
  try {
    await task(new ToolRouter({ tools: [...builtinTools(), ...plugins.tools] }), plugins);
  } finally {
    await plugins.close();
  }
}
