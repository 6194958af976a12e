// The vocabulary of the tiny test models: GPT-2 byte-level BPE (every byte is a token, so any text
// encodes), the ChatML control tokens, Qwen's tool tags, and each scripted piece as one token.

/** GGUF token types (llama.cpp's `llama_token_type`). */
export const TOKEN_TYPE = { normal: 1, control: 3, userDefined: 4 } as const;

/** The control tokens every tiny model has, in id order after the 256 byte tokens. */
export const CONTROL_TOKENS = ['<|endoftext|>', '<|im_start|>', '<|im_end|>'] as const;

/**
 * Qwen's tool tags. They are user-defined (not control) tokens as in Qwen's own files, so llama.cpp's
 * tokenizer matches them in plain text and prints them when detokenizing.
 */
export const TOOL_TAG_TOKENS = ['<tool_call>', '</tool_call>', '<tool_response>', '</tool_response>', '<think>', '</think>'] as const;

export interface TinyVocab {
  /** Token texts by id, as stored in the GGUF (byte tokens in GPT-2's byte-to-unicode spelling). */
  stored: string[];
  /** Token texts by id as they decode (byte tokens are their byte as a Latin-1 character). */
  decoded: string[];
  types: number[];
  /** The id of a token by its decoded text (for byte tokens: the one-character Latin-1 string). */
  idOf: Map<string, number>;
}

/**
 * Builds the vocabulary: 256 byte tokens, the control tokens, the tool tags, then one user-defined
 * token per extra piece. A piece that is already a token (a single ASCII character, a tag) reuses it.
 */
export function buildTinyVocab({ pieces }: { pieces: readonly string[] }): TinyVocab {
  const vocab: TinyVocab = { stored: [], decoded: [], types: [], idOf: new Map() };
  const add = (stored: string, decoded: string, type: number) => {
    vocab.idOf.set(decoded, vocab.stored.length);
    vocab.stored.push(stored);
    vocab.decoded.push(decoded);
    vocab.types.push(type);
  };
  const byteChars = gpt2ByteToUnicode();
  for (let byte = 0; byte < 256; byte++) add(byteChars[byte]!, String.fromCharCode(byte), TOKEN_TYPE.normal);
  for (const token of CONTROL_TOKENS) add(token, token, TOKEN_TYPE.control);
  for (const token of TOOL_TAG_TOKENS) add(token, token, TOKEN_TYPE.userDefined);
  for (const piece of pieces) {
    if (vocab.idOf.has(piece) && (piece.length > 1 || piece.charCodeAt(0) < 0x80)) continue;
    add(piece, piece, TOKEN_TYPE.userDefined);
  }
  return vocab;
}

/**
 * GPT-2's reversible byte-to-unicode table: printable bytes stand for themselves, the others map to
 * code points from 256 up, so every byte-level token is printable text (a space is "Ġ", "\n" is "Ċ").
 */
function gpt2ByteToUnicode(): string[] {
  const table: string[] = new Array(256);
  let next = 256;
  for (let byte = 0; byte < 256; byte++) {
    const printable = (byte >= 0x21 && byte <= 0x7e) || (byte >= 0xa1 && byte <= 0xac) || (byte >= 0xae && byte <= 0xff);
    table[byte] = String.fromCodePoint(printable ? byte : next++);
  }
  return table;
}
