/**
 * Word problems solved by computing, not guessing (Toolformer, PAL): the model turns the problem
 * into expressions, the calculator evaluates them exactly, and the answer cites the results.
 *
 *   gantry run math --model openai:gpt-4.1-mini \
 *     --input "A shop sells pens at 3 for $2.40. How much do 17 pens cost?"
 *
 * In your own project, import from "gantry" instead of "../src/index.ts".
 */
import { calculator, defineAgent } from '../src/index.ts';

export default defineAgent({
  name: 'math',
  description: 'Solves math word problems step by step, doing every computation with the calculator.',
  instructions: [
    'You solve math word problems.',
    '1. Identify the quantities and what is asked.',
    '2. Write each computation as a calculator expression and call the calculator; never do arithmetic in your head.',
    '   You may send several independent calculations at once.',
    '3. Check the result for plausibility (units, order of magnitude).',
    '4. Reply with a short explanation and the final answer on its own last line as "Answer: <value with unit>".',
  ].join('\n'),
  tools: [calculator],
  limits: { maxSteps: 12 },
  exampleInputs: [
    'A shop sells pens at 3 for $2.40. How much do 17 pens cost?',
    'A train covers 342 km in 3.6 hours. What is its average speed in miles per hour?',
  ],
});
