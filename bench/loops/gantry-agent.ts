import { ChatOpenAI } from '@langchain/openai';
import type { BaseChatModel } from '@langchain/core/language_models/chat_models';
import { z } from 'zod';
import { createAgent, tool } from '../../src/index.ts';
import { add, ADD_TOOL_DESCRIPTION, ADD_TOOL_NAME, TASK_PROMPT, type LoopRunner } from './add-task.ts';

/**
 * Gantry's agent with a `ChatOpenAI` pointed at the stub. Gantry's single loop always streams
 * each model call through `.stream()`, so this loop always uses SSE.
 */
export function createGantryAgentLoop({ baseURL }: { baseURL: string }): LoopRunner {
  return createGantryLoopFor(new ChatOpenAI({ model: 'stub-model', apiKey: 'test', configuration: { baseURL }, maxRetries: 0, streamUsage: true }));
}

/** Gantry's agent with the benchmark's `add` tool around any chat model. */
export function createGantryLoopFor(model: BaseChatModel): LoopRunner {
  let toolExecutions = 0;
  const addTool = tool({
    name: ADD_TOOL_NAME,
    description: ADD_TOOL_DESCRIPTION,
    schema: z.object({ a: z.number(), b: z.number() }),
    execute: (input: { a: number; b: number }) => {
      toolExecutions += 1;
      return add(input);
    },
  });
  const agent = createAgent({ model, tools: [addTool] });

  return async () => {
    toolExecutions = 0;
    const result = await agent.run(TASK_PROMPT);
    if (result.stopReason !== 'final') {
      throw new Error(`Gantry: the run stopped with "${result.stopReason}" after ${result.steps.length} steps.`);
    }
    return { toolExecutions, output: result.output };
  };
}
