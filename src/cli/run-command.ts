import { randomUUID } from 'node:crypto';
import { isAbsolute, resolve } from 'node:path';
import type { Command } from 'commander';
import type { Agent, RunOptions } from '../agent/agent.ts';
import { UserError } from '../agent/errors.ts';
import type { ConversationHistory } from '../agent/history.ts';
import type { RunResult } from '../agent/records.ts';
import { TraceWriter } from '../agent/trace.ts';
import { gantryHome, mainDatabasePath } from '../memory/database.ts';
import { assertResumable, RunStore } from '../memory/run-store.ts';
import { toJsonResult } from './json-result.ts';
import { addAgentOptions, type AgentSetup } from './agent-setup.ts';
import { setupAgentWithExtras, type AgentExtrasOptions } from './agent-extras.ts';
import { HumanPrinter } from './printer.ts';
import { addIndexOption } from './index-option.ts';
import { addConversationOptions, openCliConversation, type ConversationCliOptions } from './memory-options.ts';
import { addPluginOptions, pluginExamples } from './plugin-options.ts';
import { readStdin, type CliIO } from './io.ts';

export interface RunCommandOptions extends AgentExtrasOptions, ConversationCliOptions {
  input?: string;
  json?: boolean;
  trace?: string;
  /** A saved run's id (or unique prefix) to continue instead of starting a new run. */
  resume?: string;
  /** False with `--no-save`: the run is not checkpointed and cannot be resumed. */
  save?: boolean;
}

/**
 * Options that belong to one invocation rather than to the run, so they are not saved with it:
 * a resumed run takes them from its own command line. `--record` is among them because a
 * recording starts its file afresh, which would overwrite the first part of the run; and
 * `--accept-plugin-changes` because accepting a change is a decision for each invocation.
 */
const INVOCATION_OPTIONS: ReadonlySet<string> = new Set(['input', 'json', 'trace', 'record', 'resume', 'save', 'acceptPluginChanges', 'yes']);

export function registerRunCommand(program: Command, io: CliIO): void {
  const command = program.command('run');
  addAgentOptions(command, { scope: 'the run' })
    .description('Run an agent on one input and print its answer. Every run is saved, so an interrupted run can be resumed.')
    .argument('[agent]', 'an example agent name (assistant, math, librarian…) or a path to a module exporting an agent definition')
    .option('-i, --input <text>', 'the task (default: read from stdin)')
    .option('--json', 'print exactly one JSON object with the result on stdout')
    .option('--trace <file>', 'append the run\'s events to FILE as JSON lines')
    .option('--resume <run-id>', 'continue a saved run from its last completed step (see gantry runs list); options given now override its saved ones')
    .option('--no-save', 'do not save the run in $GANTRY_HOME/gantry.db (it cannot be resumed)');
  addPluginOptions(addIndexOption(addConversationOptions(command)))
    .addHelpText(
      'after',
      `
Examples:
  $ gantry run math --model openai:gpt-4.1-mini --input "A train covers 342 km in 3.6 h. Average speed in mph?"
  $ echo "What is 17% of 2,340?" | gantry run --model openai:qwen2.5 --base-url http://localhost:11434/v1
  $ gantry run assistant --model replay:demo.jsonl --input "What is 2^100?" --json
  $ gantry run ./my-agent.ts --model openai:gpt-4.1-mini --trace run.jsonl --record run.model.jsonl
  $ gantry run --model openai:my-finetune --price 0.3,1.2 --max-cost 0.05 --input "..."
  $ gantry run --resume 3f2a1b4c                      # continue an interrupted run
  $ gantry run --resume 3f2a1b4c --max-steps 40       # continue a run that ran out of steps
  $ gantry run librarian --index docs --model openai:gpt-4.1-mini --input "How do I rotate the keys?"
  $ gantry run --session trip --memory --model openai:gpt-4.1-mini --input "I prefer trains; plan Paris to Rome."
  $ gantry run --session trip --max-history-tokens 4000 --no-summarize --model openai:gpt-4.1-mini --input "And back?"
${pluginExamples({ command: 'run', rest: '--model openai:gpt-4.1-mini --input "..."' }).join('\n')}`,
    )
    .action(async (agentName: string | undefined, options: RunCommandOptions, command: Command) => {
      io.setExitCode(await runCommand(agentName, options, io, givenOptions(options, command)));
    });
}

