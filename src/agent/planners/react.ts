import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { observationText, systemText, type Planner } from '../planner.ts';
import type { FunctionDefinition } from '../../tools/router.ts';
import type { StepRecord } from '../records.ts';
import { parseReAct, REACT_FORMAT_REMINDER } from './react-parser.ts';

/**
 * Text ReAct (Yao et al.) for models without native tool calling: the tools are described in
 * the prompt and the model writes Thought / Action / Action Input lines.
 */
export const reactPlanner: Planner = {
  name: 'react',
  stop: ['\nObservation:'],

  prepare({ model }) {
    return model;
  },

  messages({ instructions, input, steps, tools, history }) {
    const messages: BaseMessage[] = [new SystemMessage(systemPrompt(systemText(instructions, history), tools))];
    for (const turn of history?.turns ?? []) {
      messages.push(new HumanMessage(turn.input));
      if (turn.answerOnly) messages.push(new AIMessage(`Final Answer: ${turn.output}`));
      else messages.push(...stepMessages(turn.steps));
    }
    messages.push(new HumanMessage(input), ...stepMessages(steps));
    return messages;
  },

  decide({ reply, step, tools }) {
    const parsed = parseReAct(reply.text);
    if (parsed.type !== 'action') return parsed;
    const definition = tools.find((candidate) => candidate.function.name === parsed.tool);
    return {
      type: 'act',
      calls: [{ id: `react_${step}`, name: parsed.tool, argsText: coerceInput(parsed.input, definition) }],
    };
  },
};

function stepMessages(steps: readonly StepRecord[]): BaseMessage[] {
  const messages: BaseMessage[] = [];
  for (const step of steps) {
    const parsed = parseReAct(step.reply.text);
    messages.push(new AIMessage(parsed.type === 'action' ? parsed.text : step.reply.text));
    const observation = step.planError !== undefined ? `Error: ${step.planError}` : step.toolCalls.map(observationText).join('\n');
    if (step.final === undefined) messages.push(new HumanMessage(`Observation: ${observation}`));
  }
  return messages;
}

function systemPrompt(instructions: string | undefined, tools: readonly FunctionDefinition[]): string {
  const toolList = tools
    .map(({ function: f }) => `- ${f.name}: ${f.description}\n  Arguments (JSON schema): ${JSON.stringify(f.parameters)}`)
    .join('\n');
  return [
    instructions ?? 'You are a helpful assistant.',
    tools.length > 0 ? `You can use these tools:\n${toolList}` : 'No tools are available; answer directly.',
    `Work step by step. ${REACT_FORMAT_REMINDER}`,
    'After each Action you will receive "Observation: <result>". Use only tool names from the list, and ' +
      'give Action Input as one JSON object.',
  ].join('\n\n');
}

/**
 * Models often write a bare value (`Action Input: 2+2`) for a tool with one string argument;
 * that is wrapped into the object the tool expects. Anything else is passed on unchanged so
 * that the router reports what is wrong with it.
 */
function coerceInput(input: string, definition: FunctionDefinition | undefined): string {
  if (input === '' || !definition || isJsonObject(input)) return input;
  const properties = (definition.function.parameters.properties ?? {}) as Record<string, { type?: unknown }>;
  const names = Object.keys(properties);
  if (names.length !== 1 || properties[names[0]!]?.type !== 'string') return input;
  return JSON.stringify({ [names[0]!]: input.replace(/^(["'])([\s\S]*)\1$/, '$2') });
}

function isJsonObject(text: string): boolean {
  try {
    const value: unknown = JSON.parse(text);
    return typeof value === 'object' && value !== null && !Array.isArray(value);
  } catch {
    return false;
  }
}
