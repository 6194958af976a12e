import type { Command } from 'commander';
import { UserError } from '../agent/errors.ts';
import { MODEL_CATALOG, verifiedSha256, type CatalogEntry } from '../models/local/catalog.ts';
import { ensureModelFile } from '../models/local/download.ts';
import { formatBytes } from '../models/local/download-progress.ts';
import { ModelDownloadError } from '../models/local/model-download-error.ts';
import { formatHfSpec, parseLocalModelSpec, type LocalModelSpec } from '../models/local/local-model-spec.ts';
import { cachePaths, listCachedModels, modelCacheDir, readTrustedSidecar, removeCachedModel, type CachePaths, type VerifiedAgainst } from '../models/local/model-cache.ts';
import type { CliIO } from './io.ts';
import { formatTable } from './table.ts';

/** One row of `gantry models list --json`. */
interface ListedModel {
  spec: string;
  name: string;
  repo: string;
  revision: string;
  file: string;
  sizeBytes: number;
  /** True when the size is the catalog's estimate rather than the cached file's. */
  sizeApproximate: boolean;
  license?: string;
  /** True when the file is in the cache with a valid sidecar (runs use it with no network). */
  cached: boolean;
  /** True when a file is there but is not trusted (no sidecar, or the wrong size): the next pull replaces it. */
  untrusted?: boolean;
  path: string;
  verifiedAgainst?: VerifiedAgainst;
  sha256?: string;
}

export function registerModelsCommand(program: Command, io: CliIO): void {
  const models = program
    .command('models')
    .description('List, download or remove local GGUF models (local, local:small, llama:hf:USER/REPO/FILE.gguf).')
    .addHelpText(
      'after',
      '\nExamples:\n  $ gantry models list\n  $ gantry models pull local --yes\n  $ gantry models pull llama:hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf\n  $ gantry models remove local:small\n\n' +
        'Models are cached in $GANTRY_HOME/models when GANTRY_HOME is set, else ~/.cache/gantry/models (Linux),\n' +
        '~/Library/Caches/gantry/models (macOS) or %LOCALAPPDATA%\\gantry\\models (Windows). HF_ENDPOINT sets a mirror.',
    );

  models
    .command('list')
    .description('List the catalog models and every cached file: size, whether it is cached, where, and how its sha256 was checked.')
    .option('--json', 'print a JSON array of { spec, name, repo, revision, file, sizeBytes, sizeApproximate, license?, cached, untrusted?, path, verifiedAgainst?, sha256? }')
    .addHelpText('after', '\nExamples:\n  $ gantry models list\n  $ gantry models list --json')
    .action((options: { json?: boolean }) => {
      const listed = listModels(modelCacheDir({ env: io.env }));
      if (options.json) io.stdout.write(`${JSON.stringify(listed, null, 2)}\n`);
      else io.stdout.write(formatModelTable(listed));
    });

  models
    .command('pull')
    .description('Download a model into the cache (asks first on a terminal; --yes otherwise), checking its sha256. Does nothing when it is cached.')
    .argument('<spec>', 'local, local:small, or llama:hf:USER/REPO/FILE.gguf[@REVISION]')
    .option('-y, --yes', 'download without asking (required when stdin is not a terminal)')
    .option('--json', 'print { spec, path, downloaded, sizeBytes?, sha256?, verifiedAgainst? }')
    .addHelpText('after', '\nExamples:\n  $ gantry models pull local\n  $ gantry models pull local:small --yes\n  $ gantry models pull llama:hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf@main --yes --json')
    .action(async (specText: string, options: { yes?: boolean; json?: boolean }) => {
      const controller = new AbortController();
      const onSigint = () => controller.abort();
      process.on('SIGINT', onSigint);
      try {
        const result = await ensureModelFile({ spec: specText, env: io.env, yes: options.yes ?? false, io, signal: controller.signal });
        if (options.json) {
          const { sidecar } = result;
          const details = sidecar ? { sizeBytes: sidecar.size, sha256: sidecar.sha256, verifiedAgainst: sidecar.verifiedAgainst } : {};
          io.stdout.write(`${JSON.stringify({ spec: specText, path: result.path, downloaded: result.downloaded, ...details }, null, 2)}\n`);
        } else {
          io.stdout.write(`${result.downloaded ? 'Downloaded' : 'Already cached:'} ${result.path}\n`);
        }
      } catch (error) {
        if (controller.signal.aborted) throw new ModelDownloadError('The download was cancelled; nothing was kept. Run the same command to start again.', { cause: error });
        throw error;
      } finally {
        process.off('SIGINT', onSigint);
      }
    });

  models
    .command('remove')
    .description('Delete a cached model and its sidecar (the next run that needs it downloads it again).')
    .argument('<spec>', 'local, local:small, or llama:hf:USER/REPO/FILE.gguf[@REVISION]')
    .option('--json', 'print { spec, path, removed }')
    .addHelpText('after', '\nExamples:\n  $ gantry models remove local:small\n  $ gantry models remove llama:hf:Qwen/Qwen3-0.6B-GGUF/Qwen3-0.6B-Q8_0.gguf --json')
    .action((specText: string, options: { json?: boolean }) => {
      const paths = cachedPathsOf({ spec: parseLocalModelSpec(specText), cacheDir: modelCacheDir({ env: io.env }), specText });
      if (!removeCachedModel(paths)) throw new UserError(`${specText} is not cached (nothing at ${paths.file}). gantry models list shows what is.`);
      if (options.json) io.stdout.write(`${JSON.stringify({ spec: specText, path: paths.file, removed: true }, null, 2)}\n`);
      else io.stdout.write(`Removed ${paths.file}\n`);
    });
}

