import { describe, expect, it } from 'vitest';
import { gantry } from './cli-harness.ts';

describe('the README environment demo', () => {
  it('replays examples/recordings/household-demo.jsonl (regenerate with node scripts/record-env-demo.ts if this fails)', async () => {
    const run = await gantry([
      'env', 'run', 'household', '--policy', 'agent', '--mode', 'react', '--task', 'cool', '--seed', '3', '--episodes', '1', '--demos', '1',
      '--model', 'replay:examples/recordings/household-demo.jsonl', '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const report = JSON.parse(run.stdout);
    expect(report).toMatchObject({ episodes: 1, successRate: 1, invalidActionRate: 0 });
    expect(report.results[0]).toMatchObject({
      taskId: 'cool/3',
      goal: 'cool some mug and put it in fridge.',
      success: true,
      actions: ['go to coffeemachine 1', 'take mug 1 from coffeemachine 1', 'go to fridge 1', 'cool mug 1 with fridge 1', 'open fridge 1', 'put mug 1 in/on fridge 1'],
    });
  });
});
