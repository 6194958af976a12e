/**
 * How a tool's description is composed: the operation's summary and description (or its method
 * and path when it has neither), then the plugin's `description_for_model`, marked as the
 * plugin author's words. The whole is at most `MAX_TOOL_DESCRIPTION_CHARS`; the plugin's part is
 * at most `MAX_PLUGIN_DESCRIPTION_CHARS` of it, and an operation text that does not fit is cut.
 */

export const MAX_TOOL_DESCRIPTION_CHARS = 1_000;
export const MAX_PLUGIN_DESCRIPTION_CHARS = 300;

/** The plugin's `description_for_model`, collapsed and cut; `cut` tells whether anything was lost. */
export function pluginContext(options: { pluginName: string; descriptionForModel: string | undefined }): { text: string; cut: boolean } {
  const description = collapse(options.descriptionForModel ?? '');
  if (description === '') return { text: '', cut: false };
  const cutText = cutTo(description, MAX_PLUGIN_DESCRIPTION_CHARS);
  return { text: `Plugin "${options.pluginName}", as its author describes it: ${cutText}`, cut: cutText !== description };
}

export function operationDescription(options: {
  method: string;
  path: string;
  summary: unknown;
  description: unknown;
  deprecated: boolean;
  context: string;
}): { text: string; cut: boolean } {
  const { method, path, context } = options;
  const summary = typeof options.summary === 'string' ? collapse(options.summary) : '';
  const description = typeof options.description === 'string' ? collapse(options.description) : '';
  const parts = [summary, description !== summary ? description : ''].filter((part) => part !== '');
  const own = parts.length > 0 ? parts.map(sentence).join(' ') : `Calls ${method.toUpperCase()} ${path}.`;
  const marked = options.deprecated ? `${own} (The API marks this operation as deprecated.)` : own;
  const room = MAX_TOOL_DESCRIPTION_CHARS - (context ? context.length + 2 : 0);
  const text = cutTo(marked, room);
  return { text: context ? `${text}\n\n${context}` : text, cut: text !== marked };
}

function collapse(text: string): string {
  return text.replace(/\s+/g, ' ').trim();
}

function sentence(text: string): string {
  return /[.!?:)]$/.test(text) ? text : `${text}.`;
}

function cutTo(text: string, length: number): string {
  return text.length <= length ? text : `${text.slice(0, Math.max(0, length - 1)).trimEnd()}…`;
}
