import { Command, CommanderError } from 'commander';
import { GantryError, UserError } from '../agent/errors.ts';
import { registerEnvCommand } from './env-command.ts';
import { registerIndexCommand } from './index-command.ts';
import type { CliIO } from './io.ts';
import { registerChatCommand } from './chat-command.ts';
import { registerMemoryCommand } from './memory-command.ts';
import { registerModelsCommand } from './models-command.ts';
import { registerPluginsCommand } from './plugins-command.ts';
import { registerRunCommand } from './run-command.ts';
import { registerRunsCommand } from './runs-command.ts';
import { registerSessionsCommand } from './sessions-command.ts';
import { registerToolsCommand } from './tools-command.ts';
import { VERSION } from '../version.ts';

/** Exit codes: 0 final answer or success, 1 a run failed or a budget stopped it, 2 usage or configuration error. */
export const EXIT_USAGE = 2;

export function buildProgram(io: CliIO): Command {
  const program = new Command('gantry')
    .description('Gantry: run tool-using LLM agents.')
    .version(VERSION)
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .exitOverride()
    .addHelpText(
      'after',
      `
Examples:
  $ gantry run math --model openai:gpt-4.1-mini --input "What is 15% of 80 km in miles?"
  $ gantry chat --model openai:gpt-4.1-mini --session trip --memory
  $ gantry env run household --policy agent --model openai:gpt-4.1-mini --mode react --episodes 12
  $ gantry sessions show trip            # the stored conversation; gantry sessions delete trip forgets it
  $ gantry memory list --all             # long-term notes; gantry memory remove ID deletes one
  $ gantry tools call calculator --args '{"expression":"2^100"}'
  $ gantry tools list --json
  $ gantry plugins inspect ./api.yaml   # what a plugin gives; gantry run --plugin SOURCE uses it
  $ gantry runs list                     # saved runs; gantry run --resume ID continues one
  $ gantry index add docs ./docs && gantry index search docs "install from source"
  $ gantry models pull local             # download the local model once; gantry models list shows the cache

Models: --model PROVIDER:MODEL or GANTRY_MODEL; openai:NAME with OPENAI_API_KEY or --base-url for
OpenAI-compatible servers (Ollama, vLLM, llama.cpp, LM Studio); replay:FILE replays a --record file.`,
    );
  registerRunCommand(program, io);
  registerEnvCommand(program, io);
  registerChatCommand(program, io);
  registerSessionsCommand(program, io);
  registerMemoryCommand(program, io);
  registerToolsCommand(program, io);
  registerPluginsCommand(program, io);
  registerRunsCommand(program, io);
  registerIndexCommand(program, io);
  registerModelsCommand(program, io);
  for (const command of program.commands) command.exitOverride();
  return program;
}

/** Runs the CLI and resolves to the exit code; never calls process.exit itself. */
export async function runCli(argv: readonly string[], io: CliIO): Promise<number> {
  let exitCode = 0;
  const program = buildProgram({ ...io, setExitCode: (code) => (exitCode = code) });
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      // Help and version "errors" are successful exits; every other parse error is a usage error.
      return error.exitCode === 0 ? 0 : EXIT_USAGE;
    }
    if (error instanceof UserError) {
      io.stderr.write(`gantry: ${error.message}\n`);
      return EXIT_USAGE;
    }
    const message = error instanceof GantryError || error instanceof Error ? error.message : String(error);
    io.stderr.write(`gantry: ${message}\n`);
    return 1;
  }
}
