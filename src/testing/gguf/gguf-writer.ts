// A minimal GGUF v3 writer (ggml's docs/gguf.md): enough value and tensor types to build tiny test models.

/** A typed GGUF metadata value. GGUF stores the type with every value, so the writer needs it spelled out. */
export type GgufValue =
  | { type: 'uint32'; value: number }
  | { type: 'int32'; value: number }
  | { type: 'float32'; value: number }
  | { type: 'bool'; value: boolean }
  | { type: 'string'; value: string }
  | { type: 'string[]'; value: readonly string[] }
  | { type: 'int32[]'; value: readonly number[] }
  | { type: 'float32[]'; value: readonly number[] };

/** A tensor in F32: `dims` innermost first (ggml's `ne`), `data` row-major with `dims[0]` varying fastest. */
export interface GgufTensor {
  name: string;
  dims: readonly number[];
  data: Float32Array;
}

const GGUF_MAGIC = 0x46554747; // "GGUF" read as a little-endian uint32.
const GGUF_VERSION = 3;
const ALIGNMENT = 32;
const GGML_TYPE_F32 = 0;

// GGUF value type codes (gguf.md, `gguf_metadata_value_type`).
const TYPE_CODE = { uint32: 4, int32: 5, float32: 6, bool: 7, string: 8, array: 9 } as const;

/** Serialises metadata and F32 tensors into the bytes of a GGUF v3 file (little-endian, alignment 32). */
export function serializeGguf({ metadata, tensors }: { metadata: ReadonlyArray<readonly [string, GgufValue]>; tensors: readonly GgufTensor[] }): Uint8Array {
  const out = new ByteSink();
  out.uint32(GGUF_MAGIC);
  out.uint32(GGUF_VERSION);
  out.uint64(tensors.length);
  out.uint64(metadata.length);
  for (const [key, value] of metadata) {
    out.string(key);
    writeValue(out, value);
  }
  let offset = 0;
  for (const tensor of tensors) {
    const elements = tensor.dims.reduce((product, dim) => product * dim, 1);
    if (elements !== tensor.data.length) throw new RangeError(`Tensor ${tensor.name} has dims [${tensor.dims.join(', ')}] (${elements} elements) but ${tensor.data.length} values.`);
    out.string(tensor.name);
    out.uint32(tensor.dims.length);
    for (const dim of tensor.dims) out.uint64(dim);
    out.uint32(GGML_TYPE_F32);
    out.uint64(offset);
    offset += align(tensor.data.byteLength);
  }
  out.pad(ALIGNMENT);
  for (const tensor of tensors) {
    out.bytes(new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength));
    out.pad(ALIGNMENT);
  }
  return out.finish();
}

function writeValue(out: ByteSink, value: GgufValue): void {
  switch (value.type) {
    case 'uint32': out.uint32(TYPE_CODE.uint32); out.uint32(value.value); return;
    case 'int32': out.uint32(TYPE_CODE.int32); out.int32(value.value); return;
    case 'float32': out.uint32(TYPE_CODE.float32); out.float32(value.value); return;
    case 'bool': out.uint32(TYPE_CODE.bool); out.uint8(value.value ? 1 : 0); return;
    case 'string': out.uint32(TYPE_CODE.string); out.string(value.value); return;
    case 'string[]':
      out.uint32(TYPE_CODE.array); out.uint32(TYPE_CODE.string); out.uint64(value.value.length);
      for (const item of value.value) out.string(item);
      return;
    case 'int32[]':
      out.uint32(TYPE_CODE.array); out.uint32(TYPE_CODE.int32); out.uint64(value.value.length);
      for (const item of value.value) out.int32(item);
      return;
    case 'float32[]':
      out.uint32(TYPE_CODE.array); out.uint32(TYPE_CODE.float32); out.uint64(value.value.length);
      for (const item of value.value) out.float32(item);
      return;
  }
}

function align(size: number): number {
  return Math.ceil(size / ALIGNMENT) * ALIGNMENT;
}

/** A growable little-endian byte buffer. */
class ByteSink {
  private buffer = new Uint8Array(1 << 16);
  private view = new DataView(this.buffer.buffer);
  private length = 0;

  uint8(value: number): void { this.reserve(1).setUint8(this.length - 1, value); }
  uint32(value: number): void { this.reserve(4).setUint32(this.length - 4, value, true); }
  int32(value: number): void { this.reserve(4).setInt32(this.length - 4, value, true); }
  float32(value: number): void { this.reserve(4).setFloat32(this.length - 4, value, true); }
  uint64(value: number): void { this.reserve(8).setBigUint64(this.length - 8, BigInt(value), true); }

  /** A GGUF string: uint64 byte length, then UTF-8 bytes without a terminator. */
  string(value: string): void {
    const encoded = new TextEncoder().encode(value);
    this.uint64(encoded.length);
    this.bytes(encoded);
  }

  bytes(value: Uint8Array): void {
    this.reserve(value.length);
    this.buffer.set(value, this.length - value.length);
  }

  pad(alignment: number): void {
    const padding = (alignment - (this.length % alignment)) % alignment;
    this.reserve(padding);
  }

  finish(): Uint8Array {
    return this.buffer.subarray(0, this.length);
  }

  /** Grows the buffer by `size` zeroed bytes and returns the view to write them through. */
  private reserve(size: number): DataView {
    if (this.length + size > this.buffer.length) {
      const grown = new Uint8Array(Math.max(this.buffer.length * 2, this.length + size));
      grown.set(this.buffer.subarray(0, this.length));
      this.buffer = grown;
      this.view = new DataView(grown.buffer);
    }
    this.length += size;
    return this.view;
  }
}
