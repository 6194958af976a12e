import { isAbsolute, relative, resolve } from 'node:path';
import { InvalidArgumentError, Option, type Command } from 'commander';
import { UserError } from '../agent/errors.ts';
import { DocumentIndex, type IndexProgress, type IndexReport, type IndexStats } from '../memory/document-index.ts';
import type { DocumentType, Passage, SearchFilter, SearchMode } from '../memory/passages.ts';
import { EMBEDDINGS_SPEC_HELP } from '../models/embeddings-spec.ts';
import { describeLocation, formatScore } from '../tools/retrieval/passage-format.ts';
import { parsePositiveInt, type CliIO } from './io.ts';
import { indexesDirectory, listIndexNames, namedIndexFile, openNamedIndex, openNamedIndexForWriting, removeNamedIndex } from './named-index.ts';
import { ProgressLine, progressBar } from './progress-line.ts';

export { openNamedIndex } from './named-index.ts';

interface AddCommandOptions {
  embeddings?: string;
  baseUrl?: string;
  tags?: string[];
  chunkSize?: number;
  chunkOverlap?: number;
  json?: boolean;
}

interface SearchCommandOptions {
  k?: number;
  mode?: SearchMode;
  type?: string[];
  path?: string;
  tags?: string[];
  json?: boolean;
  baseUrl?: string;
}

/** One hit as `gantry index search --json` prints it. */
interface JsonPassage {
  source: string;
  text: string;
  score: number;
  heading?: string;
  page?: number;
  lineStart?: number;
  lineEnd?: number;
  type: DocumentType;
  tags: string[];
}

const PREVIEW_CHARS = 400;
/** `gantry` exits with 130 after Ctrl-C, like other Unix tools. */
const EXIT_INTERRUPTED = 130;

export function registerIndexCommand(program: Command, io: CliIO): void {
  const index = program
    .command('index')
    .description('Build and search local document indexes (stored in $GANTRY_HOME/indexes, default ~/.gantry/indexes).')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry index add docs ./docs ./README.md
  $ gantry index search docs "how do I install from source?"
  $ gantry index list
  $ gantry index remove docs`,
    );

  index
    .command('add')
    .description('Index files and folders (Markdown, text, HTML, PDF, JSON, JSONL) into the index NAME, creating it if needed. Re-adding only re-reads changed files.')
    .argument('<name>', 'the index name: letters, digits, ".", "_" or "-"')
    .argument('<paths...>', 'files or folders to index (folders recursively)')
    .option('--embeddings <spec>', 'also store vectors for vector and hybrid search: openai:MODEL or hash (fixed when the index is created)')
    .option('--base-url <url>', 'OpenAI-compatible server for openai: embeddings (default: $OPENAI_BASE_URL)')
    .option('--tags <list>', 'comma-separated tags for these files, to filter searches by', parseList)
    .option('--chunk-size <n>', 'largest chunk in characters (default 1000)', parsePositiveInt)
    .option('--chunk-overlap <n>', 'characters shared by consecutive chunks (default 150)', parseNonNegativeInt)
    .option('--json', 'print the report as JSON: { added, updated, unchanged, removed, chunks, skipped, failed, durationMs }')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry index add docs ./docs
  $ gantry index add docs ./docs --embeddings openai:text-embedding-3-small
  $ gantry index add notes ~/notes --embeddings openai:nomic-embed-text --base-url http://localhost:11434/v1
  $ gantry index add handbook ./handbook.pdf --tags hr,policy --chunk-size 1500 --chunk-overlap 200
  $ gantry index add demo ./examples --embeddings hash --json

${EMBEDDINGS_SPEC_HELP}`,
    )
    .action(async (name: string, paths: string[], options: AddCommandOptions) => {
      io.setExitCode(await addCommand({ name, paths, options, io }));
    });

  index
    .command('search')
    .description('Search the index NAME and print the best passages with their source, location and score.')
    .argument('<name>', 'the index name')
    .argument('<query>', 'what to look for')
    .option('-k, --k <n>', 'number of passages (default 5, at most 50)', parsePositiveInt)
    .addOption(new Option('--mode <mode>', 'ranking (default: hybrid when the index has vectors, else lexical)').choices(['lexical', 'vector', 'hybrid']))
    .option('--type <types>', 'only these document types, comma-separated: text, markdown, html, pdf, json, jsonl', parseList)
    .option('--path <pattern>', 'only files under this path prefix or matching this glob (e.g. "**/*.md")')
    .option('--tags <list>', 'only documents with every one of these comma-separated tags', parseList)
    .option('--json', 'print a JSON array of { source, text, score, heading?, page?, lineStart?, lineEnd?, type, tags }')
    .option('--base-url <url>', 'OpenAI-compatible server for an index built with openai: embeddings (default: $OPENAI_BASE_URL)')
    .addHelpText(
      'after',
      `
Examples:
  $ gantry index search docs "install from source"
  $ gantry index search docs "rate limits" --k 10 --mode lexical
  $ gantry index search docs "quarterly revenue" --type pdf --path "reports/**"
  $ gantry index search handbook "parental leave" --tags hr --json
  $ gantry index search notes "meeting notes" --base-url http://localhost:11434/v1`,
    )
    .action(async (name: string, query: string, options: SearchCommandOptions) => {
      await searchCommand({ name, query, options, io });
    });

  index
    .command('list')
    .description('List the indexes with their documents, chunks, embeddings, folders and last update.')
    .option('--json', 'print a JSON array of { name, file, documents, chunks, vectors, dimensions?, embeddingsSpec?, roots, byType, updatedAt? }')
    .addHelpText('after', '\nExamples:\n  $ gantry index list\n  $ gantry index list --json')
    .action((options: { json?: boolean }) => {
      listCommand({ json: options.json === true, io });
    });

  index
    .command('remove')
    .description('Delete the index NAME (its database file); the indexed files are not touched.')
    .argument('<name>', 'the index name')
    .addHelpText('after', '\nExamples:\n  $ gantry index remove docs')
    .action((name: string) => {
      const file = removeNamedIndex({ name, env: io.env });
      io.stdout.write(`Removed the index ${name} (${file}).\n`);
    });
}

