import type { Command } from 'commander';
import { UserError } from '../agent/errors.ts';
import { builtinTools } from '../tools/builtins.ts';
import { ToolRouter } from '../tools/router.ts';
import type { CliIO } from './io.ts';

export function registerToolsCommand(program: Command, io: CliIO): void {
  const tools = program
    .command('tools')
    .description('List the built-in tools, or call one directly.')
    .addHelpText('after', `\nExamples:\n  $ gantry tools list\n  $ gantry tools call calculator --args '{"expression":"2^100"}'`);

  tools
    .command('list')
    .description('List the built-in tools with their descriptions.')
    .option('--json', 'print a JSON array of { name, description, parameters }')
    .addHelpText('after', '\nExamples:\n  $ gantry tools list\n  $ gantry tools list --json')
    .action((options: { json?: boolean }) => {
      const definitions = new ToolRouter({ tools: builtinTools() }).definitions().map((d) => d.function);
      if (options.json) {
        io.stdout.write(`${JSON.stringify(definitions, null, 2)}\n`);
        return;
      }
      for (const definition of definitions) {
        io.stdout.write(`${definition.name}\n  ${definition.description.split('\n')[0]}\n`);
      }
    });

  tools
    .command('call')
    .description('Run one tool with JSON arguments, exactly as an agent would (same validation and limits).')
    .argument('<name>', 'the tool name (see gantry tools list)')
    .requiredOption('--args <json>', 'the arguments as a JSON object')
    .option('--json', 'print { "name", "output" } or { "name", "error" } as JSON')
    .addHelpText('after', `\nExamples:\n  $ gantry tools call calculator --args '{"expression":"5 km to mile"}'\n  $ gantry tools call calculator --args '{"expression":"2^100"}' --json`)
    .action(async (name: string, options: { args: string; json?: boolean }) => {
      const router = new ToolRouter({ tools: builtinTools() });
      if (!router.names.includes(name)) {
        throw new UserError(`Unknown tool "${name}". Built-in tools: ${router.names.join(', ')}.`);
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
}
