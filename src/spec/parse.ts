import { OcipkgError } from '../errors.js';
import { parseDigest } from './digest.js';
import { MediaType, isIndexMediaType, isManifestMediaType } from './mediatype.js';
import type { Descriptor, ImageConfig, Index, Manifest, OciLayoutFile, Platform } from './types.js';

/**
 * Validating parsers for untrusted JSON. Every failure names the document and the JSON path:
 * `manifest.layers[2].digest: not a valid sha256 digest`. Unknown fields are kept as they are.
 */
type Obj = Record<string, unknown>;

function fail(path: string, why: string): never {
  throw new OcipkgError('E_INVALID', `${path}: ${why}`);
}

export function parseJson(data: Uint8Array | string, where: string): unknown {
  const text = typeof data === 'string' ? data : Buffer.from(data.buffer, data.byteOffset, data.byteLength).toString('utf8');
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new OcipkgError('E_INVALID', `${where}: not valid JSON (${(err as Error).message})`, { cause: err });
  }
}

function obj(v: unknown, path: string): Obj {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) fail(path, 'must be an object');
  return v as Obj;
}

function str(o: Obj, key: string, path: string, required: boolean): string | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (typeof v !== 'string') fail(`${path}.${key}`, v === undefined ? 'is required' : 'must be a string');
  return v;
}

function arr(o: Obj, key: string, path: string, required: boolean): unknown[] | undefined {
  const v = o[key];
  if (v === undefined && !required) return undefined;
  if (!Array.isArray(v)) fail(`${path}.${key}`, v === undefined ? 'is required' : 'must be an array');
  return v;
}

function stringArray(o: Obj, key: string, path: string): void {
  const a = arr(o, key, path, false);
  a?.forEach((x, i) => {
    if (typeof x !== 'string') fail(`${path}.${key}[${i}]`, 'must be a string');
  });
}

