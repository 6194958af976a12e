import { InvalidArgumentError, Option, type Command } from 'commander';
import { UserError } from '../agent/errors.ts';
import { TraceWriter } from '../agent/trace.ts';
import { selectDemonstrations } from '../env/agent/demonstrations.ts';
import { episodeResultFromTrajectory, runEnvironmentEpisode, type EnvironmentAgentMode, type EpisodeResult } from '../env/agent/environment-agent.ts';
import { summarizeEpisodes, type EnvironmentReport } from '../env/agent/metrics.ts';
import type { Environment, ResetOptions } from '../env/environment.ts';
import { openEnvironment, parseEnvironmentSpec } from '../env/environment-spec.ts';
import { createExpertPolicy } from '../env/household/expert.ts';
import { HouseholdEnvironment } from '../env/household/household-environment.ts';
import { createRandomPolicy } from '../env/household/random-policy.ts';
import { resolveTaskType } from '../env/household/tasks.ts';
import { playEpisode, type Policy, type Trajectory } from '../env/policy.ts';
import { resolveModel } from '../models/model-spec.ts';
import { collectExpertDemonstrations } from './env-demonstrations.ts';
import { playInTerminal } from './env-play.ts';
import { parsePositiveInt, type CliIO } from './io.ts';

/** The environments Gantry ships, by name; `gantry env list` shows them. */
const BUILTIN_ENVIRONMENTS = {
  household: {
    description: 'A household simulator in ALFWorld\'s text format: six task families, layouts generated from a seed.',
    create: (stepLimit?: number) => new HouseholdEnvironment(stepLimit === undefined ? {} : { maxSteps: stepLimit }),
  },
} as const;

type Env = keyof typeof BUILTIN_ENVIRONMENTS;
const POLICIES = ['expert', 'random', 'agent'] as const;
const MODES = ['tools', 'react', 'plan'] as const;

interface RunEnvOptions {
  policy: (typeof POLICIES)[number];
  model?: string;
  baseUrl?: string;
  episodes?: number;
  seed?: number;
  task?: string;
  mode?: EnvironmentAgentMode;
  admissible?: boolean;
  demos?: number;
  demoTokens?: number;
  stepLimit?: number;
  maxSteps?: number;
  timeout?: number;
  json?: boolean;
  trace?: string;
  record?: string;
  yes?: boolean;
}

const DEFAULT_EPISODES = 6;
const DEFAULT_DEMOS = 2;

