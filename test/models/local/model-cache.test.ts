import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cachePaths, listCachedModels, modelCacheDir, readTrustedSidecar, removeCachedModel, writeSidecar } from '../../../src/models/local/model-cache.ts';

describe('modelCacheDir', () => {
  it('follows GANTRY_HOME, then the platform cache folder', () => {
    expect(modelCacheDir({ env: { GANTRY_HOME: '/srv/gantry', XDG_CACHE_HOME: '/xdg' }, platform: 'linux', home: '/home/ann' })).toBe(resolve('/srv/gantry/models'));
    expect(modelCacheDir({ env: {}, platform: 'linux', home: '/home/ann' })).toBe('/home/ann/.cache/gantry/models');
    expect(modelCacheDir({ env: { XDG_CACHE_HOME: '/xdg' }, platform: 'linux', home: '/home/ann' })).toBe('/xdg/gantry/models');
    expect(modelCacheDir({ env: { XDG_CACHE_HOME: 'relative' }, platform: 'linux', home: '/home/ann' })).toBe('/home/ann/.cache/gantry/models');
    expect(modelCacheDir({ env: {}, platform: 'darwin', home: '/Users/ann' })).toBe('/Users/ann/Library/Caches/gantry/models');
    expect(modelCacheDir({ env: { LOCALAPPDATA: 'C:\\Users\\ann\\AppData\\Local' }, platform: 'win32', home: 'C:\\Users\\ann' })).toBe('C:\\Users\\ann\\AppData\\Local\\gantry\\models');
    expect(modelCacheDir({ env: {}, platform: 'win32', home: 'C:\\Users\\ann' })).toBe('C:\\Users\\ann\\AppData\\Local\\gantry\\models');
  });
});

describe('the cache', () => {
  let cacheDir: string;
  beforeEach(() => {
    cacheDir = mkdtempSync(join(tmpdir(), 'gantry-cache-'));
  });
  afterEach(() => rmSync(cacheDir, { recursive: true, force: true }));

  const sha = 'a1'.repeat(32);

  it('lays files out as hf/USER/REPO/REVISION/FILE and trusts only a file with a matching sidecar', () => {
    const paths = cachePaths({ cacheDir, repo: 'user/repo', revision: 'main', file: 'sub/m.gguf' });
    expect(paths).toEqual({
      file: join(cacheDir, 'hf/user/repo/main/sub/m.gguf'),
      sidecar: join(cacheDir, 'hf/user/repo/main/sub/m.gguf.sha256.json'),
      partial: join(cacheDir, 'hf/user/repo/main/sub/m.gguf.partial'),
      lock: join(cacheDir, 'hf/user/repo/main/sub/m.gguf.lock'),
    });
    mkdirSync(join(paths.file, '..'), { recursive: true });
    writeFileSync(paths.file, 'four');
    expect(readTrustedSidecar({ paths })).toBeUndefined();
    const sidecar = { sha256: sha, size: 4, verifiedAgainst: 'x-linked-etag' as const, downloadedAt: '2025-01-01T00:00:00.000Z' };
    writeSidecar({ paths, sidecar });
    expect(readTrustedSidecar({ paths })).toEqual(sidecar);
    expect(readTrustedSidecar({ paths, expectedSha256: 'b2'.repeat(32) })).toBeUndefined();
    writeFileSync(paths.sidecar, '{"sha256":');
    expect(readTrustedSidecar({ paths })).toBeUndefined();
    writeSidecar({ paths, sidecar: { ...sidecar, size: 5 } });
    expect(readTrustedSidecar({ paths })).toBeUndefined();
  });

  it('lists cached files (not partials) and removes them', () => {
    const trusted = cachePaths({ cacheDir, repo: 'user/repo', revision: 'main', file: 'a.gguf' });
    const untrusted = cachePaths({ cacheDir, repo: 'other/repo', revision: 'v1', file: 'b.gguf' });
    mkdirSync(join(trusted.file, '..'), { recursive: true });
    mkdirSync(join(untrusted.file, '..'), { recursive: true });
    writeFileSync(trusted.file, 'four');
    writeSidecar({ paths: trusted, sidecar: { sha256: sha, size: 4, verifiedAgainst: 'none', downloadedAt: 'x' } });
    writeFileSync(untrusted.file, 'xx');
    writeFileSync(untrusted.partial, 'x');

    expect(listCachedModels(cacheDir).map(({ repo, revision, file, sizeBytes, sidecar }) => ({ repo, revision, file, sizeBytes, trusted: sidecar !== undefined }))).toEqual([
      { repo: 'other/repo', revision: 'v1', file: 'b.gguf', sizeBytes: 2, trusted: false },
      { repo: 'user/repo', revision: 'main', file: 'a.gguf', sizeBytes: 4, trusted: true },
    ]);
    expect(removeCachedModel(untrusted)).toBe(true);
    expect(removeCachedModel(untrusted)).toBe(false);
    expect(listCachedModels(cacheDir).map((model) => model.file)).toEqual(['a.gguf']);
  });
});
