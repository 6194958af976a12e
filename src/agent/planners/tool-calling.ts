import { AIMessage, HumanMessage, SystemMessage, ToolMessage, type BaseMessage } from '@langchain/core/messages';
import { UserError } from '../errors.ts';
import { observationText, systemText, type Planner } from '../planner.ts';
import { parseArguments } from '../../tools/router.ts';
import type { StepRecord } from '../records.ts';

/** Native function calling: tools are bound to the model and calls come back as structured data. */
export const toolCallingPlanner: Planner = {
  name: 'tool-calling',

  prepare({ model, tools }) {
    if (tools.length === 0) return model;
    if (typeof model.bindTools !== 'function') {
      throw new UserError(
        `The model ${model.getName()} cannot bind tools, so the "tool-calling" planner cannot use it. ` +
          'Use planner: "react" (or "auto") for models without native tool calling.',
      );
    }
    return model.bindTools([...tools]);
  },

  messages({ instructions, input, steps, history }) {
    const messages: BaseMessage[] = [];
    const system = systemText(instructions, history);
    if (system) messages.push(new SystemMessage(system));
    for (const turn of history?.turns ?? []) {
      messages.push(new HumanMessage(turn.input));
      if (turn.answerOnly) messages.push(new AIMessage(turn.output));
      else for (const step of turn.steps) messages.push(...stepMessages(step));
    }
    messages.push(new HumanMessage(input));
    for (const step of steps) messages.push(...stepMessages(step));
    return messages;
  },

  decide({ reply }) {
    if (reply.toolCalls.length > 0) return { type: 'act', calls: reply.toolCalls };
    return { type: 'final', output: reply.text };
  },
};

/** Step records never change once written, so each step's messages are built once per run. */
const messageCache = new WeakMap<StepRecord, BaseMessage[]>();

function stepMessages(step: StepRecord): BaseMessage[] {
  const cached = messageCache.get(step);
  if (cached) return cached;
  const messages: BaseMessage[] = [
    new AIMessage({
      content: step.reply.text,
      tool_calls: step.reply.toolCalls.map((call) => {
        const parsed = parseArguments(call.argsText);
        const args = parsed.ok && isPlainObject(parsed.value) ? parsed.value : {};
        return { id: call.id, name: call.name, args, type: 'tool_call' as const };
      }),
    }),
    ...step.toolCalls.map(
      (record) => new ToolMessage({ tool_call_id: record.id, content: observationText(record), status: record.error === undefined ? 'success' : 'error' }),
    ),
  ];
  messageCache.set(step, messages);
  return messages;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
