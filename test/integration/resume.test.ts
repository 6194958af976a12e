import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { startOpenAIStub, type OpenAIStub, type StubReply, type StubRequestRecord } from '../../src/testing/index.ts';
import { gantry } from '../cli/cli-harness.ts';

/**
 * The real thing: the built `gantry` command is killed with SIGKILL at chosen points of a run and
 * resumed. The journal agent's tool writes a line when a call starts and when it ends, so the
 * test sees every execution across processes. A tool call counts as completed once the run's
 * checkpoint has it (that is the promise: such a call never runs again); the call that was
 * blocking when the process died is allowed to run again.
 */

const AGENT = 'test/fixtures/agents/journal-agent.ts';
const FINAL_ANSWER = 'All three notes are written in the journal.';

interface Spawned {
  child: ChildProcess;
  exited: Promise<{ code: number | null; signal: NodeJS.Signals | null; stdout: string; stderr: string }>;
}

interface Scenario {
  home: string;
  journal: string;
  env: NodeJS.ProcessEnv;
}

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

beforeAll(() => {
  // Skipping would hide a broken build: `npm test` builds first, so dist/ must be there.
  if (!existsSync('dist/src/cli/bin.js')) throw new Error('dist/ is missing: run npm run build (npm test does) before these tests.');
});

function scenario(): Scenario {
  const home = mkdtempSync(join(tmpdir(), 'gantry-resume-'));
  cleanups.push(() => rmSync(home, { recursive: true, force: true }));
  const journal = join(home, 'journal.jsonl');
  return { home, journal, env: { PATH: process.env.PATH, NO_COLOR: '1', GANTRY_HOME: home, OPENAI_API_KEY: 'test', GANTRY_TEST_JOURNAL: journal } };
}

function spawnGantry(args: string[], env: NodeJS.ProcessEnv): Spawned {
  const child = spawn(process.execPath, ['bin/gantry.js', ...args], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  cleanups.push(() => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  });
  let stdout = '';
  let stderr = '';
  child.stdout!.on('data', (chunk) => (stdout += chunk));
  child.stderr!.on('data', (chunk) => (stderr += chunk));
  const exited = new Promise<Awaited<Spawned['exited']>>((resolve, reject) => {
    child.on('error', reject);
    child.on('close', (code, signal) => resolve({ code, signal, stdout, stderr }));
  });
  return { child, exited };
}

async function kill(spawned: Spawned): Promise<void> {
  spawned.child.kill('SIGKILL');
  const { signal } = await spawned.exited;
  expect(signal).toBe('SIGKILL');
}

/**
 * The model's side of the run, as a function of the request (how many tool results it carries),
 * so it answers the same however often the CLI was restarted: one journal call, then two calls
 * in parallel, then the answer. `holdAt` makes the first request with that many tool results
 * wait for ever, so the test can kill the process while the model call is in flight.
 */
function modelScript({ holdAt, answer = FINAL_ANSWER }: { holdAt?: number; answer?: string } = {}) {
  let holding = false;
  let arrived: () => void = () => {};
  const held = new Promise<void>((resolve) => (arrived = resolve));
  const replies = (request: StubRequestRecord): StubReply | Promise<StubReply> => {
    const toolResults = toolResultCount(request);
    if (toolResults === holdAt && !holding) {
      holding = true;
      arrived();
      // Never answered: the connection is dropped when the process is killed.
      return new Promise<StubReply>(() => {});
    }
    if (toolResults === 0) return { toolCalls: [{ id: 'j1', name: 'journal', arguments: '{"note":"one"}' }] };
    if (toolResults === 1) {
      return {
        toolCalls: [
          { id: 'j2', name: 'journal', arguments: '{"note":"two"}' },
          { id: 'j3', name: 'journal', arguments: '{"note":"three"}' },
        ],
      };
    }
    return { content: answer };
  };
  return { replies, held };
}

function toolResultCount(request: StubRequestRecord): number {
  return (request.body.messages as { role: string }[]).filter((message) => message.role === 'tool').length;
}

async function startStub(options: Parameters<typeof startOpenAIStub>[0]): Promise<OpenAIStub> {
  const stub = await startOpenAIStub(options);
  cleanups.push(() => stub.close());
  return stub;
}

function runArgs(stub: OpenAIStub): string[] {
  return ['run', AGENT, '--model', 'openai:stub-model', '--base-url', stub.baseURL, '--input', 'Write three notes.', '--json'];
}

async function listRuns(scene: Scenario): Promise<{ id: string; status: string; steps: number }[]> {
  const listed = await gantry(['runs', 'list', '--json'], { env: { GANTRY_HOME: scene.home } });
  expect(listed.code).toBe(0);
  return JSON.parse(listed.stdout);
}

async function showRun(scene: Scenario, id: string): Promise<{ steps: unknown[]; pending?: { toolCalls: { id: string }[] } }> {
  const shown = await gantry(['runs', 'show', id, '--json'], { env: { GANTRY_HOME: scene.home } });
  expect(shown.code).toBe(0);
  return JSON.parse(shown.stdout);
}

async function waitUntil(what: string, check: () => boolean | Promise<boolean>): Promise<void> {
  for (let attempt = 0; attempt < 1000; attempt++) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`Timed out waiting until ${what}.`);
}

