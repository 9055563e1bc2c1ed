import { createHash } from 'node:crypto';
import { lstat, readdir, readFile, readlink } from 'node:fs/promises';
import { join } from 'node:path';

export interface Node {
  type: 'file' | 'dir' | 'symlink';
  mode?: number;
  sha256?: string;
  target?: string;
}

/** Every path under `dir` with its type, permission bits, content hash or link target. */
export async function treeSnapshot(dir: string, opts: { modes?: boolean } = {}): Promise<Record<string, Node>> {
  const out: Record<string, Node> = {};
  const walk = async (rel: string): Promise<void> => {
    for (const name of (await readdir(join(dir, rel))).sort()) {
      const r = rel ? `${rel}/${name}` : name;
      const st = await lstat(join(dir, r));
      const mode = opts.modes === false ? undefined : st.mode & 0o777;
      if (st.isSymbolicLink()) out[r] = { type: 'symlink', target: await readlink(join(dir, r)) };
      else if (st.isDirectory()) {
        out[r] = { type: 'dir', ...(mode !== undefined ? { mode } : {}) };
        await walk(r);
      } else out[r] = { type: 'file', ...(mode !== undefined ? { mode } : {}), sha256: createHash('sha256').update(await readFile(join(dir, r))).digest('hex') };
    }
  };
  await walk('');
  return out;
}
