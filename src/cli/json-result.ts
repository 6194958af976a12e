import type { RunResult } from '../agent/records.ts';

/** The one JSON object `gantry run --json` prints: a stable, documented subset of `RunResult`. */
export function toJsonResult(result: RunResult) {
  return {
    runId: result.runId,
    output: result.output,
    stopReason: result.stopReason,
    ...(result.error ? { error: result.error.message } : {}),
    steps: result.steps.map((step) => ({
      toolCalls: step.toolCalls.map((call) => ({
        name: call.name,
        args: call.args,
        ...(call.error === undefined ? { output: call.output } : { error: call.error }),
      })),
    })),
    ...(result.sources ? { sources: result.sources } : {}),
    usage: {
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      ...(result.usage.costUsd === undefined ? {} : { costUsd: result.usage.costUsd }),
      ...(result.usage.estimated ? { estimated: true } : {}),
    },
  };
}
