import { UserError } from '../agent/errors.ts';
import type { Environment } from './environment.ts';
import { RemoteEnvironment } from './remote-environment.ts';

/** Where an environment comes from, as parsed from a spec such as the CLI's `gantry env run SPEC`. */
export type EnvironmentSpec =
  | { kind: 'builtin'; name: string }
  | { kind: 'stdio'; command: string; args: string[] }
  | { kind: 'http'; url: string };

const SPEC_FORMS =
  'a built-in environment name (such as household), "stdio:COMMAND ARGS…" to start a server ' +
  '(stdio:python3 server.py), or the http:// or https:// URL of a running server';

/**
 * Parses an environment spec: a built-in name (`household`), `stdio:` and a command line split
 * like a shell would (quotes group, backslashes escape; nothing is expanded), or an `http(s)://`
 * URL. Throws a `UserError` for anything else.
 */
export function parseEnvironmentSpec(spec: string): EnvironmentSpec {
  const trimmed = spec.trim();
  if (trimmed.startsWith('stdio:')) {
    const words = splitCommandLine(trimmed.slice('stdio:'.length));
    const [command, ...args] = words;
    if (command === undefined) {
      throw new UserError(`The environment spec "${spec}" has no command after "stdio:": expected ${SPEC_FORMS}.`);
    }
    return { kind: 'stdio', command, args };
  }
  if (/^https?:\/\//i.test(trimmed)) {
    if (!URL.canParse(trimmed)) {
      throw new UserError(`The environment spec "${spec}" is not a valid URL: expected ${SPEC_FORMS}.`);
    }
    return { kind: 'http', url: trimmed };
  }
  if (/^[a-z][a-z0-9_-]*$/i.test(trimmed)) return { kind: 'builtin', name: trimmed };
  throw new UserError(`Unknown environment spec "${spec}": expected ${SPEC_FORMS}.`);
}

/**
 * Opens the environment a spec names: a built-in from `builtins`, a spawned stdio server, or an
 * HTTP server. Remote environments are initialized before this resolves.
 */
export async function openEnvironment(
  spec: string,
  options: {
    /** The built-in environments by name, each created on demand. */
    builtins: Record<string, () => Environment>;
    /** Passed to remote environments: how long one request may go unanswered. */
    timeoutMs?: number;
  },
): Promise<Environment> {
  const parsed = parseEnvironmentSpec(spec);
  switch (parsed.kind) {
    case 'builtin': {
      const create = Object.hasOwn(options.builtins, parsed.name) ? options.builtins[parsed.name] : undefined;
      if (create === undefined) {
        const known = Object.keys(options.builtins);
        throw new UserError(
          `There is no built-in environment "${parsed.name}". ` +
            `Built-in environments: ${known.length === 0 ? '(none)' : known.join(', ')}; ` +
            'a remote one is given as "stdio:COMMAND ARGS…" or an http(s):// URL.',
        );
      }
      return create();
    }
    case 'stdio':
      return RemoteEnvironment.spawn({ command: parsed.command, args: parsed.args, timeoutMs: options.timeoutMs });
    case 'http':
      return RemoteEnvironment.connect({ url: parsed.url, timeoutMs: options.timeoutMs });
  }
}

/**
 * Splits a command line into words the way a POSIX shell does, without expanding anything:
 * whitespace separates words, single quotes keep everything literally, double quotes keep
 * everything but `\"`, `\\`, `\$` and `` \` ``, and a backslash outside quotes escapes the next
 * character.
 */
export function splitCommandLine(line: string): string[] {
  const words: string[] = [];
  let word = '';
  let inWord = false;
  let quote: "'" | '"' | undefined;
  for (let index = 0; index < line.length; index++) {
    const char = line[index] as string;
    if (quote === "'") {
      if (char === "'") quote = undefined;
      else word += char;
    } else if (quote === '"') {
      if (char === '"') quote = undefined;
      else if (char === '\\' && index + 1 < line.length && '"\\$`'.includes(line[index + 1] as string)) {
        word += line[++index];
      } else word += char;
    } else if (/\s/.test(char)) {
      if (inWord) words.push(word);
      word = '';
      inWord = false;
    } else {
      inWord = true;
      if (char === "'" || char === '"') quote = char;
      else if (char === '\\') {
        if (index + 1 < line.length) word += line[++index];
      } else word += char;
    }
  }
  if (quote !== undefined) {
    throw new UserError(`The command line "${line.trim()}" has an unterminated ${quote} quote.`);
  }
  if (inWord) words.push(word);
  return words;
}
