import assert from 'node:assert/strict';
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
