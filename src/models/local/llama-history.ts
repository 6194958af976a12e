import type { BaseMessage, ToolMessage } from '@langchain/core/messages';
import type { ChatHistoryItem, ChatModelFunctionCall, ChatModelResponse } from 'node-llama-cpp';
import { textOf } from '../../agent/model-call.ts';

/** Stands in for the result of a tool call that has none in the conversation. */
const MISSING_RESULT = '(no result)';

/**
 * Converts LangChain messages into node-llama-cpp's chat history. Tool calls of an AI message
 * become function calls of the model response, each with the result of the ToolMessage that
 * answers it, so the chat wrapper renders them in the model's own format. The history always
 * ends with a model response for the generation to continue: an empty one after a user turn, or
 * the last response itself when its tool results are the newest messages, so the model goes on
 * from its own function calls the way it was trained to.
 */
export function toChatHistory(messages: readonly BaseMessage[]): ChatHistoryItem[] {
  const results = new Map<string, string>();
  for (const message of messages) {
    if (message.getType() === 'tool') results.set((message as ToolMessage).tool_call_id, textOf(message));
  }
  const history: ChatHistoryItem[] = [];
  for (const message of messages) {
    const type = message.getType();
    if (type === 'system' || type === 'developer') history.push({ type: 'system', text: textOf(message) });
    else if (type === 'human' || type === 'generic') history.push({ type: 'user', text: textOf(message) });
    else if (type === 'ai') history.push(modelResponse({ message, results }));
  }
  const last = messages.at(-1);
  if (last?.getType() !== 'tool' || history.at(-1)?.type !== 'model') history.push({ type: 'model', response: [] });
  return history;
}

function modelResponse({ message, results }: { message: BaseMessage; results: Map<string, string> }): ChatModelResponse {
  const response: ChatModelResponse['response'] = [];
  const text = textOf(message);
  if (text) response.push(text);
  const calls = (message as { tool_calls?: { id?: string; name: string; args: unknown }[] }).tool_calls ?? [];
  for (const [index, call] of calls.entries()) {
    const functionCall: ChatModelFunctionCall = {
      type: 'functionCall',
      name: call.name,
      params: call.args,
      result: (call.id !== undefined ? results.get(call.id) : undefined) ?? MISSING_RESULT,
    };
    if (index === 0) functionCall.startsNewChunk = true;
    response.push(functionCall);
  }
  return { type: 'model', response };
}
