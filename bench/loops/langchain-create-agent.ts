import { ChatOpenAI } from '@langchain/openai';
import { AIMessage, createAgent, tool, ToolMessage } from 'langchain';
import { z } from 'zod';
import { add, ADD_TOOL_DESCRIPTION, ADD_TOOL_NAME, TASK_PROMPT, type LoopRunner } from './add-task.ts';

/**
 * LangChain v1's `createAgent` (a LangGraph ReAct graph) with a `ChatOpenAI` pointed at the stub.
 *
 * With `stream: true` the run goes through `agent.stream(..., { streamMode: ['messages', 'values'] })`:
 * the `messages` mode makes every model call stream over SSE (like Gantry), and `values` yields
 * the final state to read the answer from. With `stream: false` it is a plain `agent.invoke()`
 * with a non-streaming model. (Never `streaming: true` on the model with `invoke()`: that path
 * estimates token counts with a tokenizer LangChain downloads from the internet.)
 */
export function createLangChainAgentLoop({ baseURL, stream }: { baseURL: string; stream: boolean }): LoopRunner {
  let toolExecutions = 0;
  const addTool = tool((input: { a: number; b: number }) => {
    toolExecutions += 1;
    return add(input);
  }, {
    name: ADD_TOOL_NAME,
    description: ADD_TOOL_DESCRIPTION,
    schema: z.object({ a: z.number(), b: z.number() }),
  });
  const model = new ChatOpenAI({ model: 'stub-model', apiKey: 'test', configuration: { baseURL }, maxRetries: 0, streamUsage: true });
  const agent = createAgent({ model, tools: [addTool] });
  const input = () => ({ messages: [{ role: 'user', content: TASK_PROMPT }] });
  const config = { recursionLimit: 100 };

  return async () => {
    toolExecutions = 0;
    let finalMessages: unknown[] = [];
    if (stream) {
      for await (const [mode, payload] of await agent.stream(input(), { ...config, streamMode: ['messages', 'values'] })) {
        if (mode === 'values') finalMessages = (payload as { messages: unknown[] }).messages;
      }
    } else {
      finalMessages = (await agent.invoke(input(), config)).messages;
    }
    const toolMessages = finalMessages.filter((message) => ToolMessage.isInstance(message)).length;
    const last = finalMessages.at(-1);
    if (toolMessages !== toolExecutions) throw new Error(`createAgent: ${toolMessages} tool messages for ${toolExecutions} tool executions.`);
    return { toolExecutions, output: AIMessage.isInstance(last) ? last.text : '' };
  };
}
