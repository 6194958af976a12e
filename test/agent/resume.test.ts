import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAgent, tool, type AgentEvent } from '../../src/index.ts';
import type { RunCheckpointer } from '../../src/agent/agent.ts';
import type { ScriptedReply, ScriptedRequest } from '../../src/testing/index.ts';
import { ScriptedChatModel } from '../../src/testing/index.ts';
import { openDatabase } from '../../src/memory/database.ts';
import { RunStore } from '../../src/memory/run-store.ts';

/**
 * Resuming in process: a "kill" is simulated either by aborting the run at a chosen moment, or by
 * giving a fresh store only the first events of a complete run (what a process killed right
 * after that event would have saved) and resuming from it.
 */

const stores: RunStore[] = [];
afterEach(() => {
  for (const store of stores.splice(0)) store.close();
});

function newStore(runId: string): RunStore {
  const store = new RunStore(openDatabase(':memory:'));
  stores.push(store);
  store.create({ runId, agent: null, input: 'Write three notes.', options: {} });
  return store;
}

/** A tool that counts its executions by call id; calls listed in `block` wait until the run is cancelled. */
function noteTool({ executions, block = [], started }: { executions: string[]; block?: string[]; started?: (id: string) => void }) {
  return tool({
    name: 'note',
    description: 'Writes a note.',
    schema: z.object({ text: z.string() }),
    execute: async ({ text }, { toolCallId, signal }) => {
      executions.push(toolCallId);
      started?.(toolCallId);
      if (block.includes(toolCallId)) {
        await new Promise((_, reject) => signal.addEventListener('abort', () => reject(signal.reason), { once: true }));
      }
      return `noted ${text}`;
    },
  });
}

/** The model's answers as a function of how many tool results it has seen, like a deterministic model. */
function replyFor(request: ScriptedRequest): ScriptedReply {
  const toolResults = request.messages.filter((message) => message.getType() === 'tool').length;
  if (toolResults === 0) return { toolCalls: [{ id: 'n1', name: 'note', args: { text: 'one' } }], usage: { inputTokens: 10, outputTokens: 2 } };
  if (toolResults === 1) {
    return {
      toolCalls: [{ id: 'n2', name: 'note', args: { text: 'two' } }, { id: 'n3', name: 'note', args: { text: 'three' } }],
      usage: { inputTokens: 20, outputTokens: 4 },
    };
  }
  return { text: 'Three notes written.', usage: { inputTokens: 30, outputTokens: 3 } };
}

function modelAnsweringAnything(): ScriptedChatModel {
  return new ScriptedChatModel({ replies: Array.from({ length: 10 }, () => replyFor) });
}

function outcome(steps: { toolCalls: { id: string; args: unknown; output?: string }[]; final?: string }[]) {
  return steps.map((step) => ({ calls: step.toolCalls.map(({ id, args, output }) => ({ id, args, output })), final: step.final }));
}

const COMPLETE_RUN = [
  { calls: [{ id: 'n1', args: { text: 'one' }, output: 'noted one' }], final: undefined },
  { calls: [{ id: 'n2', args: { text: 'two' }, output: 'noted two' }, { id: 'n3', args: { text: 'three' }, output: 'noted three' }], final: undefined },
  { calls: [], final: 'Three notes written.' },
];

