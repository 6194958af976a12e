import { basename } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../agent/errors.ts';
import type { ResumeState } from '../agent/loop.ts';
import type { StepRecord, ToolCallRecord } from '../agent/records.ts';
import { gantryHome } from '../memory/database.ts';
import { excerpt, RunStore, type RunSummary, type StoredRun } from '../memory/run-store.ts';
import { parsePositiveInt, type CliIO } from './io.ts';
import { withMainDatabase } from './main-database.ts';
import { shortId } from './printer.ts';
import { countOf, formatTable, localTime } from './table.ts';

const DEFAULT_LIST_LIMIT = 20;
const RESUMABLE = new Set(['interrupted', 'aborted', 'timeout', 'error', 'max_steps', 'max_tokens', 'max_cost']);

export function registerRunsCommand(program: Command, io: CliIO): void {
  const runs = program
    .command('runs')
    .description('List or inspect the runs gantry run saved (in $GANTRY_HOME/gantry.db); resume one with gantry run --resume ID.')
    .addHelpText('after', '\nExamples:\n  $ gantry runs list\n  $ gantry runs show 3f2a1b4c\n  $ gantry run --resume 3f2a1b4c\n  $ gantry runs prune --older-than 30');

  runs
    .command('list')
    .description('List recent runs, newest first, with their status (a running run whose process is gone is "interrupted").')
    .option('--json', 'print a JSON array of { id, status, agent, input, steps, createdAt, updatedAt, stopReason?, sessionId? }')
    .option('--limit <n>', `most runs to list (default ${DEFAULT_LIST_LIMIT})`, parsePositiveInt)
    .addHelpText('after', '\nExamples:\n  $ gantry runs list\n  $ gantry runs list --limit 5 --json')
    .action((options: { json?: boolean; limit?: number }) => {
      const summaries = withStore(io, (store) => store?.list({ limit: options.limit ?? DEFAULT_LIST_LIMIT }) ?? []);
      if (options.json) io.stdout.write(`${JSON.stringify(summaries, null, 2)}\n`);
      else io.stdout.write(formatRunTable(summaries));
    });

  runs
    .command('show')
    .description('Show one saved run: its options, completed steps, the step it was cut short in, and its result.')
    .argument('<run-id>', 'the run id, or a unique prefix of at least 4 characters')
    .option('--json', 'print the run as one JSON object, with every step record')
    .addHelpText('after', '\nExamples:\n  $ gantry runs show 3f2a1b4c\n  $ gantry runs show 3f2a1b4c --json')
    .action((runRef: string, options: { json?: boolean }) => {
      const shown = withStore(io, (store) => {
        if (!store) throw new UserError(`No runs are saved under ${gantryHome(io.env)} yet.`);
        const run = store.get(runRef);
        return { run, state: store.resumeState(run.id) };
      });
      if (options.json) io.stdout.write(`${JSON.stringify(runDetails(shown), null, 2)}\n`);
      else io.stdout.write(formatRun(shown));
    });

  runs
    .command('delete')
    .description('Delete one saved run and its checkpoints (it can no longer be resumed or shown).')
    .argument('<run-id>', 'the run id, or a unique prefix of at least 4 characters')
    .addHelpText('after', '\nExamples:\n  $ gantry runs delete 3f2a1b4c')
    .action((runRef: string) => {
      const id = withStore(io, (store) => {
        if (!store) throw new UserError(`No runs are saved under ${gantryHome(io.env)} yet.`);
        const run = store.get(runRef);
        store.delete(run.id);
        return run.id;
      });
      io.stdout.write(`Deleted run ${id}.\n`);
    });

  runs
    .command('prune')
    .description('Delete the saved runs last written more than DAYS days ago (runs still running are kept).')
    .requiredOption('--older-than <days>', 'age in days of the last save', parsePositiveInt)
    .addHelpText('after', '\nExamples:\n  $ gantry runs prune --older-than 30\n  $ gantry runs prune --older-than 1')
    .action((options: { olderThan: number }) => {
      const before = new Date(Date.now() - options.olderThan * 24 * 60 * 60 * 1000);
      const deleted = withStore(io, (store) => store?.prune({ before }) ?? 0);
      io.stdout.write(`Deleted ${countOf(deleted, 'run')} last saved before ${before.toISOString()}.\n`);
    });
}

/** Runs `task` with the store, or with undefined when no database exists (nothing is created to list nothing). */
function withStore<T>(io: CliIO, task: (store: RunStore | undefined) => T): T {
  return withMainDatabase({ env: io.env, task: (db) => task(db && new RunStore(db)) });
}

function runDetails({ run, state }: { run: StoredRun; state: ResumeState }) {
  return {
    ...run,
    steps: state.steps,
    ...(state.pending ? { pending: { step: state.steps.length, reply: state.pending.reply, toolCalls: state.pending.toolCalls } } : {}),
  };
}

function formatRunTable(runs: RunSummary[]): string {
  if (runs.length === 0) return 'No saved runs. gantry run saves every run unless it is given --no-save.\n';
  const rows = [
    ['ID', 'STATUS', 'AGENT', 'STEPS', 'STARTED', 'INPUT'],
    ...runs.map((run) => [shortId(run.id), run.status, agentLabel(run.agent), String(run.steps), localTime(run.createdAt), excerpt(run.input, 50)]),
  ];
  return formatTable(rows);
}

function formatRun({ run, state }: { run: StoredRun; state: ResumeState }): string {
  const lines = [
    `Run ${run.id} (${run.status})`,
    `Agent:   ${run.agent ?? '(general assistant)'}`,
    `Input:   ${excerpt(run.input, 200)}`,
    `Started: ${localTime(run.createdAt)}, last saved ${localTime(run.updatedAt)}`,
  ];
  for (const step of state.steps) lines.push(...formatStep(step));
  if (state.pending) {
    lines.push(`Step ${state.steps.length + 1} (cut short; the model's reply is saved):`);
    const finished = new Map(state.pending.toolCalls.map((call) => [call.id, call]));
    for (const request of state.pending.reply.toolCalls) {
      const call = finished.get(request.id);
      lines.push(call ? formatCall(call) : `  … ${request.name} ${excerpt(request.argsText, 80)} (runs again on resume)`);
    }
  }
  if (run.status === 'final') lines.push(`Answer: ${run.output ?? ''}`);
  else if (run.error) lines.push(`Stopped (${run.status}): ${run.error.message}`);
  if (RESUMABLE.has(run.status)) lines.push(`Resume with: gantry run --resume ${shortId(run.id)}`);
  return `${lines.join('\n')}\n`;
}

function formatStep(step: StepRecord): string[] {
  const head = `Step ${step.index + 1}:${step.final === undefined ? '' : ' final answer'}`;
  const calls = step.toolCalls.map(formatCall);
  const planError = step.planError === undefined ? [] : [`  ✗ ${excerpt(step.planError, 120)}`];
  return [head, ...calls, ...planError];
}

function formatCall(call: ToolCallRecord): string {
  const args = excerpt(JSON.stringify(call.args) ?? '', 80);
  return call.error === undefined ? `  → ${call.name} ${args} ← ${excerpt(call.output ?? '', 80)}` : `  → ${call.name} ${args} ✗ ${excerpt(call.error, 80)}`;
}

/** A path agent by its file name; an example by its name. */
function agentLabel(agent: string | null): string {
  if (agent === null) return '-';
  return agent.includes('/') || agent.includes('\\') ? basename(agent) : agent;
}
