import { OpenAIEmbeddings } from '@langchain/openai';
import { afterEach, describe, expect, it } from 'vitest';
import { HashEmbeddings } from '../../src/testing/hash-embeddings.ts';
import { startOpenAIStub, type OpenAIStub } from '../../src/testing/openai-stub-server.ts';

let stub: OpenAIStub | undefined;
afterEach(async () => {
  await stub?.close();
  stub = undefined;
});

function postEmbeddings(baseURL: string, body: unknown): Promise<Response> {
  return fetch(`${baseURL}/embeddings`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
}

async function readJson(response: Response): Promise<any> {
  return response.json();
}

describe('the OpenAI stub: /v1/embeddings', () => {
  it('answers like OpenAI, with HashEmbeddings vectors in input order', async () => {
    stub = await startOpenAIStub({ replies: [] });
    const response = await postEmbeddings(stub.baseURL, { model: 'text-embedding-3-small', input: ['one two', 'three'], dimensions: 8 });
    const hash = new HashEmbeddings({ dimensions: 8 });
    expect(response.status).toEqual(200);
    expect(await response.json()).toEqual({
      object: 'list',
      data: [
        { object: 'embedding', index: 0, embedding: hash.embed('one two') },
        { object: 'embedding', index: 1, embedding: hash.embed('three') },
      ],
      model: 'text-embedding-3-small',
      usage: { prompt_tokens: 4, total_tokens: 4 },
    });
    expect(stub.embeddingRequests.map((request) => request.body.input)).toEqual([['one two', 'three']]);
    expect(stub.requests).toEqual([]);
  });

  it('serves the base64 float32 vectors the OpenAI client asks for by default', async () => {
    stub = await startOpenAIStub({ replies: [] });
    const embeddings = new OpenAIEmbeddings({ model: 'text-embedding-3-small', apiKey: 'test', configuration: { baseURL: stub.baseURL }, maxRetries: 0 });
    const [vector] = await embeddings.embedDocuments(['the quick brown fox']);
    expect(stub.embeddingRequests[0]!.body.encoding_format).toEqual('base64');
    const expected = new HashEmbeddings().embed('the quick brown fox');
    expect(vector).toEqual(Array.from(new Float32Array(expected)));
  });

  it('uses a given embedder, cut to the requested dimensions', async () => {
    const fixed = { embedDocuments: async (texts: string[]) => texts.map(() => [1, 2, 3, 4]), embedQuery: async () => [1, 2, 3, 4] };
    stub = await startOpenAIStub({ embeddings: fixed });
    const body = await readJson(await postEmbeddings(stub.baseURL, { model: 'm', input: 'x', dimensions: 2 }));
    expect(body.data).toEqual([{ object: 'embedding', index: 0, embedding: [1, 2] }]);
  });

  it('rejects token arrays and unknown encodings with a 400 that says why', async () => {
    stub = await startOpenAIStub({ replies: [] });
    const tokens = await postEmbeddings(stub.baseURL, { model: 'm', input: [[1, 2, 3]] });
    expect(tokens.status).toEqual(400);
    expect((await readJson(tokens)).error.message).toEqual(
      'OpenAI stub: "input" must be a string or a non-empty array of strings (token arrays are not supported).',
    );
    const format = await postEmbeddings(stub.baseURL, { model: 'm', input: 'x', encoding_format: 'int8' });
    expect((await readJson(format)).error.message).toEqual('OpenAI stub: unsupported encoding_format "int8"; use "float" or "base64".');
  });
});
