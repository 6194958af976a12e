import { add, ADD_TOOL_DESCRIPTION, ADD_TOOL_NAME, TASK_PROMPT, type LoopRunner } from './add-task.ts';

/**
 * The floor: a hand-written tool loop over plain `fetch`, with no framework. It sends the
 * conversation, reads the reply (SSE chunks when `stream` is set, one JSON body otherwise), runs
 * the requested tools, appends the assistant and tool messages, and repeats until a reply has no
 * tool calls. No validation, retries or events: this is what any loop must at least do.
 */

const TOOLS = [{
  type: 'function',
  function: {
    name: ADD_TOOL_NAME,
    description: ADD_TOOL_DESCRIPTION,
    parameters: {
      type: 'object',
      properties: { a: { type: 'number' }, b: { type: 'number' } },
      required: ['a', 'b'],
      additionalProperties: false,
    },
  },
}];

const MAX_MODEL_CALLS = 50;

interface AssistantMessage {
  role: 'assistant';
  content: string | null;
  tool_calls?: { id: string; type: 'function'; function: { name: string; arguments: string } }[];
}

export function createBareFetchLoop({ baseURL, stream }: { baseURL: string; stream: boolean }): LoopRunner {
  const url = `${baseURL}/chat/completions`;
  const headers = { 'content-type': 'application/json', authorization: 'Bearer test' };
  return async () => {
    const messages: unknown[] = [{ role: 'user', content: TASK_PROMPT }];
    let toolExecutions = 0;
    for (let call = 0; call < MAX_MODEL_CALLS; call++) {
      const body = { model: 'stub-model', messages, tools: TOOLS, ...(stream ? { stream: true, stream_options: { include_usage: true } } : {}) };
      const response = await fetch(url, { method: 'POST', headers, body: JSON.stringify(body) });
      if (!response.ok) throw new Error(`bare fetch: HTTP ${response.status}: ${await response.text()}`);
      const message = stream ? await readStreamedMessage(response) : ((await response.json()) as any).choices[0].message as AssistantMessage;
      messages.push(message);
      if (!message.tool_calls?.length) return { toolExecutions, output: message.content ?? '' };
      for (const toolCall of message.tool_calls) {
        toolExecutions += 1;
        messages.push({ role: 'tool', tool_call_id: toolCall.id, content: add(JSON.parse(toolCall.function.arguments)) });
      }
    }
    throw new Error(`bare fetch: no final answer after ${MAX_MODEL_CALLS} model calls.`);
  };
}

/** Reassembles an SSE chat completion stream into the assistant message it describes. */
async function readStreamedMessage(response: Response): Promise<AssistantMessage> {
  let content = '';
  const toolCalls: NonNullable<AssistantMessage['tool_calls']> = [];
  let buffered = '';
  const decoder = new TextDecoder();
  for await (const bytes of response.body!) {
    buffered += decoder.decode(bytes, { stream: true });
    let boundary: number;
    while ((boundary = buffered.indexOf('\n\n')) !== -1) {
      const event = buffered.slice(0, boundary);
      buffered = buffered.slice(boundary + 2);
      if (!event.startsWith('data: ') || event === 'data: [DONE]') continue;
      const delta = JSON.parse(event.slice(6)).choices[0]?.delta;
      if (delta?.content) content += delta.content;
      for (const piece of delta?.tool_calls ?? []) {
        const existing = toolCalls[piece.index];
        if (existing) existing.function.arguments += piece.function?.arguments ?? '';
        else toolCalls[piece.index] = { id: piece.id, type: 'function', function: { name: piece.function.name, arguments: piece.function.arguments ?? '' } };
      }
    }
  }
  return { role: 'assistant', content: content === '' && toolCalls.length > 0 ? null : content, ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}) };
}
