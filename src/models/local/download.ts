import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { dirname } from 'node:path';
import { UserError } from '../../agent/errors.ts';
import { verifiedSha256, type CatalogEntry } from './catalog.ts';
import { checkDiskSpace, confirmDownload, nodeSystemProbe, warnIfShortOfMemory, type SystemProbe } from './download-consent.ts';
import { acquireDownloadLock } from './download-lock.ts';
import { DownloadProgress, formatBytes } from './download-progress.ts';
import { resolveDownload, streamToFile } from './download-transfer.ts';
import { parseLocalModelSpec, type LocalModelSpec } from './local-model-spec.ts';
import { cachePaths, modelCacheDir, readTrustedSidecar, writeSidecar, type CachePaths, type ModelSidecar, type VerifiedAgainst } from './model-cache.ts';
import { ModelDownloadError } from './model-download-error.ts';

type Env = Readonly<Record<string, string | undefined>>;

/** Hugging Face itself, used when HF_ENDPOINT is not set. */
export const DEFAULT_HF_ENDPOINT = 'https://huggingface.co';

export interface EnsureModelFileOptions {
  /** The model: a parsed spec, or spec text (`local`, `local:small`, `llama:PATH.gguf`, `llama:hf:USER/REPO/FILE.gguf[@REV]`). */
  spec: LocalModelSpec | string;
  /** Environment for GANTRY_HOME, XDG_CACHE_HOME, LOCALAPPDATA and HF_ENDPOINT (default `process.env`). */
  env?: Env;
  /** Consent given in advance (`--yes`); required when stdin is not a terminal. */
  yes?: boolean;
  /** Where the prompt is read (stdin) and the notice, prompt and progress are written (stderr). */
  io: {
    stdin: NodeJS.ReadableStream & { isTTY?: boolean };
    stderr: NodeJS.WritableStream & { isTTY?: boolean; columns?: number };
  };
  /** The fetch to download with (default the global one); tests count requests with it. */
  fetchImpl?: typeof fetch;
  /** Cancels a prompt, a wait for another process's download, or the download itself. */
  signal?: AbortSignal;
  /** The model cache folder (default `modelCacheDir({ env })`); set it from configuration. */
  cacheDir?: string;
  /** Free memory and disk (default the real machine). */
  system?: SystemProbe;
  /** Resolves relative `llama:PATH` specs (default `process.cwd()`). */
  cwd?: string;
  /** Time between two looks at another process's lock, in milliseconds (default 250). */
  lockPollMs?: number;
}

export interface EnsuredModelFile {
  /** The GGUF file to load. */
  path: string;
  /** True when this call downloaded it; false when it was cached (or is the user's own file). */
  downloaded: boolean;
  /** How the cached file was checked; absent for `llama:PATH` files, which Gantry does not manage. */
  sidecar?: ModelSidecar;
}

/** What to download and where. */
interface DownloadPlan {
  url: string;
  paths: CachePaths;
  entry?: CatalogEntry;
  /** `Qwen3-0.6B (Q8_0, ~640 MB, Apache-2.0)`, or `USER/REPO/FILE@REVISION (size not known yet)`. */
  description: string;
  expectedSha256?: string;
}

/**
 * Returns a GGUF file for the spec, downloading it first when needed. A cached file that is trusted
 * (a valid sidecar whose size matches) is returned without any network request. Otherwise the user
 * is told what will be downloaded, how big and where; the disk and memory are checked; consent is
 * asked (a prompt on a terminal, else `yes` is required); then one process on the machine downloads
 * the file (others wait on a lock and find it cached), the bytes' sha256 is checked against the
 * catalog's verified hash or else Hugging Face's X-Linked-Etag, and only then is the file renamed
 * into place and its sidecar written. A failure or an interruption leaves nothing that is trusted.
 */
