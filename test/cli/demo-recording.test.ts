import { describe, expect, it } from 'vitest';
import { gantry } from './cli-harness.ts';

describe('the README quick-start demo', () => {
  it('replays examples/recordings/math-demo.jsonl (regenerate with node scripts/record-demo.ts if this fails)', async () => {
    const run = await gantry([
      'run', 'math', '--model', 'replay:examples/recordings/math-demo.jsonl',
      '--input', 'A shop sells pens at 3 for $2.40. How much do 17 pens cost?', '--json',
    ]);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const result = JSON.parse(run.stdout);
    expect(result.output).toBe('One pen costs $0.80, so 17 pens cost 17 × $0.80 = $13.60.\nAnswer: $13.60');
    expect(result.steps[0].toolCalls).toEqual([{ name: 'calculator', args: { expression: '17 * 2.40 / 3' }, output: '13.6' }]);
  });
});
