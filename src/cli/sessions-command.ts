import type { Command } from 'commander';
import { UserError } from '../agent/errors.ts';
import type { HistoryTurn } from '../agent/history.ts';
import { excerpt } from '../memory/run-store.ts';
import { assertSessionId, SessionStore, type StoredSession } from '../memory/session-store.ts';
import type { CliIO } from './io.ts';
import { withMainDatabase } from './main-database.ts';
import { countOf, formatTable, localTime } from './table.ts';

const ARGS_EXCERPT_CHARS = 100;
/** Continuation lines of a multi-line input or answer line up under its first line. */
const TEXT_INDENT = ' '.repeat(10);

export function registerSessionsCommand(program: Command, io: CliIO): void {
  const sessions = program
    .command('sessions')
    .description('List, inspect or delete the conversations kept by --session (in $GANTRY_HOME/gantry.db).')
    .addHelpText('after', '\nExamples:\n  $ gantry sessions list\n  $ gantry sessions show trip\n  $ gantry sessions delete trip');

  sessions
    .command('list')
    .description('List the stored sessions, most recently used first: id, turns, whether older turns are summarised, created, updated.')
    .option('--json', 'print a JSON array of { id, turns, hasSummary, createdAt, updatedAt } (times in milliseconds since the epoch)')
    .addHelpText('after', '\nExamples:\n  $ gantry sessions list\n  $ gantry sessions list --json')
    .action((options: { json?: boolean }) => {
      const list = withSessions({ io, task: (store) => store?.list() ?? [] });
      if (options.json) io.stdout.write(`${JSON.stringify(list.map(({ id, turns, hasSummary, createdAt, updatedAt }) => ({ id, turns, hasSummary, createdAt, updatedAt })), null, 2)}\n`);
      else if (list.length === 0) io.stdout.write('No sessions. gantry chat --session ID starts one (gantry chat without --session makes up an id).\n');
      else {
        const rows = list.map((session) => [session.id, String(session.turns), session.hasSummary ? 'yes' : 'no', localTime(session.createdAt), localTime(session.updatedAt)]);
        io.stdout.write(formatTable([['ID', 'TURNS', 'SUMMARY', 'CREATED', 'UPDATED'], ...rows]));
      }
    });

  sessions
    .command('show')
    .description('Show one session: its summary, then every turn (summarised ones included and marked) with input, tool calls and answer.')
    .argument('<id>', 'the session id')
    .option('--json', 'print { id, createdAt, updatedAt, summary?, summarizedThrough, turns: [{ runId, input, output, stopReason?, steps }] }')
    .addHelpText('after', '\nExamples:\n  $ gantry sessions show trip\n  $ gantry sessions show trip --json')
    .action((id: string, options: { json?: boolean }) => {
      const session = withSessions({ io, task: (store, file) => store?.get(id) ?? unknownSession({ id, file }) });
      io.stdout.write(options.json ? `${JSON.stringify(sessionJson(session), null, 2)}\n` : formatSession(session));
    });

  sessions
    .command('delete')
    .description('Delete a session: its turns and summary. Long-term notes (gantry memory) are kept.')
    .argument('<id>', 'the session id')
    .addHelpText('after', '\nExamples:\n  $ gantry sessions delete trip')
    .action((id: string) => {
      withSessions({ io, task: (store, file) => store?.delete(id) || unknownSession({ id, file }) });
      io.stdout.write(`Deleted session ${id}.\n`);
    });
}

/** Runs `task` with the session store, or with undefined when there is no database yet. */
function withSessions<T>({ io, task }: { io: CliIO; task: (store: SessionStore | undefined, file: string) => T }): T {
  return withMainDatabase({ env: io.env, task: (db, file) => task(db ? new SessionStore(db) : undefined, file) });
}

function unknownSession({ id, file }: { id: string; file: string }): never {
  // A malformed id gets the message that says what an id may contain.
  assertSessionId(id);
  throw new UserError(`No session "${id}" in ${file}; gantry sessions list shows the sessions there are.`);
}

/** The documented JSON of `sessions show`: step records are summed up as their count. */
function sessionJson(session: StoredSession) {
  return {
    id: session.id,
    createdAt: session.createdAt,
    updatedAt: session.updatedAt,
    ...(session.summary === undefined ? {} : { summary: session.summary }),
    summarizedThrough: session.summarizedThrough,
    turns: session.turns.map((turn) => ({
      runId: turn.runId,
      input: turn.input,
      output: turn.output,
      ...(turn.stopReason === undefined ? {} : { stopReason: turn.stopReason }),
      steps: turn.steps.length,
    })),
  };
}

function formatSession(session: StoredSession): string {
  const lines = [`Session ${session.id}: ${countOf(session.turns.length, 'turn')}, created ${localTime(session.createdAt)}, updated ${localTime(session.updatedAt)}`];
  if (session.summary !== undefined) {
    lines.push(`Summary of turns 1-${session.summarizedThrough} (sent instead of them):`, `  ${continued(session.summary, '  ')}`);
  }
  for (const turn of session.turns) lines.push(...formatTurn({ turn, summarized: turn.seq <= session.summarizedThrough }));
  return `${lines.join('\n')}\n`;
}

function formatTurn({ turn, summarized }: { turn: HistoryTurn & { seq: number }; summarized: boolean }): string[] {
  const notes = [turn.stopReason, summarized ? 'summarised' : undefined].filter((note) => note !== undefined);
  const calls = turn.steps.flatMap((step) => step.toolCalls.map((call) => `  → ${call.name} ${excerpt(JSON.stringify(call.args) ?? '', ARGS_EXCERPT_CHARS)}`));
  return [
    `Turn ${turn.seq}${notes.length > 0 ? ` (${notes.join(', ')})` : ''}`,
    `  Input:  ${continued(turn.input, TEXT_INDENT)}`,
    ...calls,
    `  Answer: ${turn.output === '' ? '(none)' : continued(turn.output, TEXT_INDENT)}`,
  ];
}

/** The text with every line after the first indented, to line up under a label. */
function continued(text: string, indent: string): string {
  return text.split('\n').join(`\n${indent}`);
}
