import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 20_000,
    // Runs and sessions are saved under GANTRY_HOME by default; no test may touch the real ~/.gantry.
    env: { GANTRY_HOME: join(tmpdir(), `gantry-test-home-${process.pid}`) },
  },
});
