import { describe, expect, it } from 'vitest';
import { formatSize, renderCallResult } from '../../../src/plugins/mcp/render-result.ts';

describe('renderCallResult', () => {
  it('joins text parts and describes what the model cannot see', () => {
    expect(renderCallResult({
      content: [
        { type: 'text', text: 'first' },
        { type: 'image', data: Buffer.alloc(12_595).toString('base64'), mimeType: 'image/png' },
        { type: 'resource', resource: { uri: 'mem://x', text: 'inline text' } },
        { type: 'resource', resource: { uri: 'mem://y', blob: Buffer.alloc(10).toString('base64') } },
        { type: 'resource_link', uri: 'mem://z', name: 'zed' },
        { type: 'hologram' },
      ],
    })).toBe('first\n[image: image/png, 12.3 KB]\ninline text\n[resource: mem://y, unknown type, 10 B]\n[resource link: mem://z (zed)]\n[unsupported content: "hologram"]');
  });

  it('shows structured content as JSON only when there is no text', () => {
    expect(renderCallResult({ content: [], structuredContent: { a: 1 } })).toBe('{"a":1}');
    expect(renderCallResult({ content: [{ type: 'text', text: 'a is 1' }], structuredContent: { a: 1 } })).toBe('a is 1');
    expect(renderCallResult({})).toBe('(the tool returned no content)');
  });

  it('formats sizes in B, KB and MB', () => {
    expect([formatSize(1023), formatSize(1024), formatSize(5 * 1024 * 1024)]).toEqual(['1023 B', '1.0 KB', '5.0 MB']);
  });
});