const MEDIA_TYPE_RE = /^[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}\/[A-Za-z0-9][A-Za-z0-9!#$&^_.+-]{0,126}$/;

function mediaType(o: Obj, key: string, path: string, required: boolean): string | undefined {
  const v = str(o, key, path, required);
  if (v !== undefined && !MEDIA_TYPE_RE.test(v)) fail(`${path}.${key}`, `${JSON.stringify(v)} is not a media type`);
  return v;
}

function annotations(o: Obj, path: string): void {
  if (o.annotations === undefined) return;
  const a = obj(o.annotations, `${path}.annotations`);
  for (const [k, v] of Object.entries(a)) {
    if (typeof v !== 'string') fail(`${path}.annotations[${JSON.stringify(k)}]`, 'must be a string');
  }
}

export function validatePlatformObject(v: unknown, path: string): Platform {
  const p = obj(v, path);
  str(p, 'architecture', path, true);
  str(p, 'os', path, true);
  str(p, 'os.version', path, false);
  str(p, 'variant', path, false);
  stringArray(p, 'os.features', path);
  stringArray(p, 'features', path);
  return p as unknown as Platform;
}

export function parseDescriptor(v: unknown, path: string): Descriptor {
  const d = obj(v, path);
  mediaType(d, 'mediaType', path, true);
  const digest = str(d, 'digest', path, true)!;
  try {
    parseDigest(digest, `${path}.digest`);
  } catch (err) {
    if (err instanceof OcipkgError && err.code === 'E_UNSUPPORTED') throw err;
    fail(`${path}.digest`, `${JSON.stringify(digest)} is not a valid digest`);
  }
  if (!Number.isSafeInteger(d.size) || (d.size as number) < 0) fail(`${path}.size`, 'must be a non-negative integer');
  stringArray(d, 'urls', path);
  annotations(d, path);
  if (d.data !== undefined) {
    const data = str(d, 'data', path, false)!;
    if (!/^[A-Za-z0-9+/]*={0,2}$/.test(data) || data.length % 4 !== 0) fail(`${path}.data`, 'must be base64');
    if (Buffer.from(data, 'base64').length !== d.size) fail(`${path}.data`, 'length does not match size');
  }
  if (d.platform !== undefined) validatePlatformObject(d.platform, `${path}.platform`);
  mediaType(d, 'artifactType', path, false);
  return d as unknown as Descriptor;
}

function schemaVersion(o: Obj, path: string): void {
  if (o.schemaVersion !== 2) fail(`${path}.schemaVersion`, 'must be 2');
}

export function parseManifest(v: unknown, where = 'manifest'): Manifest {
  const m = obj(v, where);
  schemaVersion(m, where);
  const mt = mediaType(m, 'mediaType', where, false);
  if (mt !== undefined && !isManifestMediaType(mt)) fail(`${where}.mediaType`, `${JSON.stringify(mt)} is not an image manifest media type`);
  mediaType(m, 'artifactType', where, false);
  parseDescriptor(m.config, `${where}.config`);
  arr(m, 'layers', where, true)!.forEach((l, i) => parseDescriptor(l, `${where}.layers[${i}]`));
  if (m.subject !== undefined) parseDescriptor(m.subject, `${where}.subject`);
  annotations(m, where);
  return m as unknown as Manifest;
}

export function parseIndex(v: unknown, where = 'index'): Index {
  const x = obj(v, where);
  schemaVersion(x, where);
  const mt = mediaType(x, 'mediaType', where, false);
  if (mt !== undefined && !isIndexMediaType(mt)) fail(`${where}.mediaType`, `${JSON.stringify(mt)} is not an image index media type`);
  mediaType(x, 'artifactType', where, false);
  arr(x, 'manifests', where, true)!.forEach((d, i) => parseDescriptor(d, `${where}.manifests[${i}]`));
  if (x.subject !== undefined) parseDescriptor(x.subject, `${where}.subject`);
  annotations(x, where);
  return x as unknown as Index;
}

export function parseImageConfig(v: unknown, where = 'config'): ImageConfig {
  const c = obj(v, where);
  str(c, 'architecture', where, true);
  str(c, 'os', where, true);
  str(c, 'created', where, false);
  str(c, 'variant', where, false);
  const rootfs = obj(c.rootfs, `${where}.rootfs`);
  if (rootfs.type !== 'layers') fail(`${where}.rootfs.type`, 'must be "layers"');
  arr(rootfs, 'diff_ids', `${where}.rootfs`, true)!.forEach((d, i) => {
    const p = `${where}.rootfs.diff_ids[${i}]`;
    if (typeof d !== 'string') fail(p, 'must be a string');
    parseDigest(d, p);
  });
  arr(c, 'history', where, false)?.forEach((h, i) => obj(h, `${where}.history[${i}]`));
  if (c.config !== undefined && c.config !== null) obj(c.config, `${where}.config`);
  return c as unknown as ImageConfig;
}

export function parseOciLayout(v: unknown, where = 'oci-layout'): OciLayoutFile {
  const o = obj(v, where);
  const version = str(o, 'imageLayoutVersion', where, true)!;
  if (!/^1\.\d+\.\d+$/.test(version)) fail(`${where}.imageLayoutVersion`, `unsupported version ${JSON.stringify(version)}`);
  return o as unknown as OciLayoutFile;
}

export type Root = { kind: 'manifest'; manifest: Manifest } | { kind: 'index'; index: Index };

/**
 * Parse a document a reference resolved to. The document's own mediaType decides; without
 * one, the descriptor's media type (hint) and then the shape (`manifests` vs `config`).
 */
export function parseRoot(data: Uint8Array | string, where: string, hint?: string): Root {
  const v = obj(parseJson(data, where), where);
  const mt = typeof v.mediaType === 'string' ? v.mediaType : undefined;
  if (mt !== undefined && hint !== undefined && mt !== hint && (isIndexMediaType(hint) || isManifestMediaType(hint))) {
    fail(`${where}.mediaType`, `${JSON.stringify(mt)} does not match the descriptor's ${JSON.stringify(hint)}`);
  }
  const kind = mt ?? hint;
  if (isIndexMediaType(kind) || (kind === undefined && Array.isArray(v.manifests))) {
    return { kind: 'index', index: parseIndex(v, where) };
  }
  if (isManifestMediaType(kind) || (kind === undefined && v.config !== undefined)) {
    return { kind: 'manifest', manifest: parseManifest(v, where) };
  }
  return fail(where, `not an image manifest or index${kind ? ` (media type ${JSON.stringify(kind)})` : ''}`);
}

/** The media type a root document declares or implies. */
export function rootMediaType(root: Root): string {
  if (root.kind === 'index') return root.index.mediaType ?? MediaType.ImageIndex;
  return root.manifest.mediaType ?? MediaType.ImageManifest;
}
