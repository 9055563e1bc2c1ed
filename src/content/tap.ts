import { Transform, type Readable } from 'node:stream';
import { inheritVerified } from '../spec/digest.js';

/** Pass a stream through, reporting chunk sizes (for progress); the source's errors travel on. */
export function tap(source: Readable, onBytes: (n: number) => void): Readable {
  const t = new Transform({
    transform(chunk: Buffer, _enc, cb) {
      onBytes(chunk.length);
      cb(null, chunk);
    },
  });
  source.on('error', (err) => t.destroy(err));
  return inheritVerified(source, source.pipe(t));
}
