import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { UserError } from '../../../src/agent/errors.ts';
import { catalogEntry } from '../../../src/models/local/catalog.ts';
import { ensureModelFile, hfDownloadUrl, type EnsureModelFileOptions } from '../../../src/models/local/download.ts';
import { cachePaths } from '../../../src/models/local/model-cache.ts';
import { ModelDownloadError } from '../../../src/models/local/model-download-error.ts';
import { useLoopbackTripwire } from '../../net/net-harness.ts';
import { sha256Of, startHfStub, STUB_COMMIT, type HfStub, type StubFile } from './hf-stub-server.ts';
import { CapturedStream, fakeStdin, fakeSystem } from './local-io.ts';

const REPO = 'test-user/tiny-GGUF';
const FILE = 'tiny.gguf';
const SPEC = `llama:hf:${REPO}/${FILE}`;
const BYTES = randomBytes(64 * 1024);

let stub: HfStub;
let files: Record<string, StubFile>;
let cacheDir: string;
let stderr: CapturedStream;
let fetched: string[];

useLoopbackTripwire();

beforeEach(async () => {
  files = { [`${REPO}/resolve/main/${FILE}`]: { bytes: BYTES } };
  stub = await startHfStub(files);
  cacheDir = mkdtempSync(join(tmpdir(), 'gantry-models-'));
  stderr = new CapturedStream();
  fetched = [];
});

afterEach(async () => {
  await stub.close();
  rmSync(cacheDir, { recursive: true, force: true });
  // Every request of every test went to the stub: nothing fell back to huggingface.co.
  expect(fetched.every((url) => url.startsWith(`${stub.endpoint}/`))).toBe(true);
});

/** Fetch that records every URL asked for. */
const countingFetch: typeof fetch = (input, init) => {
  fetched.push(String(input));
  return fetch(input, init);
};

function ensure(overrides: Partial<EnsureModelFileOptions> = {}) {
  return ensureModelFile({
    spec: SPEC,
    env: { HF_ENDPOINT: stub.endpoint },
    yes: true,
    io: { stdin: fakeStdin(), stderr },
    fetchImpl: countingFetch,
    cacheDir,
    system: fakeSystem(),
    lockPollMs: 20,
    ...overrides,
  });
}

const paths = () => cachePaths({ cacheDir, repo: REPO, revision: 'main', file: FILE });

/** Every file left in the cache, relative to it. */
function cacheContents(): string[] {
  return (readdirSync(cacheDir, { recursive: true }) as string[]).filter((entry) => entry.includes('.')).sort();
}

