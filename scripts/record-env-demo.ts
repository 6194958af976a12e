/**
 * Re-creates examples/recordings/household-demo.jsonl, the offline environment demo in the README:
 * one household episode (`cool/3`) played in ReAct mode with one expert demonstration. The "model"
 * is Gantry's scripted OpenAI-compatible stub replaying a thought and then the expert's actions,
 * recorded through the real CLI and model path; it is not a real model's behaviour. Run it after
 * changing the environment agent's prompts, the household simulator's text, or the demonstrations:
 *
 *   node scripts/record-env-demo.ts
 */
import { fileURLToPath } from 'node:url';
import { runCli } from '../src/cli/main.ts';
import { createExpertPolicy } from '../src/env/household/expert.ts';
import { HouseholdEnvironment } from '../src/env/household/household-environment.ts';
import { playEpisode } from '../src/env/policy.ts';
import { startOpenAIStub } from '../src/testing/openai-stub-server.ts';

export const ENV_DEMO_ARGS = ['env', 'run', 'household', '--policy', 'agent', '--mode', 'react', '--task', 'cool', '--seed', '3', '--episodes', '1', '--demos', '1'];
const file = fileURLToPath(new URL('../examples/recordings/household-demo.jsonl', import.meta.url));

const environment = new HouseholdEnvironment();
const expert = await playEpisode({ environment, policy: createExpertPolicy(environment), reset: { taskId: 'cool/3' } });
const taken = expert.steps.find((step) => step.action.startsWith('take '))?.action.split(' ')[1] ?? 'it';
const lines = [
  `think: To solve the task, I need to find and take a ${taken}, cool it with the fridge, and then put it where the task says.`,
  ...expert.steps.map((step) => `> ${step.action}`),
];
const stub = await startOpenAIStub({ replies: lines.map((content) => ({ content })) });
try {
  process.exitCode = await runCli([...ENV_DEMO_ARGS, '--model', 'openai:stub-model', '--base-url', stub.baseURL, '--record', file], {
    stdin: process.stdin,
    stdout: process.stdout,
    stderr: process.stderr,
    env: { ...process.env, OPENAI_API_KEY: process.env.OPENAI_API_KEY ?? 'stub' },
    setExitCode: () => {},
  });
} finally {
  await stub.close();
}
