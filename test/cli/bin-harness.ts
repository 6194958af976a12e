import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';

export interface BinRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the installed command (bin/gantry.js runs the compiled CLI in dist/) as its own process,
 * with a minimal environment: PATH, NO_COLOR, the tests' GANTRY_HOME, then `env`.
 */
export function runBin(args: string[], { env = {}, stdin }: { env?: NodeJS.ProcessEnv; stdin?: string } = {}): Promise<BinRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['bin/gantry.js', ...args], {
      env: { PATH: process.env.PATH, NO_COLOR: '1', GANTRY_HOME: process.env.GANTRY_HOME, ...env },
      stdio: [stdin === undefined ? 'ignore' : 'pipe', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout!.on('data', (chunk) => (stdout += chunk));
    child.stderr!.on('data', (chunk) => (stderr += chunk));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
    if (stdin !== undefined) child.stdin!.end(stdin);
  });
}

/** Skipping would hide a broken build: `npm test` builds first, so dist/ must be there. */
export function assertBuilt(): void {
  if (!existsSync('dist/src/cli/bin.js')) throw new Error('dist/ is missing: run npm run build (npm test does) before these tests.');
}