async function addCommand({ name, paths, options, io }: { name: string; paths: string[]; options: AddCommandOptions; io: CliIO }): Promise<number> {
  const { index, embeddingsSpec, created } = await openNamedIndexForWriting({
    name,
    env: io.env,
    create: true,
    ...(options.embeddings === undefined ? {} : { embeddings: options.embeddings }),
    ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }),
  });
  const progress = new ProgressLine({ stream: io.stderr });
  const tracker = new ProgressText();
  const controller = new AbortController();
  const onSigint = () => controller.abort();
  process.on('SIGINT', onSigint);
  let outcome: { report: IndexReport } | { error: unknown };
  try {
    outcome = {
      report: await index.add(paths.map((path) => resolve(path)), {
        ...(options.tags === undefined ? {} : { tags: options.tags }),
        ...(options.chunkSize === undefined ? {} : { chunkSize: options.chunkSize }),
        ...(options.chunkOverlap === undefined ? {} : { chunkOverlap: options.chunkOverlap }),
        ...(embeddingsSpec === undefined ? {} : { embeddingsSpec }),
        signal: controller.signal,
        onProgress: (event) => progress.update(tracker.describe(event)),
      }),
    };
  } catch (error) {
    outcome = { error };
  } finally {
    progress.clear();
    process.off('SIGINT', onSigint);
    index.close();
  }
  if ('error' in outcome) {
    if (controller.signal.aborted) {
      io.stderr.write(`gantry: interrupted; the files indexed so far are kept in ${name}. Run the same command to finish.\n`);
      return EXIT_INTERRUPTED;
    }
    // A first add that fails (a missing path, bad chunk settings) leaves no empty index behind.
    if (created) removeNamedIndex({ name, env: io.env });
    throw outcome.error;
  }
  const { report } = outcome;
  if (options.json) io.stdout.write(`${JSON.stringify(report)}\n`);
  else printReport({ name, report, io });
  return report.failed.length > 0 ? 1 : 0;
}

function printReport({ name, report, io }: { name: string; report: IndexReport; io: CliIO }): void {
  for (const { path, reason } of report.skipped) io.stderr.write(`skipped ${displayPath(path)}: ${reason}\n`);
  for (const { path, error } of report.failed) io.stderr.write(`failed ${displayPath(path)}: ${error}\n`);
  const took = report.durationMs < 1000 ? `${Math.round(report.durationMs)} ms` : `${(report.durationMs / 1000).toFixed(1)} s`;
  io.stdout.write(
    `Indexed ${name}: ${report.added} added, ${report.updated} updated, ${report.unchanged} unchanged, ${report.removed} removed; ` +
      `${plural(report.chunks, 'chunk')} in ${took}` +
      `${report.skipped.length > 0 ? `; ${report.skipped.length} skipped` : ''}${report.failed.length > 0 ? `; ${report.failed.length} failed` : ''}\n`,
  );
}

/** Turns progress events into one status line, remembering the file count while a file is embedded. */
class ProgressText {
  #filesDone = 0;
  #filesTotal: number | undefined;

  describe(event: IndexProgress): string {
    const file = event.path === undefined ? '' : `  ${displayPath(event.path)}`;
    if (event.phase === 'scan') return `Scanning ${event.done}/${event.total}${file}`;
    if (event.phase === 'index') {
      this.#filesDone = event.done;
      this.#filesTotal = event.total;
    }
    let files = 'Indexing';
    if (this.#filesTotal !== undefined) {
      const fraction = this.#filesTotal === 0 ? 1 : this.#filesDone / this.#filesTotal;
      files = `${progressBar({ fraction })} ${this.#filesDone}/${this.#filesTotal} files ${Math.floor(fraction * 100)}%`;
    }
    const embedding = event.phase === 'embed' ? `  embedding ${event.done}/${event.total} chunks of` : '';
    return `${files}${embedding}${file}`;
  }
}