/**
 * Runs one agent and returns the exit code: 0 final answer, 1 failed or stopped by a budget.
 * `given` are the options set on the command line (default: all of `options`); when resuming,
 * they override the saved run's options.
 */
export async function runCommand(
  agentName: string | undefined,
  options: RunCommandOptions,
  io: CliIO,
  given: Partial<RunCommandOptions> = options,
): Promise<number> {
  if (options.resume !== undefined) return resumeCommand({ agentName, runRef: options.resume, options, given, io });
  const input = options.input ?? (await readStdin(io));
  // Checked before the model is set up, so a missing input never costs a model download or a server start.
  if (!input.trim()) throw new UserError('No input: pass --input TEXT or pipe the task on stdin.');
  return withRunSetup({ agentName, options, input, io }, async ({ setup, run }) => {
    if (options.save === false) return streamRun({ agent: setup.agent, input, options, io, run });

    const store = RunStore.open(mainDatabasePath(gantryHome(io.env)));
    try {
      const runId = randomUUID();
      // The resolved model is saved so a resume does not depend on GANTRY_MODEL still being the same.
      store.create({
        runId,
        agent: agentReference(agentName),
        input,
        options: { ...savedOptions(given), model: setup.model.spec },
        ...(options.session ? { sessionId: options.session } : {}),
      });
      return await streamRun({ agent: setup.agent, input, options, io, run: { ...run, runId, checkpoint: store.checkpointer(runId) }, saved: true });
    } finally {
      store.close();
    }
  });
}

/**
 * Builds the agent with what `--session`, `--memory`, `--index` and the plugins add (history,
 * notes, tools, the plugin note in the instructions), runs `body`, stores the finished turn in
 * the session, and closes what was opened.
 */
async function withRunSetup(
  { agentName, options, input, io, resuming }: { agentName: string | undefined; options: RunCommandOptions; input: string; io: CliIO; resuming?: string },
  body: (prepared: { setup: AgentSetup; run: Pick<RunOptions, 'history' | 'additionalInstructions'> }) => Promise<RunResultAndCode>,
): Promise<number> {
  const conversation = openCliConversation({ options, env: io.env, stderr: io.stderr });
  let extras: Awaited<ReturnType<typeof setupAgentWithExtras>> | undefined;
  try {
    extras = await setupAgentWithExtras({ agentName, options, io, conversation });
    const { setup } = extras;
    const history = input.trim() ? withoutRun(await conversation.history({ model: setup.model.model }), resuming) : undefined;
    const notes = input.trim() ? conversation.notesFor(input) : undefined;
    const outcome = await body({ setup, run: { ...(history ? { history } : {}), ...(notes ? { additionalInstructions: notes } : {}) } });
    if (outcome.result) conversation.afterRun({ input, result: outcome.result });
    return outcome.code;
  } finally {
    await extras?.close();
    conversation.close();
  }
}