export async function ensureModelFile(options: EnsureModelFileOptions): Promise<EnsuredModelFile> {
  const env = options.env ?? process.env;
  const spec = typeof options.spec === 'string' ? parseLocalModelSpec(options.spec, options.cwd ? { cwd: options.cwd } : {}) : options.spec;
  if (spec.kind === 'file') return { path: spec.path, downloaded: false };
  const plan = planDownload({ spec, env, cacheDir: options.cacheDir ?? modelCacheDir({ env }) });
  const cached = readTrustedSidecar({ paths: plan.paths, ...(plan.expectedSha256 ? { expectedSha256: plan.expectedSha256 } : {}) });
  if (cached) return { path: plan.paths.file, downloaded: false, sidecar: cached };

  const { stdin, stderr } = options.io;
  const system = options.system ?? nodeSystemProbe;
  stderr.write(`Gantry will download ${plan.description} from ${plan.url} to ${plan.paths.file}.\n`);
  if (plan.entry) {
    await checkDiskSpace({ system, path: plan.paths.file, sizeBytes: plan.entry.sizeBytes, approximate: plan.entry.unverified.includes('sizeBytes') });
    warnIfShortOfMemory({ system, name: plan.entry.name, alias: plan.entry.alias, minFreeRamBytes: plan.entry.minFreeRamBytes, stderr });
  }
  await confirmDownload({ yes: options.yes ?? false, stdin, stderr, what: plan.description, ...(options.signal ? { signal: options.signal } : {}) });

  mkdirSync(dirname(plan.paths.file), { recursive: true });
  const lock = await acquireDownloadLock({
    path: plan.paths.lock,
    onWait: (owner) => stderr.write(`Waiting for another Gantry process (pid ${owner.pid} on ${owner.host}) that is downloading ${plan.paths.file}…\n`),
    ...(options.signal ? { signal: options.signal } : {}),
    ...(options.lockPollMs ? { pollMs: options.lockPollMs } : {}),
  });
  try {
    // Another process may have finished the same download while this one waited for the lock.
    const finished = readTrustedSidecar({ paths: plan.paths, ...(plan.expectedSha256 ? { expectedSha256: plan.expectedSha256 } : {}) });
    if (finished) return { path: plan.paths.file, downloaded: false, sidecar: finished };
    const sidecar = await download({ plan, stderr, system, fetchImpl: options.fetchImpl ?? fetch, ...(options.signal ? { signal: options.signal } : {}) });
    return { path: plan.paths.file, downloaded: true, sidecar };
  } finally {
    lock.release();
  }
}

/** The URL a Hugging Face file is downloaded from: `${HF_ENDPOINT}/USER/REPO/resolve/REVISION/FILE`. */
export function hfDownloadUrl({ env, repo, revision, file }: { env: Env; repo: string; revision: string; file: string }): string {
  const endpoint = (env.HF_ENDPOINT?.trim() || DEFAULT_HF_ENDPOINT).replace(/\/+$/, '');
  let protocol: string;
  try {
    protocol = new URL(endpoint).protocol;
  } catch {
    throw new UserError(`HF_ENDPOINT "${endpoint}" is not a URL. Set it to a Hugging Face mirror such as https://hf-mirror.example, or unset it.`);
  }
  if (protocol !== 'http:' && protocol !== 'https:') throw new UserError(`HF_ENDPOINT "${endpoint}" must be an http or https URL.`);
  const encodedFile = file.split('/').map(encodeURIComponent).join('/');
  return `${endpoint}/${repo}/resolve/${encodeURIComponent(revision)}/${encodedFile}`;
}

function planDownload({ spec, env, cacheDir }: { spec: Exclude<LocalModelSpec, { kind: 'file' }>; env: Env; cacheDir: string }): DownloadPlan {
  const address = spec.kind === 'catalog' ? { repo: spec.entry.repo, revision: spec.entry.revision, file: spec.entry.file } : spec;
  const base = { url: hfDownloadUrl({ env, ...address }), paths: cachePaths({ cacheDir, repo: address.repo, revision: address.revision, file: address.file }) };
  if (spec.kind === 'hf') return { ...base, description: `${spec.repo}/${spec.file}@${spec.revision} (size not known yet)` };
  const { entry } = spec;
  const size = `${entry.unverified.includes('sizeBytes') ? '~' : ''}${formatBytes(entry.sizeBytes)}`;
  const expectedSha256 = verifiedSha256(entry);
  return { ...base, entry, description: `${entry.name} (${entry.quantization}, ${size}, ${entry.license})`, ...(expectedSha256 ? { expectedSha256 } : {}) };
}

