import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { describeError, isAbortError } from '../../agent/errors.ts';
import type { DownloadProgress } from './download-progress.ts';
import { ModelDownloadError } from './model-download-error.ts';

/** The answer to a model URL once its redirects are followed. */
export interface ResolvedDownload {
  /** The response that carries the file's bytes. */
  response: Response;
  /** The sha256 Hugging Face sent for an LFS file (`X-Linked-Etag`), lower-case hex, when it did. */
  linkedSha256?: string;
  /** The size the server announced (`x-linked-size`, else `content-length`). */
  sizeBytes?: number;
  /** The commit the revision resolved to (`X-Repo-Commit`), when the server said. */
  commit?: string;
}

const MAX_REDIRECTS = 10;

/**
 * Requests `url` and follows its redirects by hand: Hugging Face puts the LFS file's sha256
 * (`X-Linked-Etag`) and size on its first answer, a redirect to a CDN whose own headers describe
 * something else. Only http and https are followed.
 */
export async function resolveDownload({ url, fetchImpl, signal }: { url: string; fetchImpl: typeof fetch; signal?: AbortSignal }): Promise<ResolvedDownload> {
  let current = url;
  let linkedSha256: string | undefined;
  let linkedSize: number | undefined;
  let commit: string | undefined;
  for (let hop = 0; hop <= MAX_REDIRECTS; hop++) {
    assertHttp(current);
    const response = await request({ url: current, fetchImpl, signal });
    linkedSha256 ??= parseLinkedEtag(response.headers.get('x-linked-etag'));
    linkedSize ??= parseSize(response.headers.get('x-linked-size'));
    commit ??= response.headers.get('x-repo-commit')?.trim() || undefined;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      await response.body?.cancel();
      current = new URL(location, current).toString();
      continue;
    }
    if (!response.ok) {
      await response.body?.cancel();
      throw new ModelDownloadError(`${url} answered ${response.status} ${response.statusText}. ${statusAdvice(response.status)}`, { context: { url, status: response.status } });
    }
    const sizeBytes = linkedSize ?? parseSize(response.headers.get('content-length'));
    return { response, ...(linkedSha256 ? { linkedSha256 } : {}), ...(sizeBytes === undefined ? {} : { sizeBytes }), ...(commit ? { commit } : {}) };
  }
  throw new ModelDownloadError(`${url} redirected more than ${MAX_REDIRECTS} times.`, { context: { url } });
}

/**
 * Streams the response body into `partial`, hashing as it goes, and flushes it to disk before
 * resolving. Fails (leaving the partial for the caller to delete) when the stream breaks or ends
 * short of `expectedSize`.
 */
export async function streamToFile({ response, partial, expectedSize, progress, signal }: {
  response: Response;
  partial: string;
  expectedSize?: number;
  progress: DownloadProgress;
  signal?: AbortSignal;
}): Promise<{ sha256: string; size: number }> {
  if (!response.body) throw new ModelDownloadError(`${response.url} sent no body.`);
  const hash = createHash('sha256');
  let size = 0;
  const meter = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      size += chunk.length;
      progress.update(size);
      done(null, chunk);
    },
  });
  try {
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), meter, createWriteStream(partial, { flush: true }), signal ? { signal } : {});
  } catch (error) {
    if (isAbortError(error) || signal?.aborted) throw error;
    throw new ModelDownloadError(`The download broke off after ${size} bytes: ${describeError(error)}. Run the command again to restart it.`, { cause: error });
  }
  if (expectedSize !== undefined && size !== expectedSize) {
    throw new ModelDownloadError(`The download ended after ${size} of ${expectedSize} bytes. Run the command again to restart it.`, { context: { size, expectedSize } });
  }
  progress.finish(size);
  return { sha256: hash.digest('hex'), size };
}

async function request({ url, fetchImpl, signal }: { url: string; fetchImpl: typeof fetch; signal?: AbortSignal }): Promise<Response> {
  try {
    return await fetchImpl(url, { redirect: 'manual', ...(signal ? { signal } : {}) });
  } catch (error) {
    if (isAbortError(error) || signal?.aborted) throw error;
    throw new ModelDownloadError(`Could not reach ${url}: ${describeError(error)}. Check the connection, or HF_ENDPOINT if you use a mirror.`, { cause: error, context: { url } });
  }
}

function assertHttp(url: string): void {
  const protocol = new URL(url).protocol;
  if (protocol !== 'http:' && protocol !== 'https:') {
    throw new ModelDownloadError(`Refusing to download from ${url}: only http and https are allowed.`, { context: { url } });
  }
}

/** `"abc…"` or `W/"abc…"` → the hex sha256, when the value is one (a git sha1 of a non-LFS file is not). */
export function parseLinkedEtag(value: string | null): string | undefined {
  if (!value) return undefined;
  const stripped = value.trim().replace(/^W\//, '').replace(/^"|"$/g, '').toLowerCase();
  return /^[0-9a-f]{64}$/.test(stripped) ? stripped : undefined;
}

function parseSize(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value);
}

function statusAdvice(status: number): string {
  if (status === 404) return 'Check the repository, file name and revision.';
  if (status === 401 || status === 403) return 'The repository may be gated or private: Gantry downloads public files only.';
  if (status >= 500) return 'The server failed; try again later.';
  return '';
}