/** Continues a saved run: the same agent and input, its saved options overridden by those given now. */
async function resumeCommand({ agentName, runRef, options, given, io }: {
  agentName: string | undefined;
  runRef: string;
  options: RunCommandOptions;
  given: Partial<RunCommandOptions>;
  io: CliIO;
}): Promise<number> {
  if (options.input !== undefined) throw new UserError('--input cannot be used with --resume: a resumed run continues with the input it was started with.');
  if (agentName !== undefined) throw new UserError('AGENT cannot be used with --resume: a resumed run continues with the agent it was started with.');
  if (options.save === false) throw new UserError('--no-save cannot be used with --resume: resuming a run keeps saving it.');
  const store = RunStore.open(mainDatabasePath(gantryHome(io.env)));
  try {
    const run = store.get(runRef);
    // Checked before building the agent, so a finished run is reported even if its model is not configured now.
    assertResumable(run);
    const merged: RunCommandOptions = { ...(run.options as RunCommandOptions), ...savedOptions(given), ...invocationOptions(options) };
    return await withRunSetup({ agentName: run.agent ?? undefined, options: merged, input: run.input, io, resuming: run.id }, async ({ setup, run: extras }) => {
      store.claim(run.id);
      const resume = store.resumeState(run.id);
      return streamRun({ agent: setup.agent, input: run.input, options: merged, io, run: { ...extras, runId: run.id, resume, checkpoint: store.checkpointer(run.id) } });
    });
  } finally {
    store.close();
  }
}

/** Streams one run to the printer (or the JSON result) and the trace, and returns the exit code. */
async function streamRun({ agent, input, options, io, run, saved = false }: {
  agent: Agent;
  input: string;
  options: RunCommandOptions;
  io: CliIO;
  run: Pick<RunOptions, 'runId' | 'resume' | 'checkpoint' | 'history' | 'additionalInstructions'>;
  saved?: boolean;
}): Promise<RunResultAndCode> {
  const controller = new AbortController();
  const onSigint = () => {
    if (controller.signal.aborted) process.exit(130);
    controller.abort(new Error('Interrupted (Ctrl-C).'));
  };
  process.on('SIGINT', onSigint);
  const printer = options.json ? undefined : new HumanPrinter(io, { announceSavedRun: saved });
  const trace = options.trace ? new TraceWriter(options.trace) : undefined;
  let result: RunResult | undefined;
  try {
    for await (const event of agent.stream(input, { ...run, signal: controller.signal })) {
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
  return { result, code: result.stopReason === 'final' ? 0 : 1 };
}

/** A resumed run's own earlier turn (saved when it stopped) is not history to itself. */
function withoutRun(history: ConversationHistory | undefined, runId: string | undefined): ConversationHistory | undefined {
  if (!history || runId === undefined) return history;
  return { ...history, turns: history.turns.filter((turn) => turn.runId !== runId) };
}

/** A finished run and the exit code it maps to. */
interface RunResultAndCode {
  result?: RunResult;
  code: number;
}

/**
 * The options set on the command line, not by a default. Options added to `gantry run` later
 * (by other commands' authors) are covered without being named here.
 */
function givenOptions(options: RunCommandOptions, command: Command): Partial<RunCommandOptions> {
  const entries = Object.entries(options).filter(([key, value]) => value !== undefined && command.getOptionValueSource(key) !== 'default');
  return Object.fromEntries(entries) as Partial<RunCommandOptions>;
}

/** Everything that rebuilds the run's agent: all options but the per-invocation ones. */
function savedOptions(options: Partial<RunCommandOptions>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(options).filter(([key, value]) => value !== undefined && !INVOCATION_OPTIONS.has(key)));
}

function invocationOptions(options: RunCommandOptions): Partial<RunCommandOptions> {
  return Object.fromEntries(Object.entries(options).filter(([key, value]) => value !== undefined && INVOCATION_OPTIONS.has(key)));
}

/**
 * The agent as it must be named to load it again from any folder: a module path is made
 * absolute (the rule `loadAgentDefinition` uses to tell paths from example names).
 */
function agentReference(agentName: string | undefined): string | null {
  if (agentName === undefined) return null;
  const looksLikePath = agentName.includes('/') || agentName.includes('\\') || /\.[cm]?[jt]s$/.test(agentName);
  return looksLikePath && !isAbsolute(agentName) ? resolve(process.cwd(), agentName) : agentName;
}
