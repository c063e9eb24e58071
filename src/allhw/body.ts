/**
 * A response body kept as the chunks it arrived in. A task record may be
 * tens of MB (a huge UART output in base64): copying the chunks into one
 * buffer would hold the body twice until the next full GC frees the chunks.
 * Readers address it as one byte range instead.
 */

export class ChunkedBody {
  readonly chunks: readonly Buffer[];
  readonly length: number;
  /** Offset of each chunk's first byte in the body. */
  private readonly starts: number[];

  constructor(chunks: readonly Buffer[]) {
    this.chunks = chunks.filter((c) => c.length > 0);
    this.starts = [];
    let length = 0;
    for (const chunk of this.chunks) {
      this.starts.push(length);
      length += chunk.length;
    }
    this.length = length;
  }

  static of(bytes: Buffer | string): ChunkedBody {
    return new ChunkedBody([typeof bytes === 'string' ? Buffer.from(bytes) : bytes]);
  }

  /** Index of the chunk holding `offset` (0 ≤ offset < length). */
  private locate(offset: number): number {
    let lo = 0;
    let hi = this.chunks.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (this.starts[mid]! <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }

  /** Offset of the first `byte` at or after `from`, or -1. */
  indexOf(byte: number, from = 0): number {
    if (from >= this.length) return -1;
    for (let i = this.locate(Math.max(0, from)); i < this.chunks.length; i++) {
      const start = this.starts[i]!;
      const at = this.chunks[i]!.indexOf(byte, Math.max(0, from - start));
      if (at >= 0) return start + at;
    }
    return -1;
  }

  /** The bytes [start, end) as views of the chunks (no copy). */
  views(start: number, end: number): Buffer[] {
    const out: Buffer[] = [];
    if (start >= end) return out;
    for (let i = this.locate(start); i < this.chunks.length && this.starts[i]! < end; i++) {
      const base = this.starts[i]!;
      out.push(this.chunks[i]!.subarray(Math.max(0, start - base), Math.min(this.chunks[i]!.length, end - base)));
    }
    return out;
  }

  /** The bytes [start, end) in one Buffer (a view when they lie in one chunk). */
  bytes(start = 0, end = this.length): Buffer {
    const views = this.views(Math.max(0, start), Math.min(end, this.length));
    return views.length === 1 ? views[0]! : Buffer.concat(views);
  }

  text(start = 0, end = this.length): string {
    return this.bytes(start, end).toString('utf8');
  }
}

/** Reads a body to its end, keeping its chunks. */
export async function readBody(stream: AsyncIterable<Buffer>): Promise<ChunkedBody> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return new ChunkedBody(chunks);
}
