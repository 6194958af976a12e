/**
 * Program-aided reasoning (PAL, Gao et al.): instead of reasoning through the arithmetic in
 * text, the model writes a short program that computes the answer, the sandbox runs it, and the
 * model reports the result. The program is the explanation; the sandbox does the math.
 *
 *   gantry run pal --model openai:gpt-4.1-mini \
 *     --input "Olivia has $23. She bought five bagels for $3 each. How much money does she have left?"
 *
 * In your own project, import from "gantry" instead of "../src/index.ts".
 */
import { createCodeInterpreter, defineAgent } from '../src/index.ts';

export default defineAgent({
  name: 'pal',
  description: 'Solves word problems by writing and running a JavaScript program (program-aided reasoning).',
  instructions: [
    'You solve word problems by writing code.',
    '1. Translate the problem into a short JavaScript program: one named variable per quantity in the',
    '   problem, then the computation, ending with an expression that is the answer.',
    '2. Run it with the code_interpreter tool. Do not compute anything in your head.',
    '3. If the code fails, read the error, fix the program and run it again.',
    '4. Reply with one sentence of explanation and the final answer on its own last line as "Answer: <value>".',
  ].join('\n'),
  tools: [createCodeInterpreter({ timeoutMs: 5_000 })],
  limits: { maxSteps: 8 },
  exampleInputs: [
    'Olivia has $23. She bought five bagels for $3 each. How much money does she have left?',
    'A robe takes 2 bolts of blue fiber and half that much white fiber. How many bolts in total does it take?',
  ],
});
