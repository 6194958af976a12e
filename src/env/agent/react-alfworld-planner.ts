import { AIMessage, HumanMessage, SystemMessage, type BaseMessage } from '@langchain/core/messages';
import { observationText, systemText, type Planner, type PlannerDecision } from '../../agent/planner.ts';
import type { StepRecord } from '../../agent/records.ts';

/** What an empty or unusable reply is answered with. */
export const ALFWORLD_FORMAT_REMINDER =
  'Reply with exactly one line: either "think: <your reasoning>" or one action command such as "go to fridge 1".';

/** The system prompt when the caller gives no instructions. */
export const DEFAULT_ALFWORLD_INSTRUCTIONS =
  'Interact with a household to solve a task. Each turn, write exactly one line: either "think: <your reasoning>" ' +
  'to plan or note what you found (answered "OK."), or one action command (such as "go to fridge 1") to act; ' +
  'the observation follows. Use the commands the environment understands.';

/**
 * ReAct's ALFWorld format (Yao et al. 2023): the model writes one line per turn, `think: …` or an
 * action (optionally after `> `), and the transcript alternates `> line` and the observation. A
 * thought calls the `think` tool and an action the `act` tool, so both are ordinary tool calls in
 * the records and the trace. Stateless: the prompt is rebuilt from the step records.
 */
export const reactAlfworldPlanner: Planner = {
  name: 'react-alfworld',
  stop: ['\n'],

  prepare({ model }) {
    return model;
  },

  messages({ instructions, input, steps, history }) {
    const messages: BaseMessage[] = [new SystemMessage(systemText(instructions, history) ?? DEFAULT_ALFWORLD_INSTRUCTIONS)];
    for (const turn of history?.turns ?? []) {
      messages.push(new HumanMessage(turn.input));
      if (turn.answerOnly) messages.push(new AIMessage(turn.output));
      else messages.push(...stepMessages(turn.steps));
    }
    messages.push(new HumanMessage(input), ...stepMessages(steps));
    return messages;
  },

  decide({ reply, step }) {
    return decideLine({ line: firstLine(reply.text), id: `alfworld_${step}` });
  },
};

function decideLine({ line, id }: { line: string | undefined; id: string }): PlannerDecision {
  if (line === undefined) return { type: 'invalid', error: `The reply was empty. ${ALFWORLD_FORMAT_REMINDER}` };
  const thought = /^think\s*:\s*([\s\S]*)$/i.exec(line);
  if (thought) return { type: 'act', calls: [{ id, name: 'think', argsText: JSON.stringify({ thought: thought[1]!.trim() }) }] };
  return { type: 'act', calls: [{ id, name: 'act', argsText: JSON.stringify({ action: line }) }] };
}

/** The first non-empty line, without the `> ` prompt marker the transcript shows. */
function firstLine(text: string): string | undefined {
  for (const raw of text.split('\n')) {
    const line = raw.trim().replace(/^>\s*/, '').trim();
    if (line !== '') return line;
  }
  return undefined;
}

function stepMessages(steps: readonly StepRecord[]): BaseMessage[] {
  const messages: BaseMessage[] = [];
  for (const step of steps) {
    const line = firstLine(step.reply.text);
    // A blank assistant turn is refused by some servers; the reminder that follows says what happened.
    if (line !== undefined) messages.push(new AIMessage(`> ${line}`));
    if (step.final !== undefined) continue;
    const observation = step.planError !== undefined ? step.planError : step.toolCalls.map(observationText).join('\n');
    messages.push(new HumanMessage(observation));
  }
  return messages;
}