function journalEntries(scene: Scenario): { event: 'start' | 'end'; id: string }[] {
  if (!existsSync(scene.journal)) return [];
  return readFileSync(scene.journal, 'utf8').trim().split('\n').filter(Boolean).map((line) => JSON.parse(line));
}

/** How many times each call started, by id. */
function starts(scene: Scenario): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of journalEntries(scene)) if (entry.event === 'start') counts[entry.id] = (counts[entry.id] ?? 0) + 1;
  return counts;
}

/** Checks the interrupted run is listed as such, resumes it to the end, and returns its id. */
async function resumeToTheEnd(scene: Scenario, extraArgs: string[] = []): Promise<string> {
  const [listed] = await listRuns(scene);
  expect(listed).toMatchObject({ status: 'interrupted' });
  const id = listed!.id;
  const resumed = await spawnGantry(['run', '--resume', id, '--json', ...extraArgs], scene.env).exited;
  expect({ code: resumed.code, stderr: resumed.stderr }).toEqual({ code: 0, stderr: '' });
  expect(JSON.parse(resumed.stdout)).toEqual({
    runId: id,
    output: FINAL_ANSWER,
    stopReason: 'final',
    steps: [
      { toolCalls: [{ name: 'journal', args: { note: 'one' }, output: 'noted: one' }] },
      { toolCalls: [{ name: 'journal', args: { note: 'two' }, output: 'noted: two' }, { name: 'journal', args: { note: 'three' }, output: 'noted: three' }] },
      { toolCalls: [] },
    ],
    usage: { inputTokens: expect.any(Number), outputTokens: expect.any(Number) },
  });
  expect((await listRuns(scene))[0]).toMatchObject({ id, status: 'final', steps: 3, stopReason: 'final' });
  return id;
}

describe('gantry run --resume after SIGKILL', () => {
  it('resumes a run killed while a model call is in flight, without running the finished step again', async () => {
    const scene = scenario();
    const script = modelScript({ holdAt: 1 });
    const stub = await startStub({ replies: script.replies });
    const first = spawnGantry(runArgs(stub), scene.env);
    await script.held;
    await kill(first);
    expect(starts(scene)).toEqual({ j1: 1 });

    await resumeToTheEnd(scene);
    expect(starts(scene)).toEqual({ j1: 1, j2: 1, j3: 1 });
    expect(stub.requests.map(toolResultCount)).toEqual([0, 1, 1, 3]);
  });

  it('resumes a step killed between two parallel tool calls: the finished one is reused, the model is not asked again', async () => {
    const scene = scenario();
    const script = modelScript();
    const stub = await startStub({ replies: script.replies });
    const first = spawnGantry(runArgs(stub), { ...scene.env, GANTRY_TEST_BLOCK: 'j3' });
    await waitUntil('j3 has started', () => starts(scene).j3 === 1);
    const [{ id } = { id: '' }] = await listRuns(scene);
    await waitUntil('j2 is checkpointed', async () => (await showRun(scene, id)).pending?.toolCalls.map((call) => call.id).join() === 'j2');
    await kill(first);

    await resumeToTheEnd(scene);
    // j3 was cut off mid-call, so it runs again; j1 and j2 had finished and do not.
    expect(starts(scene)).toEqual({ j1: 1, j2: 1, j3: 2 });
    expect(journalEntries(scene).filter((entry) => entry.event === 'end').map((entry) => entry.id)).toEqual(['j1', 'j2', 'j3']);
    expect(stub.requests.map(toolResultCount)).toEqual([0, 1, 3]);
  });

  it('resumes a run killed between steps, after the step was saved and while the next model call waits', async () => {
    const scene = scenario();
    const script = modelScript({ holdAt: 3 });
    const stub = await startStub({ replies: script.replies });
    const first = spawnGantry(runArgs(stub), scene.env);
    await script.held;
    const [{ id } = { id: '' }] = await listRuns(scene);
    const saved = await showRun(scene, id);
    expect({ steps: saved.steps.length, pending: saved.pending }).toEqual({ steps: 2, pending: undefined });
    await kill(first);

    await resumeToTheEnd(scene);
    expect(starts(scene)).toEqual({ j1: 1, j2: 1, j3: 1 });
    expect(stub.requests.map(toolResultCount)).toEqual([0, 1, 3, 3]);
  });

  it('resumes a run killed while the final answer streams, against a server given on the resume command line', async () => {
    const scene = scenario();
    // A long answer in slow chunks (about 3 s), so it is still streaming when the process is killed.
    const slow = await startStub({ replies: modelScript({ answer: FINAL_ANSWER.repeat(10) }).replies, delayMs: 25 });
    const first = spawnGantry(runArgs(slow), scene.env);
    await waitUntil('the final answer is requested', () => slow.requests.some((request) => toolResultCount(request) === 3));
    await sleep(150);
    await kill(first);

    const fast = await startStub({ replies: modelScript().replies });
    await resumeToTheEnd(scene, ['--base-url', fast.baseURL]);
    expect(starts(scene)).toEqual({ j1: 1, j2: 1, j3: 1 });
    expect(fast.requests.map(toolResultCount)).toEqual([3]);
  });
});