export function registerEnvCommand(program: Command, io: CliIO): void {
  const env = program
    .command('env')
    .description('Text environments agents act in: the built-in household simulator, or a remote one over JSON-RPC.')
    .addHelpText(
      'after',
      `
Environments: household (built in), "stdio:COMMAND ARGS" (a process speaking docs/environment-protocol.md
on stdin/stdout) or http://HOST:PORT/PATH (the same protocol over HTTP).

Examples:
  $ gantry env list
  $ gantry env play household --seed 3 --task heat
  $ gantry env run household --policy expert --episodes 60 --json
  $ gantry env run household --policy agent --model openai:gpt-4.1-mini --mode react --episodes 12`,
    );

  env
    .command('list')
    .description('List the built-in environments and the forms of remote ones.')
    .option('--json', 'print a JSON array of { name, description, taskTypes }')
    .addHelpText('after', '\nExamples:\n  $ gantry env list\n  $ gantry env list --json')
    .action((options: { json?: boolean }) => {
      const entries = Object.entries(BUILTIN_ENVIRONMENTS).map(([name, entry]) => ({
        name,
        description: entry.description,
        taskTypes: HouseholdEnvironment.taskTypes(),
      }));
      if (options.json) {
        io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
        return;
      }
      for (const entry of entries) io.stdout.write(`${entry.name}\n  ${entry.description}\n  task types: ${entry.taskTypes.join(', ')}\n`);
      io.stdout.write('stdio:COMMAND ARGS\n  A simulator in another process, over JSON-RPC on stdin/stdout (see docs/environment-protocol.md).\n');
      io.stdout.write('http://HOST:PORT/PATH\n  A simulator behind an HTTP endpoint, same protocol.\n');
    });

  env
    .command('play')
    .description('Play an episode yourself in the terminal: type commands, "help" lists the admissible ones, "quit" ends.')
    .argument('[environment]', 'household (default), "stdio:COMMAND ARGS" or an http:// URL', 'household')
    .option('--seed <n>', 'the task and layout to generate (default 0)', parseWholeNumber)
    .option('--task <type>', 'task family: pick, clean, heat, cool, examine, pick_two (or ALFWorld\'s names)')
    .option('--step-limit <n>', 'steps before the episode is cut off (household; default 50)', parsePositiveInt)
    .addHelpText('after', '\nExamples:\n  $ gantry env play\n  $ gantry env play household --seed 7 --task examine\n  $ gantry env play "stdio:python3 examples/env-server/server.py" --seed 1')
    .action(async (spec: string, options: { seed?: number; task?: string; stepLimit?: number }) => {
      const environment = await open(spec, options.stepLimit);
      try {
        io.setExitCode(await playInTerminal({ environment, reset: resetFor({ spec, task: options.task, seed: options.seed ?? 0 }), io }));
      } finally {
        await environment.close();
      }
    });

  env
    .command('run')
    .description('Run episodes with a policy (the expert, a random one, or a model) and print the metrics.')
    .argument('[environment]', 'household (default), "stdio:COMMAND ARGS" or an http:// URL', 'household')
    .addOption(new Option('--policy <name>', 'who acts: expert (household only), random, or agent (a model)').choices(POLICIES).makeOptionMandatory())
    .option('-m, --model <spec>', 'with --policy agent: the model as PROVIDER:MODEL (default: $GANTRY_MODEL)')
    .option('--base-url <url>', 'OpenAI-compatible server for openai: models (default: $OPENAI_BASE_URL)')
    .option('--episodes <n>', `episodes to run (default ${DEFAULT_EPISODES}, one per household task family)`, parsePositiveInt)
    .option('--seed <n>', 'seed of the first episode; episode i uses seed + i (default 0)', parseWholeNumber)
    .option('--task <type>', 'only this task family (default: the seed picks, cycling through all six)')
    .addOption(new Option('--mode <mode>', 'with --policy agent: tools (the act tool), react (ReAct text with think:) or plan (whole plan first)').choices(MODES))
    .option('--no-admissible', 'with --policy agent: do not show the admissible actions to the model')
    .option('--demos <n>', `with --policy agent on household: expert demonstrations of the same task family (default ${DEFAULT_DEMOS}; 0 for none)`, parseWholeNumber)
    .option('--demo-tokens <n>', 'token budget of the demonstrations (default 3000)', parsePositiveInt)
    .option('--step-limit <n>', 'environment steps before an episode is cut off (household; default 50)', parsePositiveInt)
    .option('--max-steps <n>', 'with --policy agent: most model calls per episode (default 50; 100 in react mode)', parsePositiveInt)
    .option('--timeout <ms>', 'with --policy agent: wall-clock limit per episode, in milliseconds', parsePositiveInt)
    .option('--json', 'print one JSON object: { episodes, successRate, byTaskType, avgSteps, invalidActionRate, tokens, results }')
    .option('--trace <file>', 'with --policy agent: append every episode\'s events to FILE as JSON lines')
    .option('--record <file>', 'with --policy agent: record every model request and response to FILE')
    .option('-y, --yes', 'with --model local: download the model without asking')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry env run household --policy expert --episodes 60
  $ gantry env run household --policy random --episodes 30 --seed 100 --json
  $ gantry env run household --policy agent --model openai:gpt-4.1-mini --episodes 12 --trace env.jsonl
  $ gantry env run household --policy agent --model openai:qwen2.5 --base-url http://localhost:11434/v1 --mode react --demos 2 --task heat
  $ gantry env run household --policy agent --model openai:gpt-4.1-mini --mode plan --no-admissible --episodes 6
  $ gantry env run "stdio:python3 examples/env-server/server.py" --policy random --episodes 3`,
    )
    .action(async (spec: string, options: RunEnvOptions) => {
      io.setExitCode(await runEpisodes({ spec, options, io }));
    });
}

/** Runs the episodes and prints the report; exit code 1 when an episode's run failed (a model error). */
async function runEpisodes({ spec, options, io }: { spec: string; options: RunEnvOptions; io: CliIO }): Promise<number> {
  checkOptions({ spec, options });
  const environment = await open(spec, options.stepLimit);
  const trace = options.trace ? new TraceWriter(options.trace) : undefined;
  const results: EpisodeResult[] = [];
  try {
    const play = await episodePlayer({ spec, options, io, environment, trace });
    const first = options.seed ?? 0;
    for (let index = 0; index < (options.episodes ?? DEFAULT_EPISODES); index++) {
      const seed = first + index;
      const result = await play({ seed, reset: resetFor({ spec, task: options.task, seed }) });
      results.push(result);
      if (!options.json) io.stderr.write(`${episodeLine(result)}\n`);
    }
  } finally {
    await trace?.close();
    await environment.close();
  }
  const report = summarizeEpisodes(results);
  io.stdout.write(options.json ? `${JSON.stringify(report)}\n` : formatReport(report));
  return results.some((result) => result.error !== undefined) ? 1 : 0;
}

type PlayOne = (episode: { seed: number; reset: ResetOptions }) => Promise<EpisodeResult>;

/** How one episode is played, by policy. */
async function episodePlayer({ spec, options, io, environment, trace }: {
  spec: string;
  options: RunEnvOptions;
  io: CliIO;
  environment: Environment;
  trace: TraceWriter | undefined;
}): Promise<PlayOne> {
  if (options.policy !== 'agent') {
    const policyFor = (seed: number): Policy =>
      options.policy === 'expert' ? createExpertPolicy(environment as HouseholdEnvironment) : createRandomPolicy({ seed });
    return async ({ seed, reset }) => {
      const trajectory = await playEpisode({ environment, policy: policyFor(seed), reset });
      return episodeResultFromTrajectory({ trajectory, seed });
    };
  }
  const model = await resolveModel({ spec: options.model, baseUrl: options.baseUrl, recordFile: options.record, env: io.env, yes: options.yes ?? false, io });
  const demos = options.demos ?? (isHousehold(spec) ? DEFAULT_DEMOS : 0);
  const pool: Trajectory[] = demos > 0 ? await collectExpertDemonstrations({ stepLimit: options.stepLimit }) : [];
  return ({ seed, reset }) =>
    runEnvironmentEpisode({
      model: model.model,
      modelName: model.name,
      environment,
      reset,
      mode: options.mode ?? 'tools',
      showAdmissible: options.admissible !== false,
      demonstrations: (start) =>
        demos === 0
          ? []
          : selectDemonstrations({
              pool,
              task: { goal: start.goal, observation: start.observation, ...taskFields(start.info) },
              k: demos,
              ...(options.demoTokens ? { maxTokens: options.demoTokens } : {}),
              style: options.mode === 'react' ? 'react' : options.mode === 'plan' ? 'plan' : 'tool',
            }),
      limits: {
        ...(options.maxSteps === undefined ? {} : { maxSteps: options.maxSteps }),
        ...(options.timeout === undefined ? {} : { timeoutMs: options.timeout }),
      },
      ...(trace ? { onEvent: (event) => trace.write(event) } : {}),
    });
}

/** Refuses option combinations that cannot work, before anything starts. */
function checkOptions({ spec, options }: { spec: string; options: RunEnvOptions }): void {
  const household = isHousehold(spec);
  if (options.policy === 'expert' && !household) {
    throw new UserError('The expert policy reads the built-in simulator\'s state, so it only plays household; use --policy random or agent.');
  }
  if (options.policy !== 'agent') {
    const agentOnly = (['model', 'mode', 'demos', 'demoTokens', 'maxSteps', 'timeout', 'trace', 'record'] as const).filter((key) => options[key] !== undefined);
    if (agentOnly.length > 0) throw new UserError(`${agentOnly.map(flagName).join(', ')} only apply with --policy agent.`);
  }
  if (options.demos !== undefined && options.demos > 0 && !household) {
    throw new UserError('Demonstrations come from the household expert, so --demos needs the household environment; use --demos 0.');
  }
  if (options.task !== undefined && household && !resolveTaskType(options.task)) {
    throw new UserError(`Unknown household task type "${options.task}". Types: ${HouseholdEnvironment.taskTypes().join(', ')}.`);
  }
  if (options.stepLimit !== undefined && !household) throw new UserError('--step-limit applies to the household environment; a remote one sets its own.');
}

async function open(spec: string, stepLimit: number | undefined): Promise<Environment> {
  return openEnvironment(spec, { builtins: { household: () => BUILTIN_ENVIRONMENTS.household.create(stepLimit) } });
}

function isHousehold(spec: string): boolean {
  const parsed = parseEnvironmentSpec(spec);
  return parsed.kind === 'builtin' && (parsed.name as Env) === 'household';
}

/** Household tasks are named `TYPE/SEED`; a remote environment gets the seed, and `--task` as its task id. */
function resetFor({ spec, task, seed }: { spec: string; task: string | undefined; seed: number }): ResetOptions {
  if (isHousehold(spec)) return task === undefined ? { seed } : { taskId: `${task}/${seed}`, seed };
  return task === undefined ? { seed } : { taskId: task, seed };
}

function taskFields(info: { taskId?: string; taskType?: string }): { taskId?: string; taskType?: string } {
  return { ...(info.taskId === undefined ? {} : { taskId: info.taskId }), ...(info.taskType === undefined ? {} : { taskType: info.taskType }) };
}

function episodeLine(result: EpisodeResult): string {
  const mark = result.error ? '!' : result.success ? '✓' : '✗';
  const name = result.taskId ?? `seed ${result.seed}`;
  const invalid = result.invalidActions > 0 ? `, ${result.invalidActions} invalid` : '';
  const failure = result.error ? ` (${result.error})` : '';
  return `${mark} ${name}  ${result.goal}  ${result.steps} steps${invalid}${failure}`;
}

function formatReport(report: EnvironmentReport): string {
  const percent = (rate: number) => `${(rate * 100).toFixed(1)}%`;
  const steps = (mean: number) => mean.toFixed(1);
  const lines = [
    `Episodes: ${report.episodes}   success: ${percent(report.successRate)}   average steps: ${steps(report.avgSteps)}   invalid actions: ${percent(report.invalidActionRate)}` +
      (report.tokens.total > 0 ? `   tokens: ${report.tokens.total}` : '') +
      (report.executability === undefined ? '' : `   executability: ${percent(report.executability)}`),
  ];
  const types = Object.entries(report.byTaskType);
  if (types.length > 1) {
    const width = Math.max(...types.map(([type]) => type.length));
    for (const [type, summary] of types) {
      lines.push(`  ${type.padEnd(width)}  ${summary.episodes} episodes  success ${percent(summary.successRate)}  average steps ${steps(summary.avgSteps)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (letter) => `-${letter.toLowerCase()}`)}`;
}

/** A seed or a count: a whole number, 0 or more. */
function parseWholeNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isSafeInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`expected a whole number, 0 or more; got "${value}".`);
  return parsed;
}
