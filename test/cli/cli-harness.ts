import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable, Writable } from 'node:stream';
import { runCli } from '../../src/cli/main.ts';

export interface CliRun {
  code: number;
  stdout: string;
  stderr: string;
}

class Capture extends Writable {
  text = '';
  isTTY = false;
  override _write(chunk: Buffer | string, _encoding: BufferEncoding, done: () => void): void {
    this.text += chunk.toString();
    done();
  }
}

/** A Gantry home no test shares with a real user: commands that store data never touch ~/.gantry. */
const TEST_GANTRY_HOME = join(tmpdir(), `gantry-cli-test-home-${process.pid}`);

/**
 * Runs the CLI in-process with captured output, as a pipe (not a TTY) with NO_COLOR set, and
 * GANTRY_HOME in a temporary folder unless `env` sets it.
 */
export async function gantry(args: string[], options: { stdin?: string; env?: NodeJS.ProcessEnv } = {}): Promise<CliRun> {
  const stdout = new Capture();
  const stderr = new Capture();
  const stdin = Object.assign(Readable.from(options.stdin === undefined ? [] : [options.stdin]), { isTTY: options.stdin === undefined });
  const code = await runCli(args, { stdin, stdout, stderr, env: { NO_COLOR: '1', GANTRY_HOME: TEST_GANTRY_HOME, ...options.env }, setExitCode: () => {} });
  return { code, stdout: stdout.text, stderr: stderr.text };
}
