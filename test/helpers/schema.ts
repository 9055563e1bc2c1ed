import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { parseRoot } from '../../src/spec/parse.js';
import { readFileSync } from 'node:fs';
import { Ajv, type ValidateFunction } from 'ajv';

export type OciKind = 'descriptor' | 'manifest' | 'index' | 'config' | 'oci-layout';

const schema = JSON.parse(readFileSync(new URL('../schemas/oci-image-spec.json', import.meta.url), 'utf8'));
const ajv = new Ajv({ allErrors: true, strict: false, validateFormats: false });
ajv.addSchema(schema);
const validators = new Map<OciKind, ValidateFunction>();

/** Throw an assertion naming every path where `doc` breaks the image-spec schema for `kind`. */
export function assertValidOci(kind: OciKind, doc: unknown, what: string = kind): void {
  let v = validators.get(kind);
  if (!v) {
    v = ajv.getSchema(`${schema.$id}#/definitions/${kind}`)!;
    validators.set(kind, v);
  }
  if (!v(doc)) {
    const problems = (v.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    assert.fail(`${what} is not a valid OCI ${kind}: ${problems}`);
  }
}

/** Every JSON document in a layout directory, checked against the schemas. */
export async function assertLayoutValid(dir: string): Promise<number> {
  assertValidOci('oci-layout', JSON.parse(await readFile(join(dir, 'oci-layout'), 'utf8')));
  const index = JSON.parse(await readFile(join(dir, 'index.json'), 'utf8'));
  assertValidOci('index', index, 'index.json');
  let n = 0;
  for (const hex of await readdir(join(dir, 'blobs', 'sha256'))) {
    const bytes = await readFile(join(dir, 'blobs', 'sha256', hex));
    let doc: { mediaType?: string; rootfs?: unknown; manifests?: unknown; config?: unknown };
    try {
      doc = JSON.parse(bytes.toString('utf8'));
    } catch {
      continue; // a layer
    }
    if (doc.rootfs) assertValidOci('config', doc, hex);
    else if (doc.manifests || doc.config) {
      const root = parseRoot(bytes, hex);
      assertValidOci(root.kind, doc, hex);
    }
    n++;
  }
  return n;
}

