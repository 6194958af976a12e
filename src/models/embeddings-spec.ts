import type { EmbeddingsInterface } from '@langchain/core/embeddings';
import { UserError } from '../agent/errors.ts';

export interface EmbeddingsSettings {
  /** `openai:MODEL`, `openai:MODEL@DIMENSIONS`, `hash` or `hash:DIMENSIONS`. */
  spec: string;
  /** An OpenAI-compatible server for `openai:` specs (default `$OPENAI_BASE_URL`, else OpenAI). */
  baseUrl?: string;
  /** Where `OPENAI_API_KEY` and `OPENAI_BASE_URL` are read. */
  env: Readonly<Record<string, string | undefined>>;
}

export interface ResolvedEmbeddings {
  embeddings: EmbeddingsInterface;
  /**
   * The spec in canonical form (`openai:text-embedding-3-small`, `hash:384`): store it with the
   * vectors, since queries must be embedded by the same model to be comparable.
   */
  name: string;
}

export const EMBEDDINGS_SPEC_HELP =
  'Embeddings specs:\n' +
  '  openai:MODEL              OpenAI (OPENAI_API_KEY), or any OpenAI-compatible server with --base-url\n' +
  '  openai:MODEL@DIMENSIONS   the same, asking the model for shorter vectors (text-embedding-3 models)\n' +
  '  hash, hash:DIMENSIONS     offline feature hashing for tests and demos: matches words, not meaning';

const HASH_DEFAULT_DIMENSIONS = 384;
const MAX_DIMENSIONS = 65_536;
/** The client's own retries back off exponentially; a few cover a rate limit without stalling a dead server for a minute. */
const OPENAI_MAX_RETRIES = 2;

/**
 * Builds the embedder a spec names. Nothing here downloads anything: `OpenAIEmbeddings` only calls
 * the embeddings endpoint (it never loads a tokenizer), and `hash` is computed locally.
 */
export async function resolveEmbeddings(settings: EmbeddingsSettings): Promise<ResolvedEmbeddings> {
  const spec = settings.spec.trim();
  const colon = spec.indexOf(':');
  const provider = (colon < 0 ? spec : spec.slice(0, colon)).toLowerCase();
  const rest = colon < 0 ? undefined : spec.slice(colon + 1);
  if (provider === 'hash') {
    if (settings.baseUrl?.trim()) throw new UserError('--base-url applies to openai: embeddings, not to hash.');
    return createHashEmbeddings({ spec, dimensions: rest });
  }
  if (provider === 'openai' && rest) {
    return createOpenAIEmbeddings({
      spec,
      model: rest,
      baseUrl: settings.baseUrl?.trim() || settings.env.OPENAI_BASE_URL?.trim() || undefined,
      apiKey: settings.env.OPENAI_API_KEY,
    });
  }
  throw new UserError(`Invalid embeddings spec ${JSON.stringify(spec)}.\n${EMBEDDINGS_SPEC_HELP}`);
}

async function createHashEmbeddings({ spec, dimensions }: { spec: string; dimensions: string | undefined }): Promise<ResolvedEmbeddings> {
  const size = dimensions === undefined ? HASH_DEFAULT_DIMENSIONS : parseDimensions({ spec, text: dimensions });
  // Loaded on demand, like the OpenAI client: most commands never embed anything.
  const { HashEmbeddings } = await import('../testing/hash-embeddings.ts');
  return { embeddings: new HashEmbeddings({ dimensions: size }), name: `hash:${size}` };
}

async function createOpenAIEmbeddings(options: { spec: string; model: string; baseUrl?: string; apiKey?: string }): Promise<ResolvedEmbeddings> {
  const { spec, baseUrl, apiKey } = options;
  const sized = /^(.+)@(\d+)$/.exec(options.model);
  const model = sized ? sized[1]! : options.model;
  const dimensions = sized ? parseDimensions({ spec, text: sized[2]! }) : undefined;
  if (baseUrl !== undefined && !/^https?:$/.test(URL.parse(baseUrl)?.protocol ?? '')) {
    throw new UserError(`Invalid base URL ${JSON.stringify(baseUrl)}: expected something like http://localhost:11434/v1.`);
  }
  if (!apiKey && baseUrl === undefined) {
    throw new UserError(
      `OPENAI_API_KEY is not set, and ${spec} needs it. Set it to use OpenAI, or point --base-url (or OPENAI_BASE_URL) ` +
        'at an OpenAI-compatible server such as Ollama, vLLM, LM Studio or llama.cpp.',
    );
  }
  const { OpenAIEmbeddings } = await import('@langchain/openai');
  const embeddings = new OpenAIEmbeddings({
    model,
    // Local servers ignore the key, but the OpenAI client refuses to start without one.
    apiKey: apiKey || 'not-needed',
    configuration: baseUrl === undefined ? {} : { baseURL: baseUrl },
    maxRetries: OPENAI_MAX_RETRIES,
    // The OpenAI client otherwise asks for base64 vectors, which some compatible servers do not support.
    encodingFormat: 'float',
    ...(dimensions === undefined ? {} : { dimensions }),
  });
  return { embeddings, name: `openai:${model}${dimensions === undefined ? '' : `@${dimensions}`}` };
}

function parseDimensions({ spec, text }: { spec: string; text: string }): number {
  const value = Number(text);
  if (!/^\d+$/.test(text) || value < 1 || value > MAX_DIMENSIONS) {
    throw new UserError(`Invalid embeddings spec ${JSON.stringify(spec)}: dimensions must be a whole number from 1 to ${MAX_DIMENSIONS}.\n${EMBEDDINGS_SPEC_HELP}`);
  }
  return value;
}
