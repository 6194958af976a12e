import { createHash } from 'node:crypto';
import { MAX_TOOL_NAME_LENGTH } from '../plugin.ts';

/** Hex digits of the hash that makes a shortened or clashing name unique. */
const HASH_CHARS = 8;

/**
 * Gives an MCP server's tools the names the model sees, and keeps them stable while the server's
 * list changes (a tool keeps its name for the life of the plugin, restarts included).
 *
 * The rule: `${server}__${tool}`, with every character outside `[A-Za-z0-9_-]` replaced by `_`.
 * When that is longer than 64 characters, or another tool of the server already has it (two names
 * that differ only in replaced characters), it is cut to 55 characters and `_` plus the first 8
 * hex digits of the SHA-256 of the unsanitised `${server}__${tool}` is appended.
 */
export class ToolNamer {
  readonly #prefix: string;
  readonly #serverName: string;
  readonly #byToolName = new Map<string, string>();
  readonly #taken = new Set<string>();

  constructor(serverName: string) {
    this.#serverName = serverName;
    this.#prefix = `${sanitise(serverName)}__`;
  }

  /** The model-facing name of the server's tool `toolName`. */
  nameFor(toolName: string): string {
    const known = this.#byToolName.get(toolName);
    if (known !== undefined) return known;
    let name = this.#prefix + sanitise(toolName);
    if (name.length > MAX_TOOL_NAME_LENGTH || this.#taken.has(name)) {
      const hash = createHash('sha256').update(`${this.#serverName}__${toolName}`).digest('hex');
      const cut = name.slice(0, MAX_TOOL_NAME_LENGTH - HASH_CHARS - 1);
      name = `${cut}_${hash.slice(0, HASH_CHARS)}`;
      // A clash of hashes too is astronomically unlikely, but names must be unique regardless.
      for (let offset = HASH_CHARS; this.#taken.has(name) && offset + HASH_CHARS <= hash.length; offset += 1) {
        name = `${cut}_${hash.slice(offset, offset + HASH_CHARS)}`;
      }
    }
    this.#byToolName.set(toolName, name);
    this.#taken.add(name);
    return name;
  }
}

function sanitise(text: string): string {
  return text.replace(/[^A-Za-z0-9_-]/g, '_');
}
