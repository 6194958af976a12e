import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, readdir, rm, unlink, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { openNamedIndex } from '../../src/cli/index-command.ts';
import { runCli } from '../../src/cli/main.ts';
import { startOpenAIStub, type OpenAIStub } from '../../src/testing/openai-stub-server.ts';
import { useLoopbackTripwire } from '../net/net-harness.ts';
import { gantry } from './cli-harness.ts';

useLoopbackTripwire();

let root: string;
let home: string;
let docs: string;
let env: NodeJS.ProcessEnv;
let stub: OpenAIStub | undefined;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), 'gantry-index-cli-'));
  home = join(root, 'home');
  docs = join(root, 'docs');
  env = { GANTRY_HOME: home };
  await mkdir(join(docs, 'recipes'), { recursive: true });
  await writeFile(join(docs, 'install.md'), '# Installing\n\n## From source\n\nClone the repository, then run the compiler toolchain to build the binaries.\n');
  await writeFile(join(docs, 'recipes', 'pasta.md'), '# Pasta\n\nBoil the spaghetti in salted water for nine minutes.\n');
  await writeFile(join(docs, 'garden.txt'), 'Tomatoes need sun, water and a stake to climb.\n');
});

afterEach(async () => {
  await stub?.close();
  stub = undefined;
  await rm(root, { recursive: true, force: true });
});

interface JsonHit {
  source: string;
  text: string;
  score: number;
  heading?: string;
  lineStart?: number;
  lineEnd?: number;
  type: string;
  tags: string[];
}

