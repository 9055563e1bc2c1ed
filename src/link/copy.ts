import { chmod, copyFile, lstat, mkdir, readlink, rm, symlink } from 'node:fs/promises';
import { basename, isAbsolute, join } from 'node:path';
import { ioError } from '../errors.js';
import type { LinkInfo } from './scan.js';

/**
 * Copy the shared libraries (`.so*`, `.dylib`, `.dll`) into `dest`, keeping versioned names and
 * symlinks (libfoo.so → libfoo.so.1 → libfoo.so.1.2.3), so `$ORIGIN`/`@loader_path` or the
 * DLL search finds them next to the addon. Copies are writable files (the cache is read-only).
 */
export async function copyRuntime(info: LinkInfo, dest: string): Promise<string[]> {
  await mkdir(dest, { recursive: true }).catch((err) => {
    throw ioError(err, dest);
  });
  const wanted = new Set(info.libraries.map((l) => l.name));
  const copied: string[] = [];
  for (const src of info.runtimeFiles) {
    const name = basename(src);
    const lib = /^(?:lib)?(.+?)(?:\.so(?:\.\d+)*|(?:\.\d+)*\.dylib|\.dll)$/i.exec(name)?.[1];
    if (lib && wanted.size && !wanted.has(lib) && ![...wanted].some((w) => w.toLowerCase() === lib.toLowerCase())) continue;
    const target = join(dest, name);
    await rm(target, { force: true });
    const st = await lstat(src);
    if (st.isSymbolicLink()) {
      const to = await readlink(src);
      if (isAbsolute(to) || to.includes('/')) await copyFile(src, target);
      else await symlink(to, target);
    } else {
      await copyFile(src, target);
      await chmod(target, (st.mode & 0o777) | 0o200);
    }
    copied.push(target);
  }
  return copied;
}
