import { readFileSync, writeFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { z } from 'zod';
import { createAgent, EVENT_SCHEMA_VERSION, tool, type AgentEvent } from '../../src/index.ts';
import { ScriptedChatModel } from '../../src/testing/index.ts';

/**
 * Pins the trace format (the AgentEvent JSON lines written by --trace) with a versioned fixture.
 * A change to the event shapes must bump EVENT_SCHEMA_VERSION and add a new fixture; regenerate
 * with GANTRY_UPDATE_FIXTURES=1 only for such a deliberate change.
 */
const FIXTURE = new URL('../fixtures/trace-v1.jsonl', import.meta.url);

function normalise(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(normalise);
  if (value && typeof value === 'object') {
    return Object.fromEntries(
      Object.entries(value).map(([key, item]) => [key, key === 'time' || key === 'durationMs' ? 0 : normalise(item)]),
    );
  }
  return value;
}

async function traceOfFixtureRun(): Promise<unknown[]> {
  const add = tool({ name: 'add', description: 'Adds.', schema: z.object({ a: z.number(), b: z.number() }), execute: ({ a, b }) => a + b });
  const model = new ScriptedChatModel({
    chunkSize: 100,
    replies: [
      { text: 'Adding.', toolCalls: [{ id: 'c1', name: 'add', args: { a: 2, b: 3 } }, { id: 'c2', name: 'add', args: '{"a":' }], usage: { inputTokens: 30, outputTokens: 12 } },
      { text: 'The sum is 5.', usage: { inputTokens: 60, outputTokens: 6 } },
    ],
  });
  const agent = createAgent({ model, modelName: 'gpt-4o-mini', tools: [add], instructions: 'Add.' });
  const events: AgentEvent[] = [];
  for await (const event of agent.stream('2+3?', { runId: 'run-fixture' })) events.push(event);
  return events.map(normalise);
}

describe('trace format v1', () => {
  it('matches the committed fixture', async () => {
    const events = await traceOfFixtureRun();
    if (process.env.GANTRY_UPDATE_FIXTURES) writeFileSync(FIXTURE, events.map((event) => JSON.stringify(event)).join('\n') + '\n');
    const fixture = readFileSync(FIXTURE, 'utf8').trim().split('\n').map((line) => JSON.parse(line));
    expect(events).toEqual(fixture);
    expect(fixture[0]).toMatchObject({ type: 'run_start', schemaVersion: EVENT_SCHEMA_VERSION });
  });
});
