import { lstat, readdir, readlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import { OcipkgError, ioError } from '../errors.js';

/** One entry of a layer, in the order and form it is written. */
export interface PackEntry {
  /** Path inside the layer: relative, `/`-separated, no trailing slash. */
  name: string;
  type: 'file' | 'directory' | 'symlink';
  /** Normalised permissions: 0o755 for directories and executables, else 0o644. */
  mode: number;
  /** For files: where to read the bytes, and how many. */
  source?: string;
  size?: number;
  linkname?: string;
}

/** A file or directory on disk and the path it gets inside the layer. */
export interface PackSource {
  path: string;
  name: string;
}

/** Validate a `--root-dir`-style prefix and return it without leading/trailing slashes. */
export function normalizePrefix(prefix: string | undefined, where = '--root-dir'): string {
  if (!prefix) return '';
  const parts = prefix.split(/[\\/]+/).filter((p) => p && p !== '.');
  if (parts.some((p) => p === '..')) throw new OcipkgError('E_USAGE', `${where}: ${JSON.stringify(prefix)} must not contain ..`);
  return parts.join('/');
}

/**
 * Everything below `sources`, sorted by layer path (byte order), with the directories that lead
 * to each source's name. Modes are normalised so the umask of the machine that built the tree
 * does not change the digest; only the executable bit is kept.
 */
export async function collectEntries(sources: PackSource[]): Promise<PackEntry[]> {
  const out = new Map<string, PackEntry>();
  const addParents = (name: string) => {
    const parts = name.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      if (!out.has(dir)) out.set(dir, { name: dir, type: 'directory', mode: 0o755 });
    }
  };
  const visit = async (path: string, name: string): Promise<void> => {
    const st = await lstat(path).catch((err) => {
      throw ioError(err, path);
    });
    if (name) addParents(name);
    if (st.isDirectory()) {
      if (name) out.set(name, { name, type: 'directory', mode: 0o755 });
      const children = await readdir(path).catch((err) => {
        throw ioError(err, path);
      });
      for (const child of children) await visit(join(path, child), name ? posix.join(name, child) : child);
    } else if (!name) {
      throw new OcipkgError('E_USAGE', `${path}: a file needs a name inside the layer`);
    } else if (st.isSymbolicLink()) {
      out.set(name, { name, type: 'symlink', mode: 0o777, linkname: await readlink(path) });
    } else if (st.isFile()) {
      out.set(name, { name, type: 'file', mode: st.mode & 0o111 ? 0o755 : 0o644, source: path, size: st.size });
    } else {
      throw new OcipkgError('E_UNSUPPORTED', `${path}: only regular files, directories and symlinks can be packed`);
    }
  };
  for (const s of sources) await visit(s.path, s.name);
  return [...out.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}
