import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/** Is the module at `url` the script node was started with (through npm's .bin symlinks too)? */
export function isEntryPoint(url: string): boolean {
  try {
    return !!process.argv[1] && realpathSync(process.argv[1]) === realpathSync(fileURLToPath(url));
  } catch {
    return false;
  }
}
