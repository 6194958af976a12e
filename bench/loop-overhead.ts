/**
 * Per-step overhead of agent loops on the same local OpenAI stub and the same task (ten
 * sequential `add` tool calls, then an answer: eleven model calls per run).
 *
 *   node bench/loop-overhead.ts [--runs 30] [--warmup 5] [--chunk-size 4] [--loops a,b] [--json]
 *
 * `BENCH_RUNS` and `BENCH_WARMUP` set the defaults of `--runs` and `--warmup`. Loops are
 * interleaved (the order rotates every round) so drift in machine load hits them alike. The
 * figures are wall-clock milliseconds per model call, stub time included; since the stub is the
 * same for every loop, differences between rows are framework overhead. Nothing here asserts on
 * time; a loop fails loudly only if it did not complete the task.
 */
import { parseArgs } from 'node:util';
import { startOpenAIStub, type OpenAIStub } from '../src/testing/openai-stub-server.ts';
import { assertRunCompleted, MODEL_CALLS_PER_RUN, replyForAddTask, TOOL_CALLS_PER_RUN, type LoopRunner } from './loops/add-task.ts';
import { createBareFetchLoop } from './loops/bare-fetch.ts';
import { createChatOpenAIMinimalLoop } from './loops/chat-openai-minimal.ts';
import { createGantryAgentLoop } from './loops/gantry-agent.ts';
import { createGantryInProcessLoop } from './loops/gantry-in-process.ts';
import { createLangChainAgentLoop } from './loops/langchain-create-agent.ts';

interface LoopSpec {
  id: string;
  label: string;
  transport: 'SSE' | 'JSON';
  /** Reference rows are shown for context; the ratios use the streaming rows. */
  reference: boolean;
  create(baseURL: string): Promise<LoopRunner>;
}

const LOOPS: LoopSpec[] = [
  { id: 'bare-sse', label: 'bare fetch loop', transport: 'SSE', reference: false, create: async (baseURL) => createBareFetchLoop({ baseURL, stream: true }) },
  { id: 'bare-json', label: 'bare fetch loop', transport: 'JSON', reference: true, create: async (baseURL) => createBareFetchLoop({ baseURL, stream: false }) },
  { id: 'chat-openai-minimal', label: 'minimal loop on ChatOpenAI .stream()', transport: 'SSE', reference: true, create: async (baseURL) => createChatOpenAIMinimalLoop({ baseURL }) },
  { id: 'create-agent-stream', label: 'langchain createAgent .stream()', transport: 'SSE', reference: false, create: async (baseURL) => createLangChainAgentLoop({ baseURL, stream: true }) },
  { id: 'create-agent-invoke', label: 'langchain createAgent .invoke()', transport: 'JSON', reference: true, create: async (baseURL) => createLangChainAgentLoop({ baseURL, stream: false }) },
  { id: 'gantry', label: 'gantry agent.run()', transport: 'SSE', reference: false, create: async (baseURL) => createGantryAgentLoop({ baseURL }) },
];

interface LoopFigures {
  id: string;
  label: string;
  transport: 'SSE' | 'JSON';
  reference: boolean;
  runs: number;
  meanMsPerStep: number;
  medianMsPerStep: number;
  minMsPerStep: number;
}

function readOptions() {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: process.env.BENCH_RUNS ?? '30' },
      warmup: { type: 'string', default: process.env.BENCH_WARMUP ?? '5' },
      'chunk-size': { type: 'string', default: '4' },
      loops: { type: 'string', default: LOOPS.map((loop) => loop.id).join(',') },
      json: { type: 'boolean', default: false },
    },
  });
  const runs = positiveInteger('--runs', values.runs);
  const warmup = positiveInteger('--warmup', values.warmup, { allowZero: true });
  const chunkSize = positiveInteger('--chunk-size', values['chunk-size']);
  const ids = values.loops.split(',').map((id) => id.trim()).filter(Boolean);
  const unknown = ids.filter((id) => !LOOPS.some((loop) => loop.id === id));
  if (unknown.length > 0) throw new Error(`Unknown loop(s) ${unknown.join(', ')}; choose from ${LOOPS.map((loop) => loop.id).join(', ')}.`);
  return { runs, warmup, chunkSize, json: values.json, loops: LOOPS.filter((loop) => ids.includes(loop.id)) };
}