describe('ensureModelFile', () => {
  it('downloads with a notice and a progress bar, checks the X-Linked-Etag, and writes a sidecar', async () => {
    stderr.isTTY = true;
    const result = await ensure();

    expect(result).toEqual({ path: paths().file, downloaded: true, sidecar: expect.any(Object) });
    expect(readFileSync(result.path).equals(BYTES)).toBe(true);
    expect(JSON.parse(readFileSync(paths().sidecar, 'utf8'))).toEqual({
      sha256: sha256Of(BYTES),
      size: BYTES.length,
      verifiedAgainst: 'x-linked-etag',
      downloadedAt: expect.any(String),
      url: `${stub.endpoint}/${REPO}/resolve/main/${FILE}`,
      commit: STUB_COMMIT,
    });
    const lines = stderr.text.split('\n');
    expect(lines[0]).toBe(`Gantry will download ${REPO}/${FILE}@main (size not known yet) from ${stub.endpoint}/${REPO}/resolve/main/${FILE} to ${paths().file}.`);
    expect(stderr.text).toContain('\r\x1b[2K[########################] 65.5 kB / 65.5 kB  100%');
    expect(lines.at(-2)).toBe(`Saved 65.5 kB to ${paths().file} (sha256 matches Hugging Face's X-Linked-Etag).`);
    expect(stub.requests).toEqual([`/${REPO}/resolve/main/${FILE}`, `/cdn/${REPO}/resolve/main/${FILE}`]);
    expect(cacheContents()).toEqual([join('hf', REPO, 'main', FILE), join('hf', REPO, 'main', `${FILE}.sha256.json`)]);
  });

  it('returns a cached file without any request, and prints nothing', async () => {
    await ensure();
    const before = stub.requests.length;
    stderr.text = '';
    const second = await ensure({ yes: false });
    expect(second).toEqual({ path: paths().file, downloaded: false, sidecar: expect.objectContaining({ sha256: sha256Of(BYTES) }) });
    expect(stub.requests.length).toBe(before);
    expect(stderr.text).toBe('');
  });

  it('refuses a file whose sha256 differs from the X-Linked-Etag and leaves nothing trusted', async () => {
    files[`${REPO}/resolve/main/${FILE}`]!.linkedEtag = 'ab'.repeat(32);
    const error = await ensure().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect((error as Error).message).toBe(
      `The downloaded file's sha256 (${sha256Of(BYTES)}) does not match the server's X-Linked-Etag (${'ab'.repeat(32)}), so it was deleted. ` +
        'The download was corrupted or the file changed on the server; run the command again, and report it if it keeps happening.',
    );
    expect(cacheContents()).toEqual([]);
  });

  it('refuses a mismatch with a verified catalog hash, but never lets an unverified one block a download', async () => {
    const entry = catalogEntry('local:small')!;
    files[`${entry.repo}/resolve/${entry.revision}/${entry.file}`] = { bytes: BYTES };
    const wrong = 'cd'.repeat(32);
    const verified = ensure({ spec: { kind: 'catalog', entry: { ...entry, sha256: { value: wrong, verified: true } } } });
    await expect(verified).rejects.toThrow(`does not match Gantry's catalog (${wrong})`);

    const unverified = await ensure({ spec: { kind: 'catalog', entry: { ...entry, sha256: { value: wrong, verified: false } } } });
    expect(unverified.downloaded).toBe(true);
    expect(unverified.sidecar?.verifiedAgainst).toBe('x-linked-etag');

    const right = await ensure({ spec: { kind: 'catalog', entry: { ...entry, sha256: { value: sha256Of(BYTES), verified: true } } } });
    expect(right.downloaded).toBe(false);
  });

  it('re-downloads when a verified catalog hash disowns the cached file', async () => {
    const entry = catalogEntry('local:small')!;
    files[`${entry.repo}/resolve/${entry.revision}/${entry.file}`] = { bytes: BYTES };
    await ensure({ spec: 'local:small' });
    const again = await ensure({ spec: { kind: 'catalog', entry: { ...entry, sha256: { value: sha256Of(BYTES), verified: true } } } });
    expect(again.downloaded).toBe(false);
    expect(stub.cdnRequests()).toBe(1);
    await expect(ensure({ spec: { kind: 'catalog', entry: { ...entry, sha256: { value: 'ef'.repeat(32), verified: true } } } })).rejects.toThrow(ModelDownloadError);
    expect(stub.cdnRequests()).toBe(2);
    expect(existsSync(cachePaths({ cacheDir, repo: entry.repo, revision: entry.revision, file: entry.file }).sidecar)).toBe(false);
  });

  it('keeps a file the server gave no hash for, marked unverified, and says so', async () => {
    files[`${REPO}/resolve/main/${FILE}`]!.linkedEtag = null;
    const result = await ensure();
    expect(result.sidecar?.verifiedAgainst).toBe('none');
    expect(stderr.text).toContain(`Note: neither the catalog nor the server gave a sha256 for ${stub.endpoint}/${REPO}/resolve/main/${FILE}; the file is kept unverified`);
  });

  it('does not trust an interrupted download, and a retry succeeds', async () => {
    files[`${REPO}/resolve/main/${FILE}`]!.cutAfter = 1000;
    const error = await ensure().catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect((error as Error).message).toMatch(/^The download (broke off after|ended after) \d+ /);
    expect(cacheContents()).toEqual([]);

    delete files[`${REPO}/resolve/main/${FILE}`]!.cutAfter;
    const retry = await ensure();
    expect(retry.downloaded).toBe(true);
    expect(readFileSync(retry.path).equals(BYTES)).toBe(true);
  });

  it('does not trust what a killed process left: a partial, a file without sidecar, a sidecar of another size', async () => {
    const { file, partial, sidecar } = paths();
    mkdirSync(join(file, '..'), { recursive: true });
    writeFileSync(partial, BYTES.subarray(0, 10));
    writeFileSync(file, BYTES.subarray(0, 10));
    expect((await ensure()).downloaded).toBe(true);

    writeFileSync(file, BYTES.subarray(0, 10));
    expect(JSON.parse(readFileSync(sidecar, 'utf8')).size).toBe(BYTES.length);
    expect((await ensure()).downloaded).toBe(true);
    expect(readFileSync(file).equals(BYTES)).toBe(true);
    expect(existsSync(partial)).toBe(false);
  });

  it('downloads once when two calls want the same file at the same time', async () => {
    let release!: () => void;
    files[`${REPO}/resolve/main/${FILE}`]!.hold = new Promise<void>((resolve) => (release = resolve));
    const firstErr = new CapturedStream();
    const secondErr = new CapturedStream();
    const first = ensure({ io: { stdin: fakeStdin(), stderr: firstErr } });
    await vi.waitFor(() => expect(stub.cdnRequests()).toBe(1));
    const second = ensure({ io: { stdin: fakeStdin(), stderr: secondErr } });
    await vi.waitFor(() => expect(secondErr.text).toContain(`Waiting for another Gantry process (pid ${process.pid} on `));
    release();

    const results = await Promise.all([first, second]);
    expect(results.map((result) => result.downloaded)).toEqual([true, false]);
    expect(results[1]!.path).toBe(results[0]!.path);
    expect(stub.requests).toEqual([`/${REPO}/resolve/main/${FILE}`, `/cdn/${REPO}/resolve/main/${FILE}`]);
    expect(existsSync(paths().lock)).toBe(false);
  });

  it('requires --yes when stdin is not a terminal, before any request', async () => {
    const error = await ensure({ yes: false }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(UserError);
    expect((error as Error).message).toBe(
      `Not downloading ${REPO}/${FILE}@main (size not known yet): pass --yes to download it (stdin is not a terminal, so Gantry cannot ask).`,
    );
    expect(stub.requests).toEqual([]);
  });

  it('asks on a terminal: "n" downloads nothing, "y" downloads', async () => {
    const declined = ensure({ yes: false, io: { stdin: fakeStdin({ text: 'n\n', isTTY: true }), stderr } });
    await expect(declined).rejects.toThrow(`Not downloading ${REPO}/${FILE}@main (size not known yet): the download was declined.`);
    expect(stderr.text).toContain('Download it? [y/N] ');
    expect(stub.requests).toEqual([]);
    expect(cacheContents()).toEqual([]);

    const accepted = await ensure({ yes: false, io: { stdin: fakeStdin({ text: 'y\n', isTTY: true }), stderr } });
    expect(accepted.downloaded).toBe(true);
  });

  it('refuses when the size the server announces does not fit on the disk', async () => {
    const error = await ensure({ system: fakeSystem({ freeDisk: 1000 }) }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(ModelDownloadError);
    expect((error as Error).message).toMatch(/^Not enough disk space: the model needs 65\.5 kB and only 1\.0 kB is free/);
    expect(cacheContents()).toEqual([]);
  });

  it('refuses before downloading when the disk is short, and warns (suggesting local:small) when memory is', async () => {
    const entry = catalogEntry('local')!;
    files[`${entry.repo}/resolve/${entry.revision}/${entry.file}`] = { bytes: BYTES };
    const short = ensure({ spec: 'local', system: fakeSystem({ freeDisk: 1e9 }) });
    await expect(short).rejects.toThrow('Not enough disk space: the model needs about 2.5 GB and only 1.0 GB is free');
    expect(stub.requests).toEqual([]);

    const result = await ensure({ spec: 'local', system: fakeSystem({ freeMemory: 2e9, totalMemory: 8e9 }) });
    expect(result.downloaded).toBe(true);
    expect(stderr.text).toContain('Gantry will download Qwen3-4B-Instruct-2507 (Q4_K_M, ~2.5 GB, Apache-2.0) from ');
    expect(stderr.text).toContain(
      'Warning: Qwen3-4B-Instruct-2507 needs about 4.0 GB of free memory; this machine has 2.0 GB free (8.0 GB in all), so it may run slowly or fail. ' +
        'Consider --model local:small (Qwen3-0.6B, 640 MB, needs about 1.5 GB).',
    );
  });

  it('stops on abort, leaving no partial and no lock', async () => {
    files[`${REPO}/resolve/main/${FILE}`]!.hold = new Promise<void>(() => {});
    const controller = new AbortController();
    const pending = ensure({ signal: controller.signal });
    await vi.waitFor(() => expect(stub.cdnRequests()).toBe(1));
    controller.abort();
    await expect(pending).rejects.toMatchObject({ name: 'AbortError' });
    expect(cacheContents()).toEqual([]);
  });

  it('returns a llama:PATH file as it is, with no request', async () => {
    const file = join(cacheDir, 'mine.gguf');
    writeFileSync(file, 'GGUF');
    expect(await ensure({ spec: `llama:${file}` })).toEqual({ path: file, downloaded: false });
    expect(stub.requests).toEqual([]);
  });
});

describe('hfDownloadUrl', () => {
  it('uses HF_ENDPOINT when set (trailing slash dropped), else huggingface.co', () => {
    const address = { repo: 'Qwen/Qwen3-0.6B-GGUF', revision: 'main', file: 'Qwen3-0.6B-Q8_0.gguf' };
    expect(hfDownloadUrl({ env: { HF_ENDPOINT: 'http://127.0.0.1:9/' }, ...address })).toBe('http://127.0.0.1:9/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf');
    expect(hfDownloadUrl({ env: {}, ...address })).toBe('https://huggingface.co/Qwen/Qwen3-0.6B-GGUF/resolve/main/Qwen3-0.6B-Q8_0.gguf');
    expect(() => hfDownloadUrl({ env: { HF_ENDPOINT: 'file:///tmp' }, ...address })).toThrow('HF_ENDPOINT "file:///tmp" must be an http or https URL.');
  });
});
