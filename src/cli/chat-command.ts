import { randomBytes } from 'node:crypto';
import { createInterface } from 'node:readline/promises';
import type { Command } from 'commander';
import type { Agent } from '../agent/agent.ts';
import { describeError } from '../agent/errors.ts';
import type { ConversationHistory } from '../agent/history.ts';
import type { RunResult } from '../agent/records.ts';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { addAgentOptions } from './agent-setup.ts';
import { setupAgentWithExtras, type AgentExtrasOptions } from './agent-extras.ts';
import type { CliIO } from './io.ts';
import { addIndexOption } from './index-option.ts';
import { addConversationOptions, openCliConversation, type CliConversation, type ConversationCliOptions } from './memory-options.ts';
import { addPluginOptions, pluginExamples } from './plugin-options.ts';
import { HumanPrinter } from './printer.ts';

export interface ChatCommandOptions extends AgentExtrasOptions, ConversationCliOptions {}

const COMMANDS_HELP = [
  'Commands:',
  '  /reset   forget this session\'s conversation and start over',
  '  /exit    end the chat (so do Ctrl-D and Ctrl-C at the prompt)',
  '  /help    this list',
  'Ctrl-C while an answer is being written cancels that answer only.',
].join('\n');

export function registerChatCommand(program: Command, io: CliIO): void {
  const command = program
    .command('chat')
    .description('Talk with an agent, one turn per line; the conversation is kept in a session you can continue later.')
    .argument('[agent]', 'an example agent name (assistant, math, librarian…) or a path to a module exporting an agent definition');
  addAgentOptions(command, { scope: 'each answer' });
  addPluginOptions(addIndexOption(addConversationOptions(command)))
    .addHelpText(
      'after',
      `
${COMMANDS_HELP}

Without --session a new session id is made up and printed, so you can continue later.

Examples:
  $ gantry chat --model openai:gpt-4.1-mini
  $ gantry chat --model openai:gpt-4.1-mini --session trip-planning
  $ gantry chat math --model openai:qwen2.5 --base-url http://localhost:11434/v1 --session homework --memory
  $ gantry chat --model openai:gpt-4.1-mini --session work --memory alice --max-history-tokens 4000 --no-summarize
  $ gantry chat --model openai:gpt-4.1-mini --tools calculator,web_fetch --planner react --max-steps 10 --timeout 60000
  $ gantry chat librarian --model openai:gpt-4.1-mini --index docs --session docs-questions
  $ printf 'My name is Ada.\\nWhat is my name?\\n' | gantry chat --model openai:gpt-4.1-mini --session demo
${pluginExamples({ command: 'chat', rest: '--model openai:gpt-4.1-mini' }).join('\n')}`,
    )
    .action(async (agentName: string | undefined, options: ChatCommandOptions) => {
      io.setExitCode(await chatCommand(agentName, options, io));
    });
}

/**
 * The interactive loop: each line is one turn, answered with the session's history and saved to
 * it. Works on a terminal (prompt, live answers) and with piped stdin (one turn per line, no
 * prompt). Returns the exit code.
 */
export async function chatCommand(agentName: string | undefined, options: ChatCommandOptions, io: CliIO): Promise<number> {
  const sessionId = options.session ?? newSessionId();
  const conversation = openCliConversation({ options: { ...options, session: sessionId }, env: io.env, stderr: io.stderr });
  let extras: Awaited<ReturnType<typeof setupAgentWithExtras>> | undefined;
  try {
    extras = await setupAgentWithExtras({ agentName, options, io, conversation });
    const { agent, model } = extras.setup;
    io.stderr.write(
      options.session === undefined
        ? `New session ${sessionId}; continue it later with: gantry chat --session ${sessionId}\n`
        : `Session ${sessionId}.\n`,
    );
    await chatLoop({ agent, model: model.model, conversation, io });
    return 0;
  } finally {
    await extras?.close();
    conversation.close();
  }
}

async function chatLoop({ agent, model, conversation, io }: { agent: Agent; model: BaseChatModel; conversation: CliConversation; io: CliIO }): Promise<void> {
  const interactive = Boolean(io.stdin.isTTY);
  const lines = createInterface({ input: io.stdin, ...(interactive ? { output: io.stdout, terminal: true } : { terminal: false }) });
  lines.setPrompt('you> ');
  let answering: AbortController | undefined;
  // Ctrl-C cancels the answer being written; at the prompt it ends the chat.
  const onInterrupt = () => {
    if (answering) answering.abort(new Error('Interrupted (Ctrl-C).'));
    else lines.close();
  };
  lines.on('SIGINT', onInterrupt);
  process.on('SIGINT', onInterrupt);
  const prompt = () => {
    if (interactive) lines.prompt();
  };
  try {
    prompt();
    for await (const raw of lines) {
      const line = raw.trim();
      if (line === '/exit') break;
      if (line === '/help') io.stderr.write(`${COMMANDS_HELP}\n`);
      else if (line === '/reset') {
        conversation.resetSession();
        io.stderr.write(`Session ${conversation.sessionId} cleared: the next turn starts a new conversation.\n`);
      } else if (/^\/\w+$/.test(line)) io.stderr.write(`Unknown command ${line}; /help lists the commands.\n`);
      else if (line !== '') {
        answering = new AbortController();
        try {
          await answer({ agent, model, conversation, io, input: line, signal: answering.signal });
        } finally {
          answering = undefined;
        }
      }
      prompt();
    }
  } finally {
    lines.off('SIGINT', onInterrupt);
    process.off('SIGINT', onInterrupt);
    lines.close();
  }
}

/** One turn: the session's history (and recalled notes), the streamed answer, the turn saved. */
async function answer({
  agent,
  model,
  conversation,
  io,
  input,
  signal,
}: {
  agent: Agent;
  model: BaseChatModel;
  conversation: CliConversation;
  io: CliIO;
  input: string;
  signal: AbortSignal;
}): Promise<void> {
  let history: ConversationHistory | undefined;
  try {
    history = await conversation.history({ model, signal });
  } catch (error) {
    // A failed summary (the model is down, or Ctrl-C) costs this turn, not the chat.
    io.stderr.write(signal.aborted ? 'Cancelled.\n' : `gantry: ${describeError(error)}\n`);
    return;
  }
  const printer = new HumanPrinter(io);
  let result: RunResult | undefined;
  try {
    const notes = conversation.notesFor(input);
    const run = { signal, ...(history ? { history } : {}), ...(notes ? { additionalInstructions: notes } : {}) };
    for await (const event of agent.stream(input, run)) {
      printer.handle(event);
      if (event.type === 'run_end') result = event.result;
    }
  } finally {
    printer.dispose();
  }
  if (result) conversation.afterRun({ input, result });
}

/** `chat-20250301-142233-9f3a`: sortable, short enough to type, unlikely to collide. */
function newSessionId(): string {
  const stamp = new Date().toISOString().slice(0, 19).replace(/[-:]/g, '').replace('T', '-');
  return `chat-${stamp}-${randomBytes(2).toString('hex')}`;
}
