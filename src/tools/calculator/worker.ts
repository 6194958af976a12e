/**
 * The calculator's worker process: evaluates one expression at a time with the hardened mathjs
 * instance. The host kills and replaces it when an evaluation runs too long, and the operating
 * system contains it when one needs too much memory. Started by `fork(worker, [precision])`.
 */
import { evaluateHardened } from './evaluator.ts';
import type { EvaluationRequest, WorkerMessage } from './protocol.ts';

if (!process.send) {
  throw new Error('calculator/worker runs as a child process: start it with fork(), do not import it.');
}

// Builds the instance and its lazily created functions now, so the first call's time limit
// measures evaluation rather than set-up.
evaluateHardened({ expression: '5 km to mile; det([1, 2; 3, 4]) / 3', precision: Number(process.argv[2]) });

process.on('message', (request: EvaluationRequest) => {
  const evaluation = evaluateHardened({ expression: request.expression, precision: request.precision });
  send({ type: 'result', id: request.id, evaluation });
});

// The host exited or closed the channel: no one is left to answer.
process.on('disconnect', () => process.exit(0));

send({ type: 'ready' });

function send(message: WorkerMessage): void {
  // Sending fails only once the host is gone, and 'disconnect' then ends this process.
  process.send?.(message, undefined, undefined, () => undefined);
}
