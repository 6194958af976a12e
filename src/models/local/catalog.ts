/**
 * The models Gantry knows by name (`--model local`, `--model local:small`), as data. Nothing here
 * could be checked against Hugging Face when the catalog was written (no network), so every field
 * that was not verified is listed in `unverified`, and a hash is only ever used to refuse a
 * download when it is marked `verified: true`. Until then, downloads are checked against the
 * sha256 Hugging Face sends for LFS files (`X-Linked-Etag`).
 */

/** A catalog alias: what users type after `--model`. */
export type CatalogAlias = 'local' | 'local:small';

/** Fields of a catalog entry that may be unverified. */
export type CatalogField = 'repo' | 'revision' | 'file' | 'sizeBytes' | 'license' | 'contextLength' | 'minFreeRamBytes' | 'chatFormat';

export interface CatalogEntry {
  /** The name users type: `local` or `local:small`. */
  alias: CatalogAlias;
  /** The model's display name. */
  name: string;
  /** The quantisation, shown in the download notice. */
  quantization: string;
  /** The Hugging Face repository, `USER/REPO`. */
  repo: string;
  /** The revision the address is pinned to: a commit hash once verified, else a branch name. */
  revision: string;
  /** The file inside the repository. */
  file: string;
  /** The file's size in bytes; approximate while `sizeBytes` is listed in `unverified`. */
  sizeBytes: number;
  /**
   * The file's sha256. Only a `verified: true` hash can make Gantry refuse a download; an unverified
   * one is informational, so a guessed value never blocks a real download.
   */
  sha256?: { value: string; verified: boolean };
  /** SPDX licence identifier. */
  license: string;
  /** The model's trained context length, in tokens. */
  contextLength: number;
  /** Free memory the model needs to run comfortably (weights plus a modest KV cache), in bytes. */
  minFreeRamBytes: number;
  /** The chat template family, for the adapter (`qwen`: ChatML with Hermes-style tool calls). */
  chatFormat: 'qwen';
  /** Fields that could not be checked against the source when the entry was written. */
  unverified: readonly CatalogField[];
  /** Where the figures come from, and anything a user should know. */
  notes: string;
}

const GB = 1_000_000_000;

/** Every model Gantry can fetch by alias. */
export const MODEL_CATALOG: readonly CatalogEntry[] = [
  {
    alias: 'local',
    name: 'Qwen3-4B-Instruct-2507',
    quantization: 'Q4_K_M',
    repo: 'unsloth/Qwen3-4B-Instruct-2507-GGUF',
    // Pinning to a commit needs a look at the repository's history; until then this follows the branch.
    revision: 'main',
    file: 'Qwen3-4B-Instruct-2507-Q4_K_M.gguf',
    sizeBytes: 2.5 * GB,
    license: 'Apache-2.0',
    contextLength: 262_144,
    minFreeRamBytes: 4 * GB,
    chatFormat: 'qwen',
    unverified: ['revision', 'sizeBytes', 'minFreeRamBytes'],
    notes:
      'Native tool calling; BFCL-v3 61.9 on the model card. The GGUF metadata seen in a mirror gives a 262,144-token ' +
      'context; Gantry runs it with a smaller one on CPUs. The revision is the main branch, not yet a pinned commit.',
  },
  {
    alias: 'local:small',
    name: 'Qwen3-0.6B',
    quantization: 'Q8_0',
    repo: 'Qwen/Qwen3-0.6B-GGUF',
    revision: 'main',
    file: 'Qwen3-0.6B-Q8_0.gguf',
    sizeBytes: 0.64 * GB,
    license: 'Apache-2.0',
    contextLength: 32_768,
    minFreeRamBytes: 1.5 * GB,
    chatFormat: 'qwen',
    unverified: ['revision', 'file', 'sizeBytes', 'minFreeRamBytes'],
    notes:
      'The fallback for machines short of memory: much weaker at tool use than `local`. A hybrid thinking model; ' +
      'the revision is the main branch, not yet a pinned commit.',
  },
];

/** The catalog entry for an alias, or undefined. */
export function catalogEntry(alias: string): CatalogEntry | undefined {
  return MODEL_CATALOG.find((entry) => entry.alias === alias);
}

/** The sha256 that may refuse a download: the catalog's, only when it is verified. */
export function verifiedSha256(entry: CatalogEntry | undefined): string | undefined {
  return entry?.sha256?.verified ? entry.sha256.value.toLowerCase() : undefined;
}
