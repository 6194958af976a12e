/**
 * Re-creates examples/recordings/math-demo.jsonl, the offline demo in the README's quick start.
 * It is recorded against Gantry's scripted OpenAI-compatible stub (not a real model), through the
 * real CLI and model path, so replaying it exercises everything but the model itself. Run it
 * after changing the math example's instructions or the calculator's description:
 *
 *   node scripts/record-demo.ts
 */
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/main.ts';
import { startOpenAIStub } from '../src/testing/openai-stub-server.ts';

export const DEMO_INPUT = 'A shop sells pens at 3 for $2.40. How much do 17 pens cost?';
const file = fileURLToPath(new URL('../examples/recordings/math-demo.jsonl', import.meta.url));

const stub = await startOpenAIStub({
  replies: [
    {
      content: 'One pen costs $2.40 / 3; 17 pens cost 17 times that.',
      toolCalls: [{ id: 'call_1', name: 'calculator', arguments: '{"expression":"17 * 2.40 / 3"}' }],
    },
    { content: 'One pen costs $0.80, so 17 pens cost 17 × $0.80 = $13.60.\nAnswer: $13.60' },
  ],
});
try {
  const code = await runCli(
    ['run', 'math', '--model', 'openai:stub-model', '--base-url', stub.baseURL, '--input', DEMO_INPUT, '--record', file],
    { stdin: process.stdin, stdout: process.stdout, stderr: process.stderr, env: process.env, setExitCode: () => {} },
  );
  process.exitCode = code;
} finally {
  await stub.close();
}
