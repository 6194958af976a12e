/**
 * Turns an MCP `tools/call` result into the text the model reads. Tools give the model text, so
 * images, audio and binary resources cannot reach it through this path: each becomes a one-line
 * placeholder saying what it was (kind, MIME type, size), so the model at least knows it exists.
 */

/** A `tools/call` result, read leniently: unknown content types are described, not rejected. */
export interface McpCallResult {
  content?: unknown[];
  structuredContent?: unknown;
  isError?: boolean;
}

export function renderCallResult(result: McpCallResult): string {
  const parts = Array.isArray(result.content) ? result.content : [];
  const lines = parts.map((part) => renderContentPart(part));
  const hasText = parts.some((part) => isRecord(part) && (part.type === 'text' || isTextResource(part)));
  if (!hasText && result.structuredContent !== undefined) lines.push(JSON.stringify(result.structuredContent));
  if (lines.length === 0) return '(the tool returned no content)';
  return lines.join('\n');
}

function renderContentPart(part: unknown): string {
  if (!isRecord(part)) return '[unreadable content]';
  switch (part.type) {
    case 'text':
      return typeof part.text === 'string' ? part.text : '';
    case 'image':
    case 'audio':
      return `[${part.type}: ${mimeTypeOf(part)}, ${formatSize(base64Bytes(part.data))}]`;
    case 'resource': {
      const resource = isRecord(part.resource) ? part.resource : {};
      if (typeof resource.text === 'string') return resource.text;
      return `[resource: ${String(resource.uri ?? 'no uri')}, ${mimeTypeOf(resource)}, ${formatSize(base64Bytes(resource.blob))}]`;
    }
    case 'resource_link':
      return `[resource link: ${String(part.uri ?? 'no uri')}${typeof part.name === 'string' ? ` (${part.name})` : ''}]`;
    default:
      return `[unsupported content: ${JSON.stringify(part.type) ?? 'no type'}]`;
  }
}

function isTextResource(part: Record<string, unknown>): boolean {
  return part.type === 'resource' && isRecord(part.resource) && typeof part.resource.text === 'string';
}

function mimeTypeOf(value: Record<string, unknown>): string {
  return typeof value.mimeType === 'string' ? value.mimeType : 'unknown type';
}

function base64Bytes(data: unknown): number {
  return typeof data === 'string' ? Buffer.byteLength(data, 'base64') : 0;
}

/** `512 B`, `12.3 KB`, `4.0 MB` (1 KB = 1,024 bytes). */
export function formatSize(bytes: number): string {
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KB`;
  return `${(bytes / (1024 * 1024)).toFixed(1)} MB`;
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
