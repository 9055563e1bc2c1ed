import assert from 'node:assert/strict';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { runCli } from './cli.js';

/** Files (contents) or relative symlinks (`{ link }`) under `root`; returns `root`. */
export async function tree(root: string, files: Record<string, string | { link: string }>): Promise<string> {
  for (const [rel, v] of Object.entries(files)) {
    await mkdir(join(root, rel, '..'), { recursive: true });
    if (typeof v === 'string') await writeFile(join(root, rel), v);
    else await symlink(v.link, join(root, rel));
  }
  return root;
}

/** A package directory whose package.json has this `ocipkg` field; returns `dir`. */
export async function project(dir: string, ocipkg: object, name = 'under-test'): Promise<string> {
  await mkdir(dir, { recursive: true });
  await writeFile(join(dir, 'package.json'), JSON.stringify({ name, version: '0.0.0', ocipkg }));
  return dir;
}

/** `ocipkg build ARGS`, which must succeed; returns the digest it prints. */
export async function buildArtifact(args: string[]): Promise<string> {
  const r = await runCli(['build', ...args]);
  assert.equal(r.code, 0, r.stderr);
  return r.stdout.trim();
}
