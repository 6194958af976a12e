import { extname } from 'node:path';
import { UserError } from '../agent/errors.ts';
import { splitCommandLine } from '../env/environment-spec.ts';
import type { McpServerConfig } from './mcp/server-config.ts';

/**
 * Programs that run a server given as their first argument: for these the server is named after
 * that argument (`npx -y @modelcontextprotocol/server-everything` → `server-everything`), since
 * every server started with `npx` being called `npx` would tell nothing apart.
 */
const RUNNERS = new Set(['node', 'nodejs', 'npx', 'bunx', 'bun', 'deno', 'tsx', 'ts-node', 'python', 'python3', 'uv', 'uvx', 'pipx', 'pnpm', 'yarn', 'docker']);
const RUNNER_SUBCOMMANDS = new Set(['run', 'dlx', 'exec', 'x', 'tool']);

/** Server names stay short, so `NAME__tool` fits the 64-character limit of tool names. */
const MAX_SERVER_NAME_LENGTH = 24;

/**
 * Turns `--mcp "COMMAND ARGS"` into a server configuration. The line is split like a shell
 * would (quotes and backslashes, no variables or globbing); an `http(s)://` URL instead of a
 * command means a remote server. The server's name comes from the command (or the URL's host):
 * lower-case letters, digits, `_` and `-`.
 */
export function parseMcpCommand(line: string, { cwd }: { cwd?: string } = {}): McpServerConfig {
  const words = splitCommandLine(line);
  const [command, ...args] = words;
  if (command === undefined) throw new UserError('--mcp needs a command (such as "npx -y @modelcontextprotocol/server-everything") or an http(s):// URL.');
  if (/^https?:\/\//i.test(command)) {
    if (args.length > 0) throw new UserError(`--mcp "${line.trim()}": a URL server takes no arguments after the URL.`);
    if (!URL.canParse(command)) throw new UserError(`--mcp "${line.trim()}" is not a valid URL.`);
    return { name: serverName(new URL(command).hostname), url: command };
  }
  return { name: serverName(nameWord({ command, args })), command, args, ...(cwd ? { cwd } : {}) };
}

function nameWord({ command, args }: { command: string; args: string[] }): string {
  if (!RUNNERS.has(programName(command))) return programName(command);
  const target = args.find((arg, index) => !arg.startsWith('-') && !(index === 0 && RUNNER_SUBCOMMANDS.has(arg)));
  return target === undefined ? programName(command) : programName(target);
}

/** Script names that say nothing about the server; the folder above tells more. */
const GENERIC_NAMES = new Set(['index', 'main', 'cli', 'server', 'dist', 'build', 'lib', 'src', 'bin', 'out']);

/**
 * `/usr/bin/python3.12` → `python3`; `@scope/server-x@1.2` → `server-x`;
 * `…/server-everything/dist/index.js` → `server-everything`.
 */
function programName(word: string): string {
  const parts = word.replace(/(.)@[^/@]*$/, '$1').split(/[\\/]/).filter(Boolean).map(withoutExtension);
  const named = [...parts].reverse().find((part) => !GENERIC_NAMES.has(part.toLowerCase()));
  return (named ?? parts.at(-1) ?? word).replace(/^(python3|node)\.\d+$/i, '$1');
}

function withoutExtension(name: string): string {
  return /^\.(m?[jt]s|c[jt]s|py|exe|cmd|sh)$/i.test(extname(name)) ? name.slice(0, -extname(name).length) : name;
}

function serverName(text: string): string {
  const name = text.toLowerCase().replace(/[^a-z0-9_-]+/g, '_').replace(/^[_-]+|[_-]+$/g, '').slice(0, MAX_SERVER_NAME_LENGTH);
  return name || 'mcp';
}