async function searchJson(args: string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<JsonHit[]> {
  const run = await gantry(['index', 'search', ...args, '--json'], { env: { ...env, ...extraEnv } });
  expect(run.stderr).toEqual('');
  expect(run.code).toEqual(0);
  return JSON.parse(run.stdout) as JsonHit[];
}

describe('gantry index', () => {
  it('adds a folder, then finds the passage that answers a query, first', async () => {
    const added = await gantry(['index', 'add', 'docs', docs], { env });
    expect(added.code).toEqual(0);
    expect(added.stderr).toEqual('');
    expect(added.stdout).toMatch(/^Indexed docs: 3 added, 0 updated, 0 unchanged, 0 removed; 3 chunks in \d+(\.\d)? m?s\n$/);
    expect(existsSync(join(home, 'indexes', 'docs.db'))).toEqual(true);

    const hits = await searchJson(['docs', 'compiler toolchain']);
    expect(hits[0]).toEqual({
      source: join(docs, 'install.md'),
      text: '## From source\n\nClone the repository, then run the compiler toolchain to build the binaries.',
      score: hits[0]!.score,
      heading: 'Installing › From source',
      lineStart: 3,
      lineEnd: 5,
      type: 'markdown',
      tags: [],
    });
    expect((await searchJson(['docs', 'spaghetti']))[0]!.source).toEqual(join(docs, 'recipes', 'pasta.md'));
    expect((await searchJson(['docs', 'tomatoes']))[0]!.source).toEqual(join(docs, 'garden.txt'));
  });

  it('prints hits for people: source, location, score and the text', async () => {
    await gantry(['index', 'add', 'docs', docs], { env });
    const run = await gantry(['index', 'search', 'docs', 'spaghetti'], { env });
    expect(run.code).toEqual(0);
    expect(run.stdout).toMatch(/^1\. \S*pasta\.md › Pasta \(lines 1-3\) {2}\(score [\d.]+\)\n {3}# Pasta\n\n {3}Boil the spaghetti in salted water for nine minutes\.\n$/);
    const none = await gantry(['index', 'search', 'docs', 'zeppelin'], { env });
    expect(none).toEqual({ code: 0, stdout: '', stderr: 'No passages in docs match "zeppelin". Try other words.\n' });
  });

  it('re-adding reads only what changed, and drops files that are gone', async () => {
    await gantry(['index', 'add', 'docs', docs], { env });
    await writeFile(join(docs, 'garden.txt'), 'Cucumbers like warm soil and plenty of water.\n');
    await unlink(join(docs, 'recipes', 'pasta.md'));
    await writeFile(join(docs, 'faq.md'), '# FAQ\n\nWhy is the sky blue? Rayleigh scattering.\n');
    const again = await gantry(['index', 'add', 'docs', docs, '--json'], { env });
    expect(again.code).toEqual(0);
    const report = JSON.parse(again.stdout);
    expect({ ...report, durationMs: 0 }).toEqual({ added: 1, updated: 1, unchanged: 1, removed: 1, chunks: 2, skipped: [], failed: [], durationMs: 0 });
    expect(await searchJson(['docs', 'spaghetti'])).toEqual([]);
    expect((await searchJson(['docs', 'cucumbers']))[0]!.source).toEqual(join(docs, 'garden.txt'));
  });

  it('reports files that fail to load on stderr and exits 1, keeping the rest', async () => {
    await writeFile(join(docs, 'broken.json'), '{"unterminated": ');
    const run = await gantry(['index', 'add', 'docs', docs], { env });
    expect(run.code).toEqual(1);
    expect(run.stderr).toMatch(/^failed \S*broken\.json: invalid JSON: .+\n$/);
    expect(run.stdout).toMatch(/^Indexed docs: 3 added, 0 updated, 0 unchanged, 0 removed; 3 chunks in .+; 1 failed\n$/);
  });

  it('filters by tags, type and path', async () => {
    await gantry(['index', 'add', 'docs', join(docs, 'install.md'), join(docs, 'garden.txt'), '--tags', 'manual,v2'], { env });
    await gantry(['index', 'add', 'docs', join(docs, 'recipes')], { env });
    const sources = async (args: string[]) => (await searchJson(['docs', 'compiler spaghetti tomatoes', ...args])).map((hit) => hit.source).sort();
    expect(await sources([])).toEqual([join(docs, 'garden.txt'), join(docs, 'install.md'), join(docs, 'recipes', 'pasta.md')]);
    expect(await sources(['--tags', 'manual'])).toEqual([join(docs, 'garden.txt'), join(docs, 'install.md')]);
    expect(await sources(['--type', 'text'])).toEqual([join(docs, 'garden.txt')]);
    expect(await sources(['--path', '**/*.md', '--tags', 'v2'])).toEqual([join(docs, 'install.md')]);
    expect(await sources(['--path', join(docs, 'recipes')])).toEqual([join(docs, 'recipes', 'pasta.md')]);
    expect((await searchJson(['docs', 'compiler']))[0]!.tags).toEqual(['manual', 'v2']);
  });

  it('lists and removes indexes', async () => {
    expect((await gantry(['index', 'list'], { env })).stdout).toEqual(`No indexes in ${join(home, 'indexes')}. Create one with: gantry index add NAME PATH...\n`);
    await gantry(['index', 'add', 'docs', docs], { env });
    await gantry(['index', 'add', 'garden', join(docs, 'garden.txt'), '--embeddings', 'hash:32'], { env });

    const listed = await gantry(['index', 'list'], { env });
    expect(listed.stdout).toMatch(
      new RegExp(
        `^docs: 3 documents, 3 chunks, lexical only, updated \\S+ \\S+Z\\n  ${escape(docs)}\\n` +
          `garden: 1 document, 1 chunk, 1 vector \\(hash:32\\), updated \\S+ \\S+Z\\n  ${escape(join(docs, 'garden.txt'))}\\n$`,
      ),
    );
    const json = JSON.parse((await gantry(['index', 'list', '--json'], { env })).stdout);
    expect(json.map(({ updatedAt: _updatedAt, ...entry }: Record<string, unknown>) => entry)).toEqual([
      { name: 'docs', file: join(home, 'indexes', 'docs.db'), documents: 3, chunks: 3, vectors: 0, roots: [docs], byType: { markdown: 2, text: 1 } },
      {
        name: 'garden', file: join(home, 'indexes', 'garden.db'), documents: 1, chunks: 1, vectors: 1, dimensions: 32, embeddingsSpec: 'hash:32',
        roots: [join(docs, 'garden.txt')], byType: { text: 1 },
      },
    ]);

    expect(await gantry(['index', 'remove', 'docs'], { env })).toEqual({ code: 0, stdout: `Removed the index docs (${join(home, 'indexes', 'docs.db')}).\n`, stderr: '' });
    expect((await readdir(join(home, 'indexes'))).filter((file) => file.startsWith('docs.'))).toEqual([]);
    expect(JSON.parse((await gantry(['index', 'list', '--json'], { env })).stdout).map((entry: { name: string }) => entry.name)).toEqual(['garden']);
  });

  it('explains unknown indexes, bad names and missing paths, leaving no empty index behind', async () => {
    await gantry(['index', 'add', 'docs', docs], { env });
    const missing = `No index named "nope" in ${join(home, 'indexes')}. Indexes: docs. Create one with: gantry index add nope PATH...\n`;
    expect(await gantry(['index', 'search', 'nope', 'x'], { env })).toEqual({ code: 2, stdout: '', stderr: `gantry: ${missing}` });
    expect(await gantry(['index', 'remove', 'nope'], { env })).toEqual({ code: 2, stdout: '', stderr: `gantry: ${missing}` });
    expect(await gantry(['index', 'add', '../escape', docs], { env })).toEqual({
      code: 2,
      stdout: '',
      stderr: 'gantry: Invalid index name "../escape": use 1-64 letters, digits, ".", "_" or "-", starting with a letter or digit (e.g. docs or team-handbook).\n',
    });
    const nowhere = join(root, 'nowhere');
    expect(await gantry(['index', 'add', 'fresh', nowhere], { env })).toEqual({
      code: 2,
      stdout: '',
      stderr: `gantry: Cannot add ${nowhere}: no such file or folder (and nothing under it is indexed). Check the path.\n`,
    });
    expect((await readdir(join(home, 'indexes'))).filter((file) => file.startsWith('fresh'))).toEqual([]);
    const badMode = await gantry(['index', 'search', 'docs', 'x', '--mode', 'fuzzy'], { env });
    expect(badMode.code).toEqual(2);
    expect(badMode.stderr).toContain("argument 'fuzzy' is invalid. Allowed choices are lexical, vector, hybrid.");
  });

  it('--embeddings hash: hybrid search with the stored embeddings, and refuses other ones later', async () => {
    expect((await gantry(['index', 'add', 'docs', docs, '--embeddings', 'hash'], { env })).code).toEqual(0);
    const hits = await searchJson(['docs', 'how long to boil spaghetti', '--mode', 'hybrid']);
    expect(hits[0]!.source).toEqual(join(docs, 'recipes', 'pasta.md'));
    const vector = await searchJson(['docs', 'sun and water for tomatoes', '--mode', 'vector', '--k', '1']);
    expect(vector.map((hit) => hit.source)).toEqual([join(docs, 'garden.txt')]);

    // Adding again without --embeddings reuses the stored spec; another spec is refused.
    await writeFile(join(docs, 'faq.md'), '# FAQ\n\nThe sky is blue because of Rayleigh scattering.\n');
    expect((await gantry(['index', 'add', 'docs', docs], { env })).stdout).toMatch(/^Indexed docs: 1 added, 0 updated, 3 unchanged/);
    expect((await searchJson(['docs', 'why is the sky blue', '--mode', 'vector', '--k', '1']))[0]!.source).toEqual(join(docs, 'faq.md'));
    const other = await gantry(['index', 'add', 'docs', docs, '--embeddings', 'hash:64'], { env });
    expect(other.code).toEqual(2);
    expect(other.stderr).toEqual(
      'gantry: The index docs was built with the embeddings hash:384, not hash:64: vectors from different models cannot be compared. ' +
        'Leave out --embeddings (the index uses hash:384), or add the files to a new index.\n',
    );
  });

  it('--embeddings openai:MODEL --base-url: embeds chunks and queries through an OpenAI-compatible server', async () => {
    stub = await startOpenAIStub({ replies: [] });
    const added = await gantry(['index', 'add', 'docs', docs, '--embeddings', 'openai:text-embedding-3-small', '--base-url', stub.baseURL], { env });
    expect(added.stderr).toEqual('');
    expect(added.code).toEqual(0);
    const embeddedTexts = stub.embeddingRequests.flatMap((request) => request.body.input as string[]);
    expect(embeddedTexts.length).toEqual(3);
    expect(stub.embeddingRequests.every((request) => request.body.model === 'text-embedding-3-small')).toEqual(true);

    const hits = await searchJson(['docs', 'boil spaghetti', '--base-url', stub.baseURL]);
    expect(hits[0]!.source).toEqual(join(docs, 'recipes', 'pasta.md'));
    expect(stub.embeddingRequests.at(-1)!.body.input).toEqual('boil spaghetti');

    // The stored spec names the model, not the server: searching needs the server (or a key) again.
    const keyless = await gantry(['index', 'search', 'docs', 'boil spaghetti'], { env });
    expect(keyless.code).toEqual(2);
    expect(keyless.stderr).toContain('gantry: OPENAI_API_KEY is not set, and openai:text-embedding-3-small needs it.');
    const fromEnv = await searchJson(['docs', 'boil spaghetti'], { OPENAI_BASE_URL: stub.baseURL });
    expect(fromEnv[0]!.source).toEqual(join(docs, 'recipes', 'pasta.md'));

    const index = await openNamedIndex({ name: 'docs', env, baseUrl: stub.baseURL });
    try {
      expect(index.embeddingsSpec).toEqual('openai:text-embedding-3-small');
      expect((await index.search('tomatoes', { mode: 'vector', k: 1 }))[0]!.source).toEqual(join(docs, 'garden.txt'));
    } finally {
      index.close();
    }
  });

  it('draws a progress line on a terminal and erases it before the summary', async () => {
    const stdout = new Capture(false);
    const stderr = new Capture(true);
    const code = await runCli(['index', 'add', 'docs', docs], { stdin: Readable.from([]), stdout, stderr, env, setExitCode: () => {} });
    expect(code).toEqual(0);
    expect(stderr.text).toMatch(/^\r\x1b\[2KScanning 1\/1 {2}\S+/);
    expect(stderr.text.endsWith('\r\x1b[2K')).toEqual(true);
    expect(stdout.text).toMatch(/^Indexed docs: 3 added/);
  });
});

class Capture extends Writable {
  text = '';
  readonly isTTY: boolean;
  readonly columns = 100;

  constructor(isTTY: boolean) {
    super();
    this.isTTY = isTTY;
  }

  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

function escape(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
