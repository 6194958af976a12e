import type { StubReply, StubRequestRecord } from '../../src/testing/openai-stub-server.ts';

/**
 * The benchmark task every loop runs: ten sequential `add` calls that sum 1..10, then a final
 * answer. The stub derives each reply from the request itself, so every loop gets exactly the same
 * eleven replies however it numbers or renders its messages.
 */

export const TASK_PROMPT = 'Add the numbers 1 to 10 one at a time with the add tool, then state the sum.';
export const TOOL_CALLS_PER_RUN = 10;
export const MODEL_CALLS_PER_RUN = TOOL_CALLS_PER_RUN + 1;
export const FINAL_ANSWER = 'The sum of 1 to 10 is 55.';

export const ADD_TOOL_NAME = 'add';
export const ADD_TOOL_DESCRIPTION = 'Adds two numbers and returns the sum.';

/** The tool body every loop runs; returns a string so all loops send the model the same text. */
export function add({ a, b }: { a: number; b: number }): string {
  return String(a + b);
}

/** The running total after `steps` additions: 1 + 2 + … + steps. */
function totalAfter(steps: number): number {
  return (steps * (steps + 1)) / 2;
}

/**
 * The stub's script. Step k (the number of tool results in the conversation so far) asks for
 * `add({ a: total so far, b: k + 1 })`; after ten results it answers. It also checks that the last
 * tool result is the right sum, so a loop that skips the tool or drops its result fails loudly.
 */
export function replyForAddTask(request: StubRequestRecord): StubReply {
  const messages: { role: string; content: unknown }[] = request.body.messages ?? [];
  let toolResults = 0;
  for (const message of messages) if (message.role === 'tool') toolResults += 1;
  const last = messages.at(-1);
  if (toolResults > 0 && !(last?.role === 'tool' && last.content === String(totalAfter(toolResults)))) {
    return {
      status: 500,
      body: `bench: after ${toolResults} tool results the last message should be the tool result "${totalAfter(toolResults)}", got ${JSON.stringify(last)}`,
    };
  }
  if (toolResults >= TOOL_CALLS_PER_RUN) return { content: FINAL_ANSWER };
  const args = JSON.stringify({ a: totalAfter(toolResults), b: toolResults + 1 });
  return { toolCalls: [{ name: ADD_TOOL_NAME, arguments: args }] };
}

/** What one run of a loop reports, checked by `assertRunCompleted`. */
export interface LoopRunResult {
  /** How many times the loop's `add` tool body actually ran. */
  toolExecutions: number;
  /** The final answer text the loop returned. */
  output: string;
}

/** A loop under test: runs the task once against the stub at `baseURL`. */
export type LoopRunner = () => Promise<LoopRunResult>;

/** Throws unless a run executed all ten tool calls, made eleven model calls and returned the answer. */
export function assertRunCompleted({ loop, result, modelCalls }: {
  loop: string;
  result: LoopRunResult;
  modelCalls: number;
}): void {
  const problems: string[] = [];
  if (result.toolExecutions !== TOOL_CALLS_PER_RUN) problems.push(`ran the tool ${result.toolExecutions} times, expected ${TOOL_CALLS_PER_RUN}`);
  if (modelCalls !== MODEL_CALLS_PER_RUN) problems.push(`made ${modelCalls} model calls, expected ${MODEL_CALLS_PER_RUN}`);
  if (result.output.trim() !== FINAL_ANSWER) problems.push(`answered ${JSON.stringify(result.output)}, expected ${JSON.stringify(FINAL_ANSWER)}`);
  if (problems.length > 0) throw new Error(`Loop "${loop}" did not complete the task: ${problems.join('; ')}.`);
}
