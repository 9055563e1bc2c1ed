import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * When whoever reads our stdout goes away (`ocipkg inspect … | head`), stop quietly, as a
 * command killed by SIGPIPE does, instead of dying with a stack trace.
 */
export function stopOnClosedStdout(): void {
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code !== 'EPIPE') throw err;
    process.exit(process.exitCode ?? 0);
  });
}

/** Is the module at `url` the script node was started with (through npm's .bin symlinks too)? */
export function isEntryPoint(url: string): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}
