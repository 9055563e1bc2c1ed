import type { CopyEvent, CopyRetry } from '../copy.js';
import { retryLine } from './report.js';

/**
 * A one-line transfer display on stderr (bytes so far and rate), redrawn at most ten times a
 * second and erased when done. Only on a TTY, and never when CI is set: logs stay clean.
 */
export class Progress {
  private bytes = 0;
  private readonly started = Date.now();
  private last = 0;
  private shown = false;

  constructor(
    private readonly out: { write(s: string): unknown },
    readonly enabled: boolean,
    private readonly label = '',
  ) {}

  static for(stream: { write(s: string): unknown; isTTY?: boolean }, label = '', env = process.env): Progress {
    const ci = env.CI !== undefined && env.CI !== '' && env.CI !== 'false' && env.CI !== '0';
    return new Progress(stream, !!stream.isTTY && !ci, label);
  }

  add(n: number): void {
    if (!this.enabled) return;
    this.bytes += n;
    const now = Date.now();
    if (now - this.last < 100) return;
    this.last = now;
    const secs = Math.max((now - this.started) / 1000, 0.001);
    this.out.write(`\r\x1b[2K${this.label}${formatBytes(this.bytes)}  ${formatBytes(this.bytes / secs)}/s`);
    this.shown = true;
  }

  done(): void {
    if (this.shown) this.out.write('\r\x1b[2K');
    this.shown = false;
  }
}

export function formatBytes(n: number): string {
  if (n < 1024) return `${Math.round(n)} B`;
  if (n < 1024 ** 2) return `${(n / 1024).toFixed(1)} KiB`;
  if (n < 1024 ** 3) return `${(n / 1024 ** 2).toFixed(1)} MiB`;
  return `${(n / 1024 ** 3).toFixed(2)} GiB`;
}

/**
 * What a verb that copies hands to copy(): bytes to the progress line (on a TTY only) and a line
 * per retry (always, after erasing the progress line). Call `done()` when the copy is over.
 */
export function transferReport(stderr: { write(s: string): unknown; isTTY?: boolean }, label: string, env = process.env): {
  onProgress?: (e: CopyEvent) => void;
  onRetry: (r: CopyRetry) => void;
  done(): void;
} {
  const progress = Progress.for(stderr, label, env);
  const printRetry = retryLine(stderr);
  return {
    ...(progress.enabled ? { onProgress: (e: CopyEvent) => void (e.type === 'bytes' && progress.add(e.bytes)) } : {}),
    onRetry: (r) => {
      progress.done();
      printRetry(r);
    },
    done: () => progress.done(),
  };
}
