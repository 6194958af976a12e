/**
 * The general assistant: answers questions and delegates every calculation to the calculator.
 *
 *   gantry run assistant --model openai:gpt-4.1-mini --input "How many seconds are in a leap year?"
 *
 * In your own project, import from "gantry" instead of "../src/index.ts".
 */
import { calculator, defineAgent } from '../src/index.ts';

export default defineAgent({
  name: 'assistant',
  description: 'A general assistant that uses the calculator for arithmetic and unit conversions.',
  instructions: [
    'You are a helpful, precise assistant.',
    'Use the calculator tool for any arithmetic, percentages, unit conversions or math, rather than',
    'computing in your head; quote its result exactly. Answer concisely.',
  ].join(' '),
  tools: [calculator],
  exampleInputs: ['How many seconds are in a leap year?', 'Convert 26.2 miles to km.'],
});
