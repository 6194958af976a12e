import { ChatOpenAI } from '@langchain/openai';
import { AIMessage, HumanMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { add, ADD_TOOL_DESCRIPTION, ADD_TOOL_NAME, TASK_PROMPT, type LoopRunner } from './add-task.ts';

/**
 * The floor for any loop built on @langchain/openai: a hand-written loop over a tool-bound
 * `ChatOpenAI` and its public `.stream()`, gathering text and tool-call chunks by hand (no
 * validation, retries or events). Its distance from the bare fetch loop is the cost of LangChain
 * and the OpenAI SDK, which Gantry's `openai:` models pay too.
 */
export function createChatOpenAIMinimalLoop({ baseURL }: { baseURL: string }): LoopRunner {
  const model = new ChatOpenAI({ model: 'stub-model', apiKey: 'test', configuration: { baseURL }, maxRetries: 0, streamUsage: true });
  const bound = model.bindTools([{
    type: 'function',
    function: {
      name: ADD_TOOL_NAME,
      description: ADD_TOOL_DESCRIPTION,
      parameters: { type: 'object', properties: { a: { type: 'number' }, b: { type: 'number' } }, required: ['a', 'b'] },
    },
  }]);

  return async () => {
    const messages: BaseMessage[] = [new HumanMessage(TASK_PROMPT)];
    let toolExecutions = 0;
    for (let call = 0; call < 50; call++) {
      let text = '';
      const calls = new Map<number, { id: string; name: string; args: string }>();
      for await (const chunk of await bound.stream(messages)) {
        if (typeof chunk.content === 'string') text += chunk.content;
        for (const piece of chunk.tool_call_chunks ?? []) {
          const entry = calls.get(piece.index ?? 0) ?? { id: '', name: '', args: '' };
          entry.id ||= piece.id ?? '';
          entry.name ||= piece.name ?? '';
          entry.args += piece.args ?? '';
          calls.set(piece.index ?? 0, entry);
        }
      }
      if (calls.size === 0) return { toolExecutions, output: text };
      const toolCalls = [...calls.values()].map((entry) => ({ id: entry.id, name: entry.name, args: JSON.parse(entry.args) as { a: number; b: number } }));
      messages.push(new AIMessage({ content: text, tool_calls: toolCalls.map((entry) => ({ ...entry, type: 'tool_call' as const })) }));
      for (const entry of toolCalls) {
        toolExecutions += 1;
        messages.push(new ToolMessage({ tool_call_id: entry.id, content: add(entry.args) }));
      }
    }
    throw new Error('The minimal ChatOpenAI loop did not finish in 50 model calls.');
  };
}
