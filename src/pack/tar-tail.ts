import { Transform, type TransformCallback } from 'node:stream';

const BLOCK = 512;

/** The size field of a tar header: octal ASCII, or base-256 when the high bit is set. */
function headerSize(h: Buffer): number {
  const f = h.subarray(124, 136);
  if (f[0]! & 0x80) {
    let n = 0;
    for (let i = 1; i < f.length; i++) n = n * 256 + f[i]!;
    return n;
  }
  const s = f.toString('ascii').replace(/[\0 ]+$/, '').trim();
  return s ? parseInt(s, 8) : 0;
}

/**
 * Go's archive/tar (docker, containerd, umoci) accepts an archive that ends right after its last
 * entry's data, without the padding and the two zero blocks of the end marker, and some tools
 * write such layers. This pass-through follows the header chain and, when the stream ends with
 * the last entry's data complete, adds the missing padding and end marker so a strict reader
 * accepts it too. A stream that ends inside an entry's data is left as it is (and fails).
 */
export class TarTail extends Transform {
  private pos = 0;
  /** Offset of the next header; undefined once the end marker was seen. */
  private next: number | undefined = 0;
  /** Where the current entry's data ends (without padding). */
  private dataEnd = 0;
  private header = Buffer.alloc(0);

  override _transform(chunk: Buffer, _e: BufferEncoding, cb: TransformCallback): void {
    let off = 0;
    while (this.next !== undefined && off < chunk.length) {
      const abs = this.pos + off;
      if (abs < this.next) {
        off += Math.min(this.next - abs, chunk.length - off);
        continue;
      }
      const need = BLOCK - this.header.length;
      const piece = chunk.subarray(off, off + need);
      this.header = Buffer.concat([this.header, piece]);
      off += piece.length;
      if (this.header.length < BLOCK) break;
      if (this.header.every((b) => b === 0)) this.next = undefined;
      else {
        const size = headerSize(this.header);
        this.dataEnd = this.next + BLOCK + size;
        this.next = this.next + BLOCK + Math.ceil(size / BLOCK) * BLOCK;
      }
      this.header = Buffer.alloc(0);
    }
    this.pos += chunk.length;
    cb(null, chunk);
  }

  override _flush(cb: TransformCallback): void {
    if (this.next !== undefined && this.header.length === 0 && this.pos >= this.dataEnd && this.pos <= this.next) {
      this.push(Buffer.alloc(this.next - this.pos + 2 * BLOCK));
    }
    cb();
  }
}