async function searchCommand({ name, query, options, io }: { name: string; query: string; options: SearchCommandOptions; io: CliIO }): Promise<void> {
  if (!query.trim()) throw new UserError('The query is empty: say what to look for, e.g. gantry index search docs "install from source".');
  const index = await openNamedIndex({ name, env: io.env, ...(options.baseUrl === undefined ? {} : { baseUrl: options.baseUrl }) });
  let passages: Passage[];
  try {
    passages = await index.search(query, {
      ...(options.k === undefined ? {} : { k: options.k }),
      ...(options.mode === undefined ? {} : { mode: options.mode }),
      ...searchFilter(options),
    });
  } finally {
    index.close();
  }
  if (options.json) {
    io.stdout.write(`${JSON.stringify(passages.map(toJsonPassage), null, 2)}\n`);
    return;
  }
  if (passages.length === 0) {
    io.stderr.write(`No passages in ${name} match ${JSON.stringify(query)}. Try other words${options.type || options.path || options.tags ? ' or fewer filters' : ''}.\n`);
    return;
  }
  const blocks = passages.map((passage, position) => {
    const location = describeLocation(passage);
    const header = `${position + 1}. ${displayPath(passage.source)}${location ? ` › ${location}` : ''}  (score ${formatScore(passage.score)})`;
    return `${header}\n${indent(preview(passage.text))}`;
  });
  io.stdout.write(`${blocks.join('\n\n')}\n`);
}

function searchFilter(options: SearchCommandOptions): { filter?: SearchFilter } {
  const filter: SearchFilter = {};
  // A relative prefix or glob is resolved by the index itself, against the current folder.
  if (options.path !== undefined) filter.path = options.path;
  if (options.type !== undefined) filter.type = options.type as DocumentType[];
  if (options.tags !== undefined) filter.tags = options.tags;
  return Object.keys(filter).length > 0 ? { filter } : {};
}

function toJsonPassage(passage: Passage): JsonPassage {
  return {
    source: passage.source,
    text: passage.text,
    score: passage.score,
    ...(passage.heading === undefined ? {} : { heading: passage.heading }),
    ...(passage.page === undefined ? {} : { page: passage.page }),
    ...(passage.lineStart === undefined ? {} : { lineStart: passage.lineStart }),
    ...(passage.lineEnd === undefined ? {} : { lineEnd: passage.lineEnd }),
    type: passage.type,
    tags: passage.tags,
  };
}

function listCommand({ json, io }: { json: boolean; io: CliIO }): void {
  const entries = listIndexNames(io.env).map((name) => {
    const file = namedIndexFile({ name, env: io.env });
    return { name, file, ...readStats({ file }) };
  });
  if (json) {
    io.stdout.write(`${JSON.stringify(entries, null, 2)}\n`);
    return;
  }
  if (entries.length === 0) {
    io.stdout.write(`No indexes in ${indexesDirectory(io.env)}. Create one with: gantry index add NAME PATH...\n`);
    return;
  }
  for (const entry of entries) {
    const vectors = entry.embeddingsSpec ? `${plural(entry.vectors, 'vector')} (${entry.embeddingsSpec})` : entry.vectors > 0 ? plural(entry.vectors, 'vector') : 'lexical only';
    const updated = entry.updatedAt ? `, updated ${entry.updatedAt.replace('T', ' ').replace(/\.\d+Z$/, 'Z')}` : '';
    io.stdout.write(`${entry.name}: ${plural(entry.documents, 'document')}, ${plural(entry.chunks, 'chunk')}, ${vectors}${updated}\n`);
    for (const root of entry.roots) io.stdout.write(`  ${root}\n`);
  }
}

function readStats({ file }: { file: string }): IndexStats {
  // Opened without embeddings: counting needs no embedder, so no API key or server either.
  const index = DocumentIndex.open({ file });
  try {
    return index.stats();
  } finally {
    index.close();
  }
}

function displayPath(path: string): string {
  const fromCwd = relative(process.cwd(), path);
  return fromCwd && !fromCwd.startsWith('..') && !isAbsolute(fromCwd) ? fromCwd : path;
}

function preview(text: string): string {
  const oneSpaced = text.replace(/[ \t]+/g, ' ').replace(/\n{3,}/g, '\n\n').trim();
  return oneSpaced.length > PREVIEW_CHARS ? `${oneSpaced.slice(0, PREVIEW_CHARS - 1).trimEnd()}…` : oneSpaced;
}

function indent(text: string): string {
  return text.split('\n').map((line) => (line ? `   ${line}` : line)).join('\n');
}

function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

function parseList(value: string): string[] {
  const items = value.split(',').map((item) => item.trim()).filter(Boolean);
  if (items.length === 0) throw new InvalidArgumentError(`expected a comma-separated list, got "${value}".`);
  return items;
}

function parseNonNegativeInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0) throw new InvalidArgumentError(`expected a whole number (0 or more), got "${value}".`);
  return parsed;
}