describe('resuming a checkpointed run', () => {
  it('after a cancellation mid-step: the finished call is reused, the cut-short one runs again, the model is not asked again', async () => {
    const store = newStore('run-a');
    const executions: string[] = [];
    const controller = new AbortController();
    const firstAgent = createAgent({
      model: modelAnsweringAnything(),
      tools: [noteTool({ executions, block: ['n3'], started: (id) => id === 'n3' && setTimeout(() => controller.abort(new Error('killed')), 10) })],
    });
    const first = await firstAgent.run('Write three notes.', { runId: 'run-a', signal: controller.signal, checkpoint: store.checkpointer('run-a') });
    expect(first.stopReason).toBe('aborted');
    expect(executions).toEqual(['n1', 'n2', 'n3']);
    expect(store.get('run-a')).toMatchObject({ status: 'aborted', steps: 1 });

    const resume = store.resumeState('run-a');
    expect(resume.pending?.toolCalls.map((call) => call.id)).toEqual(['n2']);
    store.claim('run-a');
    const model = modelAnsweringAnything();
    const events: AgentEvent[] = [];
    const agent = createAgent({ model, tools: [noteTool({ executions })] });
    for await (const event of agent.stream('Write three notes.', { runId: 'run-a', resume, checkpoint: store.checkpointer('run-a') })) events.push(event);

    const result = events.at(-1)!.type === 'run_end' ? (events.at(-1) as Extract<AgentEvent, { type: 'run_end' }>).result : undefined;
    expect(result?.stopReason).toBe('final');
    expect(outcome(result!.steps)).toEqual(COMPLETE_RUN);
    expect(executions).toEqual(['n1', 'n2', 'n3', 'n3']);
    // Only the final answer was asked for: step 2's reply came from the checkpoint.
    expect(model.requests).toHaveLength(1);
    expect(events[0]).toMatchObject({ type: 'run_start', resumed: { steps: 1, toolCalls: 1 } });
    expect(events.filter((event) => event.type === 'tool_call_start').map((event) => (event as { toolCallId: string }).toolCallId)).toEqual(['n3']);
    expect(result!.usage).toEqual({ inputTokens: 60, outputTokens: 9, totalTokens: 69 });
    expect(store.get('run-a')).toMatchObject({ status: 'final', steps: 3, output: 'Three notes written.' });
  });

  it('from a kill after any event: no finished call runs again, no saved reply is asked for again', async () => {
    const recorded: AgentEvent[] = [];
    const recorder: RunCheckpointer = { record: (event) => recorded.push(structuredClone(event)) };
    const reference = await createAgent({ model: modelAnsweringAnything(), tools: [noteTool({ executions: [] })] })
      .run('Write three notes.', { runId: 'run-b', checkpoint: recorder });
    expect(outcome(reference.steps)).toEqual(COMPLETE_RUN);
    const modelCalls = recorded.filter((event) => event.type === 'model_message').length;
    // After the final step is saved the run has its answer and is not resumed (the store refuses it).
    const lastResumable = recorded.findIndex((event) => event.type === 'step_end' && event.record.final !== undefined);
    expect(recorded.slice(0, lastResumable).map((event) => event.type).filter((type) => type !== 'model_delta')).toEqual([
      'run_start',
      'step_start', 'model_message', 'tool_call_start', 'tool_call_end', 'step_end',
      'step_start', 'model_message', 'tool_call_start', 'tool_call_start', 'tool_call_end', 'tool_call_end', 'step_end',
      'step_start', 'model_message',
    ]);

    for (let cut = 0; cut <= lastResumable; cut++) {
      const saved = recorded.slice(0, cut);
      const store = newStore('run-b');
      const checkpoint = store.checkpointer('run-b');
      for (const event of saved) checkpoint.record(event);
      const finished = saved.flatMap((event) => (event.type === 'tool_call_end' ? [event.toolCallId] : []));
      const repliesSaved = saved.filter((event) => event.type === 'model_message').length;

      const executions: string[] = [];
      const model = modelAnsweringAnything();
      const agent = createAgent({ model, tools: [noteTool({ executions })] });
      const result = await agent.run('Write three notes.', { runId: 'run-b', resume: store.resumeState('run-b'), checkpoint: store.checkpointer('run-b') });

      const context = `cut after ${cut} events (${saved.at(-1)?.type ?? 'none'})`;
      expect({ context, outcome: outcome(result.steps) }).toEqual({ context, outcome: COMPLETE_RUN });
      expect({ context, executions: executions.sort() }).toEqual({ context, executions: ['n1', 'n2', 'n3'].filter((id) => !finished.includes(id)) });
      expect({ context, modelCalls: model.requests.length }).toEqual({ context, modelCalls: modelCalls - repliesSaved });
      expect({ context, status: store.get('run-b').status }).toEqual({ context, status: 'final' });
    }
  });
});
