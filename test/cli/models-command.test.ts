import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { catalogEntry } from '../../src/models/local/catalog.ts';
import { useLoopbackTripwire } from '../net/net-harness.ts';
import { sha256Of, startHfStub, type HfStub } from '../models/local/hf-stub-server.ts';
import { gantry } from './cli-harness.ts';

const BYTES = randomBytes(20_000);
const HF_SPEC = 'llama:hf:test-user/tiny-GGUF/tiny.gguf';
const small = catalogEntry('local:small')!;

let stub: HfStub;
let home: string;
let env: NodeJS.ProcessEnv;

useLoopbackTripwire();

beforeEach(async () => {
  stub = await startHfStub({
    'test-user/tiny-GGUF/resolve/main/tiny.gguf': { bytes: BYTES },
    [`${small.repo}/resolve/${small.revision}/${small.file}`]: { bytes: BYTES },
  });
  home = mkdtempSync(join(tmpdir(), 'gantry-models-cli-'));
  env = { GANTRY_HOME: home, HF_ENDPOINT: stub.endpoint };
});

afterEach(async () => {
  await stub.close();
  rmSync(home, { recursive: true, force: true });
});

const tinyPath = () => join(home, 'models', 'hf', 'test-user', 'tiny-GGUF', 'main', 'tiny.gguf');

describe('gantry models', () => {
  it('lists the catalog, not cached, under $GANTRY_HOME/models', async () => {
    const run = await gantry(['models', 'list', '--json'], { env });
    expect(run.code).toBe(0);
    const listed = JSON.parse(run.stdout);
    expect(listed.map((model: { spec: string; cached: boolean; sizeApproximate: boolean }) => [model.spec, model.cached, model.sizeApproximate])).toEqual([
      ['local', false, true],
      ['local:small', false, true],
    ]);
    expect(listed[1]).toEqual({
      spec: 'local:small',
      name: 'Qwen3-0.6B Q8_0',
      repo: small.repo,
      revision: small.revision,
      file: small.file,
      sizeBytes: small.sizeBytes,
      sizeApproximate: true,
      license: 'Apache-2.0',
      cached: false,
      path: join(home, 'models', 'hf', ...small.repo.split('/'), small.revision, small.file),
    });
    const table = await gantry(['models', 'list'], { env });
    expect(table.stdout.split('\n')[0]).toMatch(/^SPEC +NAME +SIZE +CACHED +SHA256 CHECKED +PATH$/);
    expect(table.stdout).toMatch(/local:small +Qwen3-0\.6B Q8_0 +~640 MB +no +-/);
  });

  it('requires --yes when stdin is not a terminal, and downloads nothing', async () => {
    const run = await gantry(['models', 'pull', HF_SPEC], { env, stdin: '' });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('gantry: Not downloading test-user/tiny-GGUF/tiny.gguf@main (size not known yet): pass --yes to download it');
    expect(stub.requests).toEqual([]);
  });

  it('pulls, lists, pulls again from the cache with no request, and removes', async () => {
    const pulled = await gantry(['models', 'pull', HF_SPEC, '--yes', '--json'], { env, stdin: '' });
    expect(pulled.code).toBe(0);
    expect(JSON.parse(pulled.stdout)).toEqual({ spec: HF_SPEC, path: tinyPath(), downloaded: true, sizeBytes: BYTES.length, sha256: sha256Of(BYTES), verifiedAgainst: 'x-linked-etag' });
    expect(pulled.stderr).toContain(`Gantry will download test-user/tiny-GGUF/tiny.gguf@main (size not known yet) from ${stub.endpoint}/test-user/tiny-GGUF/resolve/main/tiny.gguf to ${tinyPath()}.`);

    const listed = JSON.parse((await gantry(['models', 'list', '--json'], { env })).stdout);
    expect(listed[2]).toEqual({
      spec: HF_SPEC,
      name: 'tiny.gguf',
      repo: 'test-user/tiny-GGUF',
      revision: 'main',
      file: 'tiny.gguf',
      sizeBytes: BYTES.length,
      sizeApproximate: false,
      cached: true,
      verifiedAgainst: 'x-linked-etag',
      sha256: sha256Of(BYTES),
      path: tinyPath(),
    });

    const requests = stub.requests.length;
    const again = await gantry(['models', 'pull', HF_SPEC], { env, stdin: '' });
    expect(again).toEqual({ code: 0, stdout: `Already cached: ${tinyPath()}\n`, stderr: '' });
    expect(stub.requests.length).toBe(requests);

    expect(await gantry(['models', 'remove', HF_SPEC], { env })).toEqual({ code: 0, stdout: `Removed ${tinyPath()}\n`, stderr: '' });
    expect(existsSync(tinyPath())).toBe(false);
    expect(existsSync(`${tinyPath()}.sha256.json`)).toBe(false);
    const missing = await gantry(['models', 'remove', HF_SPEC], { env });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(`gantry: ${HF_SPEC} is not cached (nothing at ${tinyPath()}). gantry models list shows what is.\n`);
  });

  it('pulls a catalog alias and shows it cached', async () => {
    const pulled = await gantry(['models', 'pull', 'local:small', '--yes'], { env, stdin: '' });
    expect(pulled.code).toBe(0);
    expect(pulled.stderr.split('\n')[0]).toBe(
      `Gantry will download Qwen3-0.6B (Q8_0, ~640 MB, Apache-2.0) from ${stub.endpoint}/${small.repo}/resolve/${small.revision}/${small.file} ` +
        `to ${join(home, 'models', 'hf', ...small.repo.split('/'), small.revision, small.file)}.`,
    );
    const listed = JSON.parse((await gantry(['models', 'list', '--json'], { env })).stdout);
    expect(listed.map((model: { spec: string; cached: boolean }) => [model.spec, model.cached])).toEqual([
      ['local', false],
      ['local:small', true],
    ]);
  });

  it('refuses a bad spec and a mismatched download with clear messages', async () => {
    const bad = await gantry(['models', 'pull', 'local:huge'], { env });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toBe('gantry: Unknown local model "local:huge". Known: local, local:small; or use llama:PATH.gguf or llama:hf:USER/REPO/FILE.gguf.\n');

    await stub.close();
    stub = await startHfStub({ 'test-user/tiny-GGUF/resolve/main/tiny.gguf': { bytes: BYTES, linkedEtag: '00'.repeat(32) } });
    const mismatch = await gantry(['models', 'pull', HF_SPEC, '--yes'], { env: { ...env, HF_ENDPOINT: stub.endpoint }, stdin: '' });
    expect(mismatch.code).toBe(1);
    expect(mismatch.stderr).toContain(`does not match the server's X-Linked-Etag (${'00'.repeat(32)}), so it was deleted.`);
    expect(existsSync(tinyPath())).toBe(false);
  });

  it('shows examples in its help', async () => {
    const help = await gantry(['models', 'pull', '--help'], { env });
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('$ gantry models pull local:small --yes');
  });
});
