/**
 * The household simulator's speed (src/env/household/):
 *
 *   node bench/env.ts [--episodes 2000] [--resets 5000] [--expert-seeds 200] [--json]
 *
 * 1. Steps per second of `HouseholdEnvironment.step` (the promise-returning method, as agents call
 *    it), with the admissible actions computed on every step as they always are: the seeded random
 *    policy plays `--episodes` episodes over all six families and many seeds, to the 50-step cap.
 * 2. Resets per second (layout generation, opening text and admissible actions).
 * 3. The expert's average episode length per family over `--expert-seeds` seeds, and its success
 *    rate (which must be 100%).
 * Target: at least 10,000 steps per second.
 */
import { parseArgs } from 'node:util';
import type { ResetResult, StepResult } from '../src/env/environment.ts';
import { createExpertPolicy } from '../src/env/household/expert.ts';
import { HouseholdEnvironment } from '../src/env/household/household-environment.ts';
import { createRandomPolicy } from '../src/env/household/random-policy.ts';
import { playEpisode } from '../src/env/policy.ts';

const { values } = parseArgs({
  options: {
    episodes: { type: 'string', default: '2000' },
    resets: { type: 'string', default: '5000' },
    'expert-seeds': { type: 'string', default: '200' },
    json: { type: 'boolean', default: false },
  },
});
const episodes = Number(values.episodes);
const resets = Number(values.resets);
const expertSeeds = Number(values['expert-seeds']);
const types = HouseholdEnvironment.taskTypes();
const env = new HouseholdEnvironment();

async function measureSteps(): Promise<{ steps: number; seconds: number; wins: number }> {
  let steps = 0;
  let wins = 0;
  let seconds = 0;
  for (let episode = 0; episode < episodes; episode++) {
    const type = types[episode % types.length] as string;
    let last: ResetResult | StepResult = await env.reset({ taskId: `${type}/${1000 + episode}` });
    const policy = createRandomPolicy({ seed: episode });
    // Only the environment's step is timed; the policy's choice is not.
    for (;;) {
      const action = policy.next(last) as string;
      const started = performance.now();
      const result = await env.step(action);
      seconds += (performance.now() - started) / 1000;
      steps++;
      last = result;
      if (result.terminated || result.truncated) {
        if (result.info.won === true) wins++;
        break;
      }
    }
  }
  return { steps, seconds, wins };
}

async function measureResets(): Promise<number> {
  const started = performance.now();
  for (let i = 0; i < resets; i++) await env.reset({ taskId: `${types[i % types.length]}/${i}` });
  return resets / ((performance.now() - started) / 1000);
}

async function measureExpert() {
  const rows: Record<string, { meanSteps: number; successRate: number }> = {};
  for (const type of types) {
    let steps = 0;
    let successes = 0;
    for (let seed = 0; seed < expertSeeds; seed++) {
      const trajectory = await playEpisode({ environment: env, policy: createExpertPolicy(env), reset: { taskId: `${type}/${seed}` } });
      steps += trajectory.steps.length;
      if (trajectory.success) successes++;
    }
    rows[type] = { meanSteps: steps / expertSeeds, successRate: successes / expertSeeds };
  }
  return rows;
}

await measureSteps(); // Warm-up, so the JIT has compiled the hot paths.
const stepRun = await measureSteps();
const figures = {
  node: process.version,
  stepsPerSecond: Math.round(stepRun.steps / stepRun.seconds),
  steps: stepRun.steps,
  randomPolicySuccessRate: stepRun.wins / episodes,
  resetsPerSecond: Math.round(await measureResets()),
  expert: await measureExpert(),
};

if (values.json) {
  console.log(JSON.stringify(figures, null, 2));
} else {
  console.log(`Household simulator, Node ${figures.node}.`);
  console.log(`step (admissible actions every step): ${figures.stepsPerSecond.toLocaleString('en')} steps/s over ${figures.steps.toLocaleString('en')} steps (target 10,000)`);
  console.log(`random policy success rate:           ${(figures.randomPolicySuccessRate * 100).toFixed(1)}% of ${episodes} episodes`);
  console.log(`reset:                                ${figures.resetsPerSecond.toLocaleString('en')} resets/s`);
  console.log(`expert over ${expertSeeds} seeds per family:`);
  for (const [type, row] of Object.entries(figures.expert)) {
    console.log(`  ${type.padEnd(9)} mean ${row.meanSteps.toFixed(2)} steps, success ${(row.successRate * 100).toFixed(1)}%`);
  }
}
