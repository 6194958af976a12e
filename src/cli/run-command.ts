import type { Command } from 'commander';
import { UserError } from '../agent/errors.ts';
import type { RunResult } from '../agent/records.ts';
import { TraceWriter } from '../agent/trace.ts';
import { toJsonResult } from './json-result.ts';
import { setupAgent, type AgentSetupOptions } from './agent-setup.ts';
import { HumanPrinter } from './printer.ts';
import { parsePositiveInt, parsePositiveNumber, parsePrice, readStdin, type CliIO } from './io.ts';

export interface RunCommandOptions extends AgentSetupOptions {
  input?: string;
  json?: boolean;
  trace?: string;
}

export function registerRunCommand(program: Command, io: CliIO): void {
  program
    .command('run')
    .description('Run an agent on one input and print its answer.')
    .argument('[agent]', 'an example agent name (assistant, math) or a path to a module exporting an agent definition')
    .option('-m, --model <spec>', 'model as PROVIDER:MODEL (default: $GANTRY_MODEL), e.g. openai:gpt-4.1-mini')
    .option('--base-url <url>', 'OpenAI-compatible server for openai: models (default: $OPENAI_BASE_URL)')
    .option('--tools <names>', 'comma-separated tool names (default: the agent\'s tools; all built-ins without AGENT)')
    .option('--instructions <text>', 'system instructions, replacing the agent\'s')
    .option('-i, --input <text>', 'the task (default: read from stdin)')
    .option('--planner <name>', 'auto (default), tool-calling or react')
    .option('--max-steps <n>', 'most model calls in the run (default 25)', parsePositiveInt)
    .option('--max-tokens <n>', 'token budget for the run', parsePositiveInt)
    .option('--timeout <ms>', 'wall-clock limit for the run, in milliseconds', parsePositiveInt)
    .option('--max-cost <usd>', 'spend limit in US dollars (needs a known model price, or --price)', parsePositiveNumber)
    .option('--price <input,output>', 'the model\'s price in USD per million input and output tokens', parsePrice)
    .option('--json', 'print exactly one JSON object with the result on stdout')
    .option('--trace <file>', 'append the run\'s events to FILE as JSON lines')
    .option('--record <file>', 'record every model request and response to FILE (replay with --model replay:FILE)')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry run math --model openai:gpt-4.1-mini --input "A train covers 342 km in 3.6 h. Average speed in mph?"
  $ echo "What is 17% of 2,340?" | gantry run --model openai:qwen2.5 --base-url http://localhost:11434/v1
  $ gantry run assistant --model replay:demo.jsonl --input "What is 2^100?" --json
  $ gantry run ./my-agent.ts --model openai:gpt-4.1-mini --trace run.jsonl --record run.model.jsonl
  $ gantry run --model openai:my-finetune --price 0.3,1.2 --max-cost 0.05 --input "..."`,
    )
    .action(async (agentName: string | undefined, options: RunCommandOptions) => {
      io.setExitCode(await runCommand(agentName, options, io));
    });
}

/** Runs one agent and returns the exit code: 0 final answer, 1 failed or stopped by a budget. */
export async function runCommand(agentName: string | undefined, options: RunCommandOptions, io: CliIO): Promise<number> {
  const { agent } = await setupAgent({ agentName, options, io });
  const input = options.input ?? (await readStdin(io));
  if (!input.trim()) throw new UserError('No input: pass --input TEXT or pipe the task on stdin.');

  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error('Interrupted (Ctrl-C).'));
  };
  process.on('SIGINT', onSigint);
  const printer = options.json ? undefined : new HumanPrinter(io);
  const trace = options.trace ? new TraceWriter(options.trace) : undefined;
  let result: RunResult | undefined;
  try {
    for await (const event of agent.stream(input, { signal: controller.signal })) {
      trace?.write(event);
      printer?.handle(event);
      if (event.type === 'run_end') result = event.result;
    }
  } finally {
    printer?.dispose();
    process.off('SIGINT', onSigint);
    await trace?.close();
  }
  if (!result) throw new Error('The run ended without a result.');
  if (options.json) io.stdout.write(`${JSON.stringify(toJsonResult(result))}\n`);
  return result.stopReason === 'final' ? 0 : 1;
}

