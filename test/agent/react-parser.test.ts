import { describe, expect, it } from 'vitest';
import { parseReAct } from '../../src/agent/planners/react-parser.ts';

describe('parseReAct', () => {
  it('parses the canonical format', () => {
    const reply = 'Thought: I need to add.\nAction: calculator\nAction Input: {"expression": "2+2"}';
    expect(parseReAct(reply)).toEqual({ type: 'action', tool: 'calculator', input: '{"expression": "2+2"}', text: reply });
  });

  it('cuts an invented Observation and everything after it', () => {
    const reply = 'Thought: add\nAction: calculator\nAction Input: {"expression":"1+1"}\nObservation: 2\nThought: done\nFinal Answer: 2';
    expect(parseReAct(reply)).toEqual({
      type: 'action',
      tool: 'calculator',
      input: '{"expression":"1+1"}',
      text: 'Thought: add\nAction: calculator\nAction Input: {"expression":"1+1"}',
    });
  });

  it('accepts bold labels, code fences and multi-line JSON', () => {
    const reply = '**Thought:** compute\n**Action:** `calculator`\n**Action Input:**\n```json\n{\n  "expression": "3*3"\n}\n```';
    const parsed = parseReAct(reply);
    expect(parsed).toMatchObject({ type: 'action', tool: 'calculator' });
    expect(JSON.parse((parsed as { input: string }).input)).toEqual({ expression: '3*3' });
  });

  it('accepts the original ReAct tool[input] form', () => {
    expect(parseReAct('Thought: look it up\nAction: search[Colorado orogeny]')).toMatchObject({
      type: 'action',
      tool: 'search',
      input: 'Colorado orogeny',
    });
  });

  it('accepts an action without input as empty arguments', () => {
    expect(parseReAct('Action: list_files')).toMatchObject({ type: 'action', tool: 'list_files', input: '' });
  });

  it('parses a final answer, multi-line', () => {
    expect(parseReAct('Thought: I know it.\nFinal Answer: Paris.\nIt is the capital.')).toEqual({
      type: 'final',
      output: 'Paris.\nIt is the capital.',
    });
  });

  it('treats unlabeled text as the final answer', () => {
    expect(parseReAct('The answer is 4.')).toEqual({ type: 'final', output: 'The answer is 4.' });
  });

  it('prefers the action when it comes before a final answer', () => {
    expect(parseReAct('Action: calculator\nAction Input: {}\nFinal Answer: 3')).toMatchObject({ type: 'action' });
    expect(parseReAct('Final Answer: 3\nAction: calculator')).toEqual({ type: 'final', output: '3' });
  });

  it('reports an Action without a tool name', () => {
    const parsed = parseReAct('Thought: hmm\nAction:\nAction Input: {}');
    expect(parsed.type).toBe('invalid');
    expect((parsed as { error: string }).error).toContain('The Action line has no tool name.');
  });
});