/** Downloads into the partial file, checks it, and moves it into place; cleans up on any failure. */
async function download({ plan, stderr, system, fetchImpl, signal }: {
  plan: DownloadPlan;
  stderr: EnsureModelFileOptions['io']['stderr'];
  system: SystemProbe;
  fetchImpl: typeof fetch;
  signal?: AbortSignal;
}): Promise<ModelSidecar> {
  const { paths } = plan;
  // A stale sidecar must not vouch for the file that is about to replace the one it described.
  rmSync(paths.sidecar, { force: true });
  const resolved = await resolveDownload({ url: plan.url, fetchImpl, ...(signal ? { signal } : {}) });
  if (resolved.sizeBytes !== undefined) {
    try {
      await checkDiskSpace({ system, path: paths.file, sizeBytes: resolved.sizeBytes, approximate: false });
    } catch (error) {
      await resolved.response.body?.cancel();
      throw error;
    }
  }
  const progress = new DownloadProgress({ stream: stderr, ...(resolved.sizeBytes === undefined ? {} : { totalBytes: resolved.sizeBytes }) });
  let received: { sha256: string; size: number };
  try {
    received = await streamToFile({
      response: resolved.response,
      partial: paths.partial,
      ...(resolved.sizeBytes === undefined ? {} : { expectedSize: resolved.sizeBytes }),
      progress,
      ...(signal ? { signal } : {}),
    });
    const check = verify({ plan, received, linkedSha256: resolved.linkedSha256 });
    if (check.verifiedAgainst === 'none') {
      stderr.write(`Note: neither the catalog nor the server gave a sha256 for ${plan.url}; the file is kept unverified (sha256 ${received.sha256}).\n`);
    }
    renameSync(paths.partial, paths.file);
    const sidecar: ModelSidecar = {
      sha256: received.sha256,
      size: received.size,
      verifiedAgainst: check.verifiedAgainst,
      downloadedAt: new Date().toISOString(),
      url: plan.url,
      ...(resolved.commit ? { commit: resolved.commit } : {}),
    };
    writeSidecar({ paths, sidecar });
    stderr.write(`Saved ${formatBytes(received.size)} to ${paths.file} (${describeCheck(check.verifiedAgainst)}).\n`);
    return sidecar;
  } catch (error) {
    progress.abandon();
    rmSync(paths.partial, { force: true });
    throw error;
  }
}

function verify({ plan, received, linkedSha256 }: { plan: DownloadPlan; received: { sha256: string }; linkedSha256: string | undefined }): { verifiedAgainst: VerifiedAgainst } {
  const expected = plan.expectedSha256 ? { sha256: plan.expectedSha256, source: 'catalog' as const } : linkedSha256 ? { sha256: linkedSha256, source: 'x-linked-etag' as const } : undefined;
  if (!expected) return { verifiedAgainst: 'none' };
  if (received.sha256 !== expected.sha256) {
    const source = expected.source === 'catalog' ? "Gantry's catalog" : "the server's X-Linked-Etag";
    throw new ModelDownloadError(
      `The downloaded file's sha256 (${received.sha256}) does not match ${source} (${expected.sha256}), so it was deleted. ` +
        'The download was corrupted or the file changed on the server; run the command again, and report it if it keeps happening.',
      { context: { url: plan.url, expected: expected.sha256, received: received.sha256 } },
    );
  }
  return { verifiedAgainst: expected.source };
}

function describeCheck(verifiedAgainst: VerifiedAgainst): string {
  if (verifiedAgainst === 'catalog') return "sha256 matches Gantry's catalog";
  if (verifiedAgainst === 'x-linked-etag') return "sha256 matches Hugging Face's X-Linked-Etag";
  return 'sha256 not verified';
}
