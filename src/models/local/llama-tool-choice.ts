import type { ChatHistoryItem, ChatModelFunctions, GbnfJsonSchema } from 'node-llama-cpp';
import { UserError } from '../../agent/errors.ts';
import type { FunctionDefinition } from '../../tools/router.ts';
import { toGrammarSchema } from './llama-schema.ts';

/** The `tool_choice` values LangChain and OpenAI use. */
export type ToolChoice = 'auto' | 'none' | 'required' | 'any' | string | { type: 'function'; function: { name: string } };

/** How one generation uses the bound tools. */
export type ToolPlan =
  | { type: 'none' }
  | { type: 'native'; functions: ChatModelFunctions }
  | { type: 'forced'; envelope: GbnfJsonSchema; tools: readonly FunctionDefinition[] };

/**
 * Chooses native function calling (the model decides, in its chat format) or, when a tool call
 * is required, a grammar that only admits the JSON envelope `{"name", "arguments"}` of the
 * allowed tools: node-llama-cpp cannot force a native call.
 */
export function planTools({ tools, toolChoice }: { tools: readonly FunctionDefinition[]; toolChoice: ToolChoice | undefined }): ToolPlan {
  if (tools.length === 0 || toolChoice === 'none') return { type: 'none' };
  const forcedName = typeof toolChoice === 'object' ? toolChoice.function.name : ['auto', 'required', 'any', undefined].includes(toolChoice) ? undefined : toolChoice;
  if (forcedName === undefined && (toolChoice === undefined || toolChoice === 'auto')) {
    return { type: 'native', functions: Object.fromEntries(tools.map((tool) => [tool.function.name, nativeFunction(tool)])) };
  }
  const allowed = forcedName === undefined ? tools : tools.filter((tool) => tool.function.name === forcedName);
  if (allowed.length === 0) {
    throw new UserError(`tool_choice names the tool "${forcedName}", which is not bound. Bound tools: ${tools.map((tool) => tool.function.name).join(', ')}.`);
  }
  const branches = allowed.map((tool) => ({
    type: 'object',
    properties: { name: { const: tool.function.name }, arguments: toGrammarSchema(tool.function.parameters) },
  }));
  const envelope = (branches.length === 1 ? branches[0] : { oneOf: branches }) as GbnfJsonSchema;
  return { type: 'forced', envelope, tools: allowed };
}

function nativeFunction(tool: FunctionDefinition): ChatModelFunctions[string] {
  const { description, parameters } = tool.function;
  const properties = (parameters as { properties?: Record<string, unknown> }).properties;
  // A tool without arguments gets no params, which chat wrappers render as an empty call.
  if (!properties || Object.keys(properties).length === 0) return { description };
  return { description, params: toGrammarSchema(parameters) };
}

/**
 * Adds the instruction for a forced call just before the model's turn, after everything the
 * earlier steps evaluated, so the cached prompt prefix still applies.
 */
export function withForcedCallInstruction({ history, tools }: { history: ChatHistoryItem[]; tools: readonly FunctionDefinition[] }): ChatHistoryItem[] {
  const listed = tools.map((tool) => JSON.stringify({ name: tool.function.name, description: tool.function.description, parameters: tool.function.parameters }));
  const instruction: ChatHistoryItem = {
    type: 'system',
    text:
      'Call a tool now. Reply with only a JSON object of the form {"name": "<tool name>", "arguments": {...}}, ' +
      `using one of these tools:\n${listed.join('\n')}`,
  };
  const last = history.at(-1);
  if (last?.type === 'model' && last.response.length === 0) return [...history.slice(0, -1), instruction, last];
  return [...history, instruction, { type: 'model', response: [] }];
}