function positiveInteger(flag: string, text: string, { allowZero = false } = {}): number {
  const value = Number(text);
  if (!Number.isInteger(value) || value < (allowZero ? 0 : 1)) throw new Error(`${flag} needs a whole number${allowZero ? '' : ' above 0'}, got "${text}".`);
  return value;
}

/**
 * Makes any request that would leave the machine fail and be reported: the benchmark must only
 * talk to the stub (LangChain, for one, can try to download tokenizer files).
 */
function guardNetwork(): string[] {
  const attempts: string[] = [];
  const realFetch = globalThis.fetch;
  globalThis.fetch = (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (!url.startsWith('http://127.0.0.1:')) {
      attempts.push(url);
      return Promise.reject(new Error(`The benchmark tried to reach the network: ${url}`));
    }
    return realFetch(input, init);
  };
  return attempts;
}

/** Runs the task once and returns wall-clock ms per model call, after checking the run completed. */
async function timeRun({ stub, id, run }: { stub: OpenAIStub; id: string; run: LoopRunner }): Promise<number> {
  const requestsBefore = stub.requests.length;
  const started = performance.now();
  const result = await run();
  const elapsed = performance.now() - started;
  assertRunCompleted({ loop: id, result, modelCalls: stub.requests.length - requestsBefore });
  return elapsed / MODEL_CALLS_PER_RUN;
}

/** Each round runs every loop once, starting one further along the list than the last round. */
async function runRounds({ stub, runners, rounds, samples }: {
  stub: OpenAIStub;
  runners: { id: string; run: LoopRunner }[];
  rounds: number;
  samples?: Map<string, number[]>;
}): Promise<void> {
  for (let round = 0; round < rounds; round++) {
    for (let offset = 0; offset < runners.length; offset++) {
      const runner = runners[(round + offset) % runners.length]!;
      const msPerStep = await timeRun({ stub, ...runner });
      samples?.get(runner.id)?.push(msPerStep);
    }
  }
}

function summarize(spec: LoopSpec, samples: number[]): LoopFigures {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  const median = sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
  return {
    id: spec.id,
    label: spec.label,
    transport: spec.transport,
    reference: spec.reference,
    runs: samples.length,
    meanMsPerStep: samples.reduce((sum, value) => sum + value, 0) / samples.length,
    medianMsPerStep: median,
    minMsPerStep: sorted[0]!,
  };
}

function ratios(figures: LoopFigures[]) {
  const byId = new Map(figures.map((figure) => [figure.id, figure]));
  const gantry = byId.get('gantry');
  const ratio = (baselineId: string) => {
    const baseline = byId.get(baselineId);
    if (!gantry || !baseline) return undefined;
    return { mean: gantry.meanMsPerStep / baseline.meanMsPerStep, median: gantry.medianMsPerStep / baseline.medianMsPerStep };
  };
  return {
    gantryOverBare: ratio('bare-sse'),
    gantryOverCreateAgent: ratio('create-agent-stream'),
    gantryOverChatOpenAIMinimal: ratio('chat-openai-minimal'),
  };
}

