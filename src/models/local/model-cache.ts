import { existsSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { isAbsolute, join, posix, win32 } from 'node:path';
import { gantryHome } from '../../memory/database.ts';

/** How a cached file's sha256 was checked when it was downloaded. */
export type VerifiedAgainst = 'catalog' | 'x-linked-etag' | 'none';

/** The sidecar written beside a cached model once its download is complete and checked. */
export interface ModelSidecar {
  sha256: string;
  size: number;
  verifiedAgainst: VerifiedAgainst;
  downloadedAt: string;
  /** The URL the file was first requested from. */
  url?: string;
  /** The commit the revision pointed to when the file was downloaded (Hugging Face's `X-Repo-Commit`). */
  commit?: string;
}

/** The files that make up one cached model. */
export interface CachePaths {
  /** The model itself; trusted only beside a valid sidecar. */
  file: string;
  /** `FILE.sha256.json`. */
  sidecar: string;
  /** `FILE.partial`: a download in progress, never trusted. */
  partial: string;
  /** `FILE.lock`: held by the process that downloads the file. */
  lock: string;
}

type Env = Readonly<Record<string, string | undefined>>;

/**
 * The folder that holds downloaded models: `$GANTRY_HOME/models` when GANTRY_HOME is set, else the
 * platform's cache folder: `$XDG_CACHE_HOME/gantry/models` or `~/.cache/gantry/models` on Linux,
 * `~/Library/Caches/gantry/models` on macOS, `%LOCALAPPDATA%\gantry\models` on Windows.
 */
export function modelCacheDir({ env = process.env, platform = process.platform, home = homedir() }: { env?: Env; platform?: NodeJS.Platform; home?: string } = {}): string {
  if (env.GANTRY_HOME?.trim()) return join(gantryHome(env), 'models');
  if (platform === 'win32') {
    const localAppData = env.LOCALAPPDATA?.trim();
    return win32.join(localAppData || win32.join(home, 'AppData', 'Local'), 'gantry', 'models');
  }
  if (platform === 'darwin') return posix.join(home, 'Library', 'Caches', 'gantry', 'models');
  // The XDG spec says a relative XDG_CACHE_HOME is invalid and must be ignored.
  const xdg = env.XDG_CACHE_HOME?.trim();
  return posix.join(xdg && isAbsolute(xdg) ? xdg : posix.join(home, '.cache'), 'gantry', 'models');
}

/** Where a Hugging Face file is cached: `CACHE/hf/USER/REPO/REVISION/FILE`, with its sidecar, partial and lock. */
export function cachePaths({ cacheDir, repo, revision, file }: { cacheDir: string; repo: string; revision: string; file: string }): CachePaths {
  const target = join(cacheDir, 'hf', ...repo.split('/'), revision, ...file.split('/'));
  return { file: target, sidecar: `${target}.sha256.json`, partial: `${target}.partial`, lock: `${target}.lock` };
}

/**
 * The sidecar of a cached file when the file can be trusted: the sidecar parses, its size matches
 * the file's, and its hash matches `expectedSha256` when one is given (a verified catalog hash).
 * Anything else (no sidecar, a file cut short, a hash the catalog now disowns) is undefined.
 */
export function readTrustedSidecar({ paths, expectedSha256 }: { paths: CachePaths; expectedSha256?: string }): ModelSidecar | undefined {
  let sidecar: ModelSidecar;
  let size: number;
  try {
    sidecar = JSON.parse(readFileSync(paths.sidecar, 'utf8')) as ModelSidecar;
    size = statSync(paths.file).size;
  } catch {
    return undefined;
  }
  if (!isSidecar(sidecar) || sidecar.size !== size) return undefined;
  if (expectedSha256 !== undefined && sidecar.sha256 !== expectedSha256) return undefined;
  return sidecar;
}

/** Writes the sidecar atomically (a temporary file renamed over it), so a reader never sees half of one. */
export function writeSidecar({ paths, sidecar }: { paths: CachePaths; sidecar: ModelSidecar }): void {
  const temporary = `${paths.sidecar}.${process.pid}.tmp`;
  writeFileSync(temporary, `${JSON.stringify(sidecar, null, 2)}\n`);
  renameSync(temporary, paths.sidecar);
}

/** Deletes a cached model, its sidecar and any partial download; true when the model file existed. */
export function removeCachedModel(paths: CachePaths): boolean {
  const existed = existsSync(paths.file);
  // The sidecar goes first: a file left without one is never trusted, whatever happens next.
  rmSync(paths.sidecar, { force: true });
  rmSync(paths.file, { force: true });
  rmSync(paths.partial, { force: true });
  return existed;
}

/** A model file found in the cache. */
export interface CachedModel {
  repo: string;
  revision: string;
  file: string;
  paths: CachePaths;
  sizeBytes: number;
  /** The sidecar, when the file is trusted. */
  sidecar?: ModelSidecar;
}

/** Every `.gguf` file under `CACHE/hf`, trusted or not (partial downloads are left out). */
export function listCachedModels(cacheDir: string): CachedModel[] {
  const root = join(cacheDir, 'hf');
  if (!existsSync(root)) return [];
  const found: CachedModel[] = [];
  for (const relative of readdirSync(root, { recursive: true }) as string[]) {
    const parts = relative.split(/[\\/]/);
    if (parts.length < 4 || !relative.toLowerCase().endsWith('.gguf')) continue;
    const [user, name, revision, ...fileParts] = parts as [string, string, string, ...string[]];
    const entry = { repo: `${user}/${name}`, revision, file: fileParts.join('/') };
    const paths = cachePaths({ cacheDir, ...entry });
    let sizeBytes: number;
    try {
      const stat = statSync(paths.file);
      if (!stat.isFile()) continue;
      sizeBytes = stat.size;
    } catch {
      continue;
    }
    const sidecar = readTrustedSidecar({ paths });
    found.push({ ...entry, paths, sizeBytes, ...(sidecar ? { sidecar } : {}) });
  }
  return found.sort((a, b) => a.paths.file.localeCompare(b.paths.file));
}

function isSidecar(value: unknown): value is ModelSidecar {
  const sidecar = value as Partial<ModelSidecar> | null;
  return (
    typeof sidecar === 'object' &&
    sidecar !== null &&
    typeof sidecar.sha256 === 'string' &&
    /^[0-9a-f]{64}$/.test(sidecar.sha256) &&
    typeof sidecar.size === 'number' &&
    (sidecar.verifiedAgainst === 'catalog' || sidecar.verifiedAgainst === 'x-linked-etag' || sidecar.verifiedAgainst === 'none')
  );
}
