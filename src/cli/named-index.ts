import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../agent/errors.ts';
import { gantryHome } from '../memory/database.ts';
import { DocumentIndex } from '../memory/document-index.ts';
import { resolveEmbeddings } from '../models/embeddings-spec.ts';

type Env = Readonly<Record<string, string | undefined>>;

const INDEX_NAME = /^[A-Za-z0-9][A-Za-z0-9_.-]{0,63}$/;
const INDEX_EXTENSION = '.db';

/** Where named indexes live: `$GANTRY_HOME/indexes` (default `~/.gantry/indexes`), one `NAME.db` each. */
export function indexesDirectory(env: Env): string {
  return join(gantryHome(env), 'indexes');
}

/** The database file of a named index. Throws a UserError for a name that is not a plain file name. */
export function namedIndexFile({ name, env }: { name: string; env: Env }): string {
  if (!INDEX_NAME.test(name)) {
    throw new UserError(
      `Invalid index name ${JSON.stringify(name)}: use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. docs or team-handbook).`,
    );
  }
  return join(indexesDirectory(env), `${name}${INDEX_EXTENSION}`);
}

/** The names of the indexes under the Gantry home, sorted. */
export function listIndexNames(env: Env): string[] {
  const directory = indexesDirectory(env);
  if (!existsSync(directory)) return [];
  return readdirSync(directory)
    .filter((file) => file.endsWith(INDEX_EXTENSION))
    .map((file) => file.slice(0, -INDEX_EXTENSION.length))
    .filter((name) => INDEX_NAME.test(name))
    .sort();
}

export interface OpenNamedIndexOptions {
  /** The index name, as given to `gantry index add`. */
  name: string;
  /** Where `GANTRY_HOME`, `OPENAI_API_KEY` and `OPENAI_BASE_URL` are read. */
  env: Env;
  /** An OpenAI-compatible server for an index built with `openai:` embeddings (default `$OPENAI_BASE_URL`). */
  baseUrl?: string;
  /**
   * Embeddings to build the index with (`openai:MODEL`, `hash`). Only for adding files; must name
   * the embeddings the index already uses, if it uses any. Without it, the stored spec is used.
   */
  embeddings?: string;
  /** Creates the index when it does not exist, instead of throwing a UserError. Default false. */
  create?: boolean;
}

/** An open index and the canonical name of its embeddings (undefined for a lexical index). */
export interface NamedIndex {
  index: DocumentIndex;
  embeddingsSpec: string | undefined;
  /** True when this call created the index's file. */
  created: boolean;
}

/**
 * Opens the index `$GANTRY_HOME/indexes/NAME.db` with the embeddings it was built with (resolved
 * from the spec stored in it), so searches can embed queries. This is what `gantry run --index
 * NAME` uses. A missing index is a UserError listing the existing ones. Close it when done.
 */
export async function openNamedIndex(options: Omit<OpenNamedIndexOptions, 'embeddings' | 'create'>): Promise<DocumentIndex> {
  return (await openNamedIndexForWriting(options)).index;
}

/** Like `openNamedIndex`, and can create the index or choose its embeddings (for `gantry index add`). */
export async function openNamedIndexForWriting(options: OpenNamedIndexOptions): Promise<NamedIndex> {
  const { name, env, baseUrl } = options;
  const file = namedIndexFile({ name, env });
  const created = !existsSync(file);
  if (created && !options.create) throw unknownIndex({ name, env });
  const storedSpec = created ? undefined : readStoredSpec(file);
  const wanted = options.embeddings ?? storedSpec;
  if (wanted === undefined) return { index: DocumentIndex.open({ file }), embeddingsSpec: undefined, created };
  const resolved = await resolveEmbeddings({ spec: wanted, env, ...(baseUrl === undefined ? {} : { baseUrl }) });
  if (storedSpec !== undefined && resolved.name !== storedSpec) {
    throw new UserError(
      `The index ${name} was built with the embeddings ${storedSpec}, not ${resolved.name}: vectors from different models cannot be compared. ` +
        `Leave out --embeddings (the index uses ${storedSpec}), or add the files to a new index.`,
    );
  }
  return { index: DocumentIndex.open({ file, embeddings: resolved.embeddings }), embeddingsSpec: resolved.name, created };
}

/** Deletes an index's database with its WAL and shared-memory files. Throws a UserError for an unknown index. */
export function removeNamedIndex({ name, env }: { name: string; env: Env }): string {
  const file = namedIndexFile({ name, env });
  if (!existsSync(file)) throw unknownIndex({ name, env });
  for (const suffix of ['', '-wal', '-shm']) rmSync(`${file}${suffix}`, { force: true });
  return file;
}

export function unknownIndex({ name, env }: { name: string; env: Env }): UserError {
  const names = listIndexNames(env);
  const known = names.length > 0 ? `Indexes: ${names.join(', ')}.` : 'There are no indexes yet.';
  return new UserError(
    `No index named "${name}" in ${indexesDirectory(env)}. ${known} Create one with: gantry index add ${name} PATH...`,
  );
}

function readStoredSpec(file: string): string | undefined {
  const index = DocumentIndex.open({ file });
  try {
    return index.embeddingsSpec;
  } finally {
    index.close();
  }
}