function printTable({ figures, options }: { figures: LoopFigures[]; options: ReturnType<typeof readOptions> }): void {
  const columns = ['loop', 'transport', 'mean ms/step', 'median ms/step', 'min ms/step'];
  const rows = figures.map((figure) => [
    figure.label + (figure.reference ? ' (reference)' : ''),
    figure.transport,
    figure.meanMsPerStep.toFixed(3),
    figure.medianMsPerStep.toFixed(3),
    figure.minMsPerStep.toFixed(3),
  ]);
  const widths = columns.map((column, index) => Math.max(column.length, ...rows.map((row) => row[index]!.length)));
  const line = (cells: string[]) => cells.map((cell, index) => (index < 2 ? cell.padEnd(widths[index]!) : cell.padStart(widths[index]!))).join('  ');
  console.log(
    `Loop overhead: ${options.runs} runs per loop after ${options.warmup} warm-up runs, interleaved; ` +
    `${MODEL_CALLS_PER_RUN} model calls per run (${TOOL_CALLS_PER_RUN} tool calls + answer); stub chunk size ${options.chunkSize}.`,
  );
  console.log(`Node ${process.version}, ${process.platform} ${process.arch}. A step is one model call plus the tools it asked for.\n`);
  console.log(line(columns));
  console.log(widths.map((width) => '-'.repeat(width)).join('  '));
  for (const row of rows) console.log(line(row));
  const { gantryOverBare, gantryOverCreateAgent, gantryOverChatOpenAIMinimal } = ratios(figures);
  const describe = (name: string, ratio: { mean: number; median: number } | undefined) =>
    ratio ? `${name}: ${ratio.mean.toFixed(2)}x (mean), ${ratio.median.toFixed(2)}x (median)` : `${name}: not measured`;
  console.log(`\n${describe('gantry / bare fetch (SSE)', gantryOverBare)}`);
  console.log(describe('gantry / createAgent (SSE)', gantryOverCreateAgent));
  console.log(describe('gantry / minimal ChatOpenAI loop (SSE)', gantryOverChatOpenAIMinimal));
}

/** Gantry with an in-process model: the loop's own cost per step, with no HTTP or SDK in it. */
async function measureInProcess(runs: number): Promise<{ meanMsPerStep: number; medianMsPerStep: number }> {
  const run = createGantryInProcessLoop();
  const samples: number[] = [];
  for (let index = 0; index < runs * 2; index++) {
    const callsBefore = run.modelCalls();
    const started = performance.now();
    const result = await run();
    const msPerStep = (performance.now() - started) / MODEL_CALLS_PER_RUN;
    assertRunCompleted({ loop: 'gantry-in-process', result, modelCalls: run.modelCalls() - callsBefore });
    // The first half warms up.
    if (index >= runs) samples.push(msPerStep);
  }
  const { meanMsPerStep, medianMsPerStep } = summarize({ id: 'gantry-in-process', label: '', transport: 'SSE', reference: true, create: async () => run }, samples);
  return { meanMsPerStep, medianMsPerStep };
}

async function main(): Promise<void> {
  const options = readOptions();
  const networkAttempts = guardNetwork();
  const stub = await startOpenAIStub({ replies: replyForAddTask, chunkSize: options.chunkSize });
  try {
    const runners = await Promise.all(options.loops.map(async (spec) => ({ id: spec.id, run: await spec.create(stub.baseURL) })));
    await runRounds({ stub, runners, rounds: options.warmup });
    const samples = new Map(options.loops.map((spec) => [spec.id, [] as number[]]));
    await runRounds({ stub, runners, rounds: options.runs, samples });
    if (networkAttempts.length > 0) throw new Error(`Something tried to reach the network: ${networkAttempts.join(', ')}.`);
    const figures = options.loops.map((spec) => summarize(spec, samples.get(spec.id)!));
    const inProcess = await measureInProcess(Math.max(options.runs, 100));
    if (options.json) {
      console.log(JSON.stringify({
        runs: options.runs,
        warmup: options.warmup,
        chunkSize: options.chunkSize,
        modelCallsPerRun: MODEL_CALLS_PER_RUN,
        toolCallsPerRun: TOOL_CALLS_PER_RUN,
        node: process.version,
        loops: figures,
        ratios: ratios(figures),
        gantryInProcess: inProcess,
      }, null, 2));
    } else {
      printTable({ figures, options });
      console.log(
        `gantry's own loop, in-process model (no HTTP, no SDK): ${(inProcess.meanMsPerStep * 1000).toFixed(0)} µs/step (mean), ` +
          `${(inProcess.medianMsPerStep * 1000).toFixed(0)} µs/step (median)`,
      );
    }
  } finally {
    await stub.close();
  }
}

await main();