function cachedPathsOf({ spec, cacheDir, specText }: { spec: LocalModelSpec; cacheDir: string; specText: string }): CachePaths {
  if (spec.kind === 'file') throw new UserError(`${specText} is your own file: Gantry removes only models it downloaded.`);
  const address = spec.kind === 'catalog' ? spec.entry : spec;
  return cachePaths({ cacheDir, repo: address.repo, revision: address.revision, file: address.file });
}

/** The catalog entries first (cached or not), then every other file in the cache. */
function listModels(cacheDir: string): ListedModel[] {
  const cached = listCachedModels(cacheDir);
  const catalogFiles = new Set<string>();
  const rows: ListedModel[] = MODEL_CATALOG.map((entry) => {
    const paths = cachePaths({ cacheDir, repo: entry.repo, revision: entry.revision, file: entry.file });
    catalogFiles.add(paths.file);
    return catalogRow({ entry, paths, found: cached.find((model) => model.paths.file === paths.file) });
  });
  for (const model of cached) {
    if (catalogFiles.has(model.paths.file)) continue;
    rows.push({
      spec: formatHfSpec(model),
      name: model.file,
      repo: model.repo,
      revision: model.revision,
      file: model.file,
      sizeBytes: model.sizeBytes,
      sizeApproximate: false,
      cached: model.sidecar !== undefined,
      ...(model.sidecar ? { verifiedAgainst: model.sidecar.verifiedAgainst, sha256: model.sidecar.sha256 } : { untrusted: true }),
      path: model.paths.file,
    });
  }
  return rows;
}

function catalogRow({ entry, paths, found }: { entry: CatalogEntry; paths: CachePaths; found: { sizeBytes: number } | undefined }): ListedModel {
  const expectedSha256 = verifiedSha256(entry);
  const sidecar = found ? readTrustedSidecar({ paths, ...(expectedSha256 ? { expectedSha256 } : {}) }) : undefined;
  return {
    spec: entry.alias,
    name: `${entry.name} ${entry.quantization}`,
    repo: entry.repo,
    revision: entry.revision,
    file: entry.file,
    sizeBytes: sidecar ? sidecar.size : entry.sizeBytes,
    sizeApproximate: !sidecar && entry.unverified.includes('sizeBytes'),
    license: entry.license,
    cached: sidecar !== undefined,
    ...(found && !sidecar ? { untrusted: true } : {}),
    path: paths.file,
    ...(sidecar ? { verifiedAgainst: sidecar.verifiedAgainst, sha256: sidecar.sha256 } : {}),
  };
}

function formatModelTable(models: ListedModel[]): string {
  const rows = [
    ['SPEC', 'NAME', 'SIZE', 'CACHED', 'SHA256 CHECKED', 'PATH'],
    ...models.map((model) => [
      model.spec,
      model.name,
      `${model.sizeApproximate ? '~' : ''}${formatBytes(model.sizeBytes)}`,
      model.cached ? 'yes' : model.untrusted ? 'incomplete' : 'no',
      model.verifiedAgainst ?? '-',
      model.path,
    ]),
  ];
  return formatTable(rows);
}
