import { Option, type Command } from 'commander';
import { UserError } from '../agent/errors.ts';
import { assertNamespace, LongTermMemory, MAX_MEMORY_SEARCH_K, type MemoryItem, type MemoryKind } from '../memory/long-term-memory.ts';
import { parsePositiveInt, type CliIO } from './io.ts';
import { withMainDatabase } from './main-database.ts';
import { DEFAULT_MEMORY_NAMESPACE } from './memory-options.ts';
import { countOf, formatTable, localTime } from './table.ts';

const DEFAULT_SEARCH_K = 5;
const NAMESPACE_HELP = `the namespace (default "${DEFAULT_MEMORY_NAMESPACE}", as for --memory without one)`;

export function registerMemoryCommand(program: Command, io: CliIO): void {
  const memory = program
    .command('memory')
    .description('See, search, add and delete the long-term notes kept by --memory and the remember tool (in $GANTRY_HOME/gantry.db).')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry memory list
  $ gantry memory search "unit preferences" --namespace alice
  $ gantry memory add "I live in Lyon." --namespace alice
  $ gantry memory remove 7
  $ gantry memory clear --namespace alice --yes`,
    );

  memory
    .command('list')
    .description('List the notes of a namespace (or of every namespace with --all), oldest first.')
    .argument('[namespace]', NAMESPACE_HELP)
    .option('--all', 'list the notes of every namespace')
    .option('--json', 'print a JSON array of { id, namespace, kind, content, about?, createdAt, runId? } (createdAt in milliseconds since the epoch)')
    .addHelpText('after', '\nExamples:\n  $ gantry memory list\n  $ gantry memory list alice --json\n  $ gantry memory list --all')
    .action((namespace: string | undefined, options: { all?: boolean; json?: boolean }) => {
      if (namespace !== undefined && options.all) throw new UserError(`Give a namespace or --all, not both (got "${namespace}" and --all).`);
      const listed = namespace ?? DEFAULT_MEMORY_NAMESPACE;
      if (!options.all) assertNamespace(listed);
      const notes = withMemory({ io, task: (store) => (options.all ? store?.listAll() : store?.list(listed)) ?? [] });
      if (options.json) io.stdout.write(`${JSON.stringify(notes, null, 2)}\n`);
      else if (notes.length === 0) io.stdout.write(`${options.all ? 'No notes saved.' : `No notes in namespace "${listed}".`} Add one with gantry memory add TEXT.\n`);
      else io.stdout.write(formatNotes({ notes, withNamespace: options.all === true }));
    });

  memory
    .command('search')
    .description('Find the notes of a namespace that best match a query (BM25 with stemming, as the recall tool does), best first.')
    .argument('<query>', 'what to look for')
    .option('--namespace <ns>', NAMESPACE_HELP)
    .option('--k <n>', `number of notes (default ${DEFAULT_SEARCH_K}, at most ${MAX_MEMORY_SEARCH_K})`, parsePositiveInt)
    .option('--json', 'print a JSON array of { id, namespace, kind, content, about?, createdAt, runId?, score } (higher score is better)')
    .addHelpText('after', '\nExamples:\n  $ gantry memory search "units"\n  $ gantry memory search "where does the user live" --namespace alice --k 3 --json')
    .action((query: string, options: { namespace?: string; k?: number; json?: boolean }) => {
      const namespace = options.namespace ?? DEFAULT_MEMORY_NAMESPACE;
      assertNamespace(namespace);
      if (!query.trim()) throw new UserError('The query is empty: say what to look for, e.g. gantry memory search "units".');
      const k = options.k ?? DEFAULT_SEARCH_K;
      if (k > MAX_MEMORY_SEARCH_K) throw new UserError(`--k is at most ${MAX_MEMORY_SEARCH_K}; got ${k}.`);
      const found = withMemory({ io, task: (store) => store?.search({ namespace, query, k }) ?? [] });
      if (options.json) io.stdout.write(`${JSON.stringify(found, null, 2)}\n`);
      else if (found.length === 0) io.stderr.write(`No notes in namespace "${namespace}" match ${JSON.stringify(query)}. Try other words, or gantry memory list ${namespace}.\n`);
      else io.stdout.write(formatNotes({ notes: found, withNamespace: false }));
    });

  memory
    .command('add')
    .description('Save a note, as the remember tool would: the agent recalls it with --memory when a question matches.')
    .argument('<text>', 'the note (at most 2,000 characters)')
    .option('--namespace <ns>', NAMESPACE_HELP)
    .addOption(new Option('--kind <kind>', 'a fact the user stated, or feedback on answers (default fact)').choices(['fact', 'feedback']))
    .option('--about <topic>', 'the question or topic the note applies to, searched along with it')
    .addHelpText(
      'after',
      '\nExamples:\n  $ gantry memory add "The user lives in Lyon."\n  $ gantry memory add "Give distances in km." --namespace alice --kind feedback --about "unit conversions"',
    )
    .action((text: string, options: { namespace?: string; kind?: MemoryKind; about?: string }) => {
      const namespace = options.namespace ?? DEFAULT_MEMORY_NAMESPACE;
      assertNamespace(namespace);
      const note = withMemory({
        io,
        create: true,
        task: (store) => store!.save({ namespace, kind: options.kind ?? 'fact', content: text, ...(options.about === undefined ? {} : { about: options.about }) }),
      });
      io.stdout.write(`Saved note ${note.id} in namespace "${namespace}".\n`);
    });

  memory
    .command('remove')
    .description('Delete one note by its id (gantry memory list shows the ids).')
    .argument('<id>', 'the note id', parsePositiveInt)
    .addHelpText('after', '\nExamples:\n  $ gantry memory remove 7')
    .action((id: number) => {
      const removed = withMemory({ io, task: (store) => store?.remove(id) ?? false });
      if (!removed) throw new UserError(`No note has id ${id}; gantry memory list --all shows the notes with their ids.`);
      io.stdout.write(`Removed note ${id}.\n`);
    });

  memory
    .command('clear')
    .description('Delete every note of a namespace. Asks for --yes, since the notes cannot be brought back.')
    .option('--namespace <ns>', NAMESPACE_HELP)
    .option('--yes', 'really delete them')
    .addHelpText('after', '\nExamples:\n  $ gantry memory clear --yes\n  $ gantry memory clear --namespace alice --yes')
    .action((options: { namespace?: string; yes?: boolean }) => {
      const namespace = options.namespace ?? DEFAULT_MEMORY_NAMESPACE;
      assertNamespace(namespace);
      const deleted = withMemory({
        io,
        task: (store) => {
          const count = store?.list(namespace).length ?? 0;
          if (count === 0 || !options.yes) return { count, done: false };
          return { count: store!.clear(namespace), done: true };
        },
      });
      if (deleted.count === 0) io.stdout.write(`No notes in namespace "${namespace}"; nothing to delete.\n`);
      else if (!deleted.done) {
        throw new UserError(
          `This would delete ${countOf(deleted.count, 'note')} in namespace "${namespace}" for good. ` +
            `Run again with --yes to delete them (gantry memory list ${namespace} shows them).`,
        );
      } else io.stdout.write(`Deleted ${countOf(deleted.count, 'note')} from namespace "${namespace}".\n`);
    });
}

/** Runs `task` with long-term memory, or with undefined when there is no database and `create` is not set. */
function withMemory<T>({ io, create = false, task }: { io: CliIO; create?: boolean; task: (store: LongTermMemory | undefined) => T }): T {
  return withMainDatabase({ env: io.env, create, task: (db) => task(db ? new LongTermMemory(db) : undefined) });
}

/** One note a line; search results keep their order, best first (BM25 scores of a few notes say little, so only --json has them). */
function formatNotes({ notes, withNamespace }: { notes: MemoryItem[]; withNamespace: boolean }): string {
  const head = ['ID', ...(withNamespace ? ['NAMESPACE'] : []), 'KIND', 'SAVED', 'NOTE'];
  const rows = notes.map((note) => [
    String(note.id),
    ...(withNamespace ? [note.namespace] : []),
    note.kind,
    localTime(note.createdAt),
    `${oneLine(note.content)}${note.about === undefined ? '' : ` (about: ${oneLine(note.about)})`}`,
  ]);
  return formatTable([head, ...rows]);
}

/** Notes are shown whole, on one line each; --json gives their exact text. */
function oneLine(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}
