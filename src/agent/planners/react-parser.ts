/**
 * A tolerant parser for ReAct replies (Thought / Action / Action Input / Final Answer). Models
 * without native tool calling drift from the format in predictable ways: bold or numbered
 * labels, `tool[input]` calls, code fences, an invented Observation. This accepts all of them.
 */
export type ReActParse =
  | { type: 'action'; tool: string; input: string; /** The reply up to the end of the action. */ text: string }
  | { type: 'final'; output: string }
  | { type: 'invalid'; error: string };

type Label = 'thought' | 'action' | 'action input' | 'final answer' | 'observation';

interface Section {
  label: Label;
  body: string;
  /** Offset in the reply where the section's text ends. */
  end: number;
}

const LABEL_LINE = /^[ \t>*_#-]*(thought|action[ _]input|action|final[ _]answer|observation)[ \t]*\d*[ \t]*[*_]*[ \t]*:[*_]*[ \t]?(.*)$/i;

export const REACT_FORMAT_REMINDER =
  'Reply either with\nThought: ...\nAction: <tool name>\nAction Input: <JSON object>\n' +
  'or, when you know the answer, with\nThought: ...\nFinal Answer: <the answer>';

export function parseReAct(reply: string): ReActParse {
  const sections = splitSections(reply);
  const actionIndex = sections.findIndex((section) => section.label === 'action');
  const finalIndex = sections.findIndex((section) => section.label === 'final answer');

  if (actionIndex !== -1 && (finalIndex === -1 || actionIndex < finalIndex)) {
    const action = sections[actionIndex]!;
    const inputSection = sections.slice(actionIndex + 1).find((section) => section.label !== 'thought');
    const inline = /^`*([\w.-]+)`*\s*[[(]([\s\S]*)[\])]\s*$/.exec(action.body.trim());
    const tool = (inline ? inline[1]! : action.body.trim().split('\n')[0]!).replace(/^[`"'*]+|[`"'*]+$/g, '').trim();
    if (!tool) return { type: 'invalid', error: `The Action line has no tool name. ${REACT_FORMAT_REMINDER}` };
    const input = inline ? inline[2]! : inputSection?.label === 'action input' ? inputSection.body : '';
    const end = inline || inputSection?.label !== 'action input' ? action.end : inputSection.end;
    return { type: 'action', tool, input: stripFences(input), text: reply.slice(0, end).trimEnd() };
  }
  if (finalIndex !== -1) return { type: 'final', output: sections[finalIndex]!.body.trim() };
  // No labels at all: the model simply answered.
  const plain = reply.replace(/^\s*thought\s*:\s*/i, '').trim();
  return { type: 'final', output: plain };
}

function splitSections(reply: string): Section[] {
  const sections: Section[] = [];
  let offset = 0;
  for (const line of reply.split('\n')) {
    const lineEnd = offset + line.length;
    const match = LABEL_LINE.exec(line);
    if (match) {
      const label = match[1]!.toLowerCase().replace('_', ' ') as Label;
      // Whatever the model wrote after inventing an observation is not its own action.
      if (label === 'observation') break;
      sections.push({ label, body: match[2] ?? '', end: lineEnd });
    } else if (sections.length > 0) {
      const current = sections[sections.length - 1]!;
      current.body += `\n${line}`;
      if (line.trim()) current.end = lineEnd;
    }
    offset = lineEnd + 1;
  }
  return sections;
}

function stripFences(text: string): string {
  const trimmed = text.trim();
  const fenced = /^```[\w-]*\s*\n?([\s\S]*?)\n?```$/.exec(trimmed);
  return (fenced ? fenced[1]! : trimmed.replace(/^`|`$/g, '')).trim();
}
