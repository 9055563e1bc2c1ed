import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createReadStream, existsSync } from 'node:fs';
import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fetchBytes, readAll } from '../../src/content/fetch-bytes.js';
import type { ReadableStore } from '../../src/content/store.js';
import { isRootMediaType } from '../../src/spec/mediatype.js';
import { parseImageConfig, parseIndex, parseJson, parseOciLayout, parseRoot } from '../../src/spec/parse.js';
import type { Descriptor } from '../../src/spec/types.js';

/**
 * Check that everything `root` references is in `store` and matches its descriptor (digest,
 * size, parseable documents); returns the number of blobs checked.
 */
export async function validateGraph(store: ReadableStore, root: Descriptor): Promise<number> {
  const seen = new Set<string>();
  const walk = async (desc: Descriptor): Promise<void> => {
    if (seen.has(desc.digest)) return;
    seen.add(desc.digest);
    const bytes = await fetchBytes(store, desc);
    const node = parseRoot(bytes, desc.digest, desc.mediaType);
    if (node.kind === 'index') {
      for (const child of node.index.manifests) {
        if (isRootMediaType(child.mediaType)) await walk(child);
        else await blob(child);
      }
      return;
    }
    const config = await fetchBytes(store, node.manifest.config);
    if (node.manifest.config.mediaType === 'application/vnd.oci.image.config.v1+json') parseImageConfig(parseJson(config, 'config'));
    seen.add(node.manifest.config.digest);
    for (const layer of node.manifest.layers) await blob(layer);
  };
  const blob = async (desc: Descriptor): Promise<void> => {
    if (seen.has(desc.digest)) return;
    seen.add(desc.digest);
    await readAll(await store.fetch(desc), Number.MAX_SAFE_INTEGER, desc.digest);
  };
  await walk(root);
  return seen.size;
}

async function sha256File(path: string): Promise<string> {
  const h = createHash('sha256');
  for await (const c of createReadStream(path)) h.update(c as Buffer);
  return h.digest('hex');
}

/** A layout directory on disk: oci-layout, index.json, every blob named by its digest, no temp files. */
export async function validateLayoutDir(dir: string): Promise<void> {
  parseOciLayout(parseJson(await readFile(join(dir, 'oci-layout')), 'oci-layout'));
  parseIndex(parseJson(await readFile(join(dir, 'index.json')), 'index.json'), 'index.json');
  const top = (await readdir(dir)).filter((n) => n.startsWith('.'));
  assert.deepEqual(top, [], `temp files left in ${dir}`);
  if (!existsSync(join(dir, 'blobs'))) return;
  for (const alg of await readdir(join(dir, 'blobs'))) {
    for (const name of await readdir(join(dir, 'blobs', alg))) {
      assert.ok(!name.startsWith('.'), `temp file left: blobs/${alg}/${name}`);
      if (alg === 'sha256') assert.equal(await sha256File(join(dir, 'blobs', alg, name)), name, `blobs/${alg}/${name} does not match its name`);
    }
  }
}
