import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../../src/agent/errors.ts';
import { resolveEmbeddings } from '../../src/models/embeddings-spec.ts';
import { HashEmbeddings } from '../../src/testing/hash-embeddings.ts';
import { startOpenAIStub, type OpenAIStub } from '../../src/testing/openai-stub-server.ts';
import { useLoopbackTripwire } from '../net/net-harness.ts';

// Nothing here may leave the machine: an embedder that fetched a tokenizer would trip this.
useLoopbackTripwire();

let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

describe('resolveEmbeddings', () => {
  it('hash: offline feature hashing, 384 dimensions unless the spec says otherwise', async () => {
    const plain = await resolveEmbeddings({ spec: 'hash', env: {} });
    expect(plain.name).toEqual('hash:384');
    expect(await plain.embeddings.embedQuery('install from source')).toEqual(await new HashEmbeddings().embedQuery('install from source'));
    const small = await resolveEmbeddings({ spec: ' HASH:16 ', env: {} });
    expect(small.name).toEqual('hash:16');
    expect((await small.embeddings.embedDocuments(['a b', 'c'])).map((vector) => vector.length)).toEqual([16, 16]);
  });

  it('openai: embeds through an OpenAI-compatible server given by --base-url, without a key', async () => {
    stub = await startOpenAIStub({ replies: [] });
    const { embeddings, name } = await resolveEmbeddings({ spec: 'openai:text-embedding-3-small', baseUrl: stub.baseURL, env: {} });
    expect(name).toEqual('openai:text-embedding-3-small');
    const hash = new HashEmbeddings();
    expect(await embeddings.embedDocuments(['first text', 'second text'])).toEqual(await hash.embedDocuments(['first text', 'second text']));
    expect(await embeddings.embedQuery('a query')).toEqual(await hash.embedQuery('a query'));
    expect(stub.embeddingRequests.map((request) => request.body)).toEqual([
      { model: 'text-embedding-3-small', input: ['first text', 'second text'], encoding_format: 'float' },
      { model: 'text-embedding-3-small', input: 'a query', encoding_format: 'float' },
    ]);
    expect(stub.embeddingRequests[0]!.headers.authorization).toEqual('Bearer not-needed');
    expect(stub.requests).toEqual([]);
  });

  it('openai: reads OPENAI_BASE_URL and OPENAI_API_KEY, and asks for fewer dimensions with @N', async () => {
    stub = await startOpenAIStub({ replies: [] });
    const { embeddings, name } = await resolveEmbeddings({
      spec: 'openai:text-embedding-3-small@64',
      env: { OPENAI_BASE_URL: stub.baseURL, OPENAI_API_KEY: 'sk-test' },
    });
    expect(name).toEqual('openai:text-embedding-3-small@64');
    expect(await embeddings.embedQuery('hello')).toEqual(await new HashEmbeddings({ dimensions: 64 }).embedQuery('hello'));
    expect(stub.embeddingRequests[0]!.body).toEqual({ model: 'text-embedding-3-small', input: 'hello', dimensions: 64, encoding_format: 'float' });
    expect(stub.embeddingRequests[0]!.headers.authorization).toEqual('Bearer sk-test');
  });

  it('keeps tags after the first colon in the model name', async () => {
    stub = await startOpenAIStub({ replies: [] });
    const { embeddings, name } = await resolveEmbeddings({ spec: 'openai:nomic-embed-text:v1.5', baseUrl: stub.baseURL, env: {} });
    expect(name).toEqual('openai:nomic-embed-text:v1.5');
    await embeddings.embedQuery('x');
    expect(stub.embeddingRequests[0]!.body.model).toEqual('nomic-embed-text:v1.5');
  });

  it('explains what is wrong with a spec, and what the forms are', async () => {
    await expect(resolveEmbeddings({ spec: 'cohere:embed-english-v3.0', env: {} })).rejects.toThrow(UserError);
    await expect(resolveEmbeddings({ spec: 'cohere:embed-english-v3.0', env: {} })).rejects.toThrowErrorMatchingInlineSnapshot(`
      [UserError: Invalid embeddings spec "cohere:embed-english-v3.0".
      Embeddings specs:
        openai:MODEL              OpenAI (OPENAI_API_KEY), or any OpenAI-compatible server with --base-url
        openai:MODEL@DIMENSIONS   the same, asking the model for shorter vectors (text-embedding-3 models)
        hash, hash:DIMENSIONS     offline feature hashing for tests and demos: matches words, not meaning]
    `);
    await expect(resolveEmbeddings({ spec: 'openai:', env: {} })).rejects.toThrow('Invalid embeddings spec "openai:".');
    await expect(resolveEmbeddings({ spec: 'hash:0', env: {} })).rejects.toThrow('dimensions must be a whole number from 1 to 65536');
    await expect(resolveEmbeddings({ spec: 'hash:many', env: {} })).rejects.toThrow('dimensions must be a whole number');
    await expect(resolveEmbeddings({ spec: 'hash', baseUrl: 'http://127.0.0.1:1/v1', env: {} })).rejects.toThrow(
      '--base-url applies to openai: embeddings, not to hash.',
    );
    await expect(resolveEmbeddings({ spec: 'openai:text-embedding-3-small', env: {} })).rejects.toThrow(
      'OPENAI_API_KEY is not set, and openai:text-embedding-3-small needs it.',
    );
    await expect(resolveEmbeddings({ spec: 'openai:m', baseUrl: 'localhost:11434', env: {} })).rejects.toThrow(
      'Invalid base URL "localhost:11434"',
    );
  });
});
