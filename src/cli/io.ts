import { InvalidArgumentError } from 'commander';

/** The process's streams and environment, injected so the CLI can run in tests in-process. */
export interface CliIO {
  stdin: NodeJS.ReadableStream & { isTTY?: boolean };
  stdout: NodeJS.WritableStream & { isTTY?: boolean };
  stderr: NodeJS.WritableStream & { isTTY?: boolean };
  env: NodeJS.ProcessEnv;
  setExitCode(code: number): void;
}

export async function readStdin(io: CliIO): Promise<string> {
  if (io.stdin.isTTY) return '';
  const chunks: Buffer[] = [];
  for await (const chunk of io.stdin) chunks.push(typeof chunk === 'string' ? Buffer.from(chunk) : chunk);
  return Buffer.concat(chunks).toString('utf8');
}

export function parsePositiveInt(value: string): number {
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed <= 0) throw new InvalidArgumentError(`expected a positive whole number, got "${value}".`);
  return parsed;
}

export function parsePositiveNumber(value: string): number {
  const parsed = Number(value);
  if (!Number.isFinite(parsed) || parsed <= 0) throw new InvalidArgumentError(`expected a positive number, got "${value}".`);
  return parsed;
}

/** `0.4,1.6` → USD per million input and output tokens. */
export function parsePrice(value: string): { input: number; output: number } {
  const parts = value.split(',').map((part) => Number(part.trim()));
  if (parts.length !== 2 || parts.some((part) => !Number.isFinite(part) || part < 0)) {
    throw new InvalidArgumentError(`expected INPUT,OUTPUT in USD per million tokens, such as 0.4,1.6; got "${value}".`);
  }
  return { input: parts[0]!, output: parts[1]! };
}
