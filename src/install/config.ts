import { readFile } from 'node:fs/promises';
import { basename, join } from 'node:path';
import semver from 'semver';
import { OcipkgError, ioError } from '../errors.js';
import { formatReference, parseReference, type Reference } from '../spec/reference.js';
import { parsePlatformSpec } from '../platform/host.js';

/** One entry of the `ocipkg` field of package.json, validated, with defaults applied. */
export interface Dependency {
  /** Where it was declared, for messages: `package.json: ocipkg[1]`. */
  where: string;
  image: string;
  reference: Reference;
  version?: string;
  tagTemplate?: string;
  name: string;
  libraries?: string[];
  copyTo: string[];
  publish?: PublishConfig;
}

export interface PublishConfig {
  image: string;
  /** Platform (`os/arch[/variant][+musl]`) → directory holding that platform's install prefix. */
  platforms: Record<string, string>;
  /** Paths packed into every platform's manifest (shared headers, say). */
  files: string[];
  linkLibs: string[];
  linkCflags: string[];
  compression?: 'gzip' | 'zstd';
}

export interface PackageConfig {
  /** Directory holding package.json. */
  dir: string;
  file: string;
  packageName?: string;
  packageVersion?: string;
  dependencies: Dependency[];
}

const KEYS = ['image', 'version', 'tagTemplate', 'name', 'libraries', 'copyTo', 'publish'];
const PUBLISH_KEYS = ['image', 'platforms', 'files', 'linkLibs', 'linkCflags', 'compression'];
const TEMPLATE_VARS = ['version', 'os', 'arch', 'variant', 'libc', 'platform', 'nodeArch'];

type Obj = Record<string, unknown>;

function fail(where: string, msg: string): never {
  throw new OcipkgError('E_CONFIG', `${where}: ${msg}`);
}

function isObj(v: unknown): v is Obj {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function string(o: Obj, key: string, where: string, required = false): string | undefined {
  const v = o[key];
  if (v === undefined) {
    if (required) fail(`${where}.${key}`, 'is required');
    return undefined;
  }
  if (typeof v !== 'string' || v === '') fail(`${where}.${key}`, `must be a non-empty string, not ${JSON.stringify(v)}`);
  return v;
}

function strings(o: Obj, key: string, where: string): string[] | undefined {
  const v = o[key];
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.some((x) => typeof x !== 'string' || x === '')) fail(`${where}.${key}`, 'must be an array of non-empty strings');
  return v as string[];
}

function unknownKeys(o: Obj, allowed: string[], where: string): void {
  for (const k of Object.keys(o)) if (!allowed.includes(k)) fail(`${where}.${k}`, `unknown key (allowed: ${allowed.join(', ')})`);
}

function parsePublish(v: unknown, where: string, image: Reference): PublishConfig {
  if (!isObj(v)) fail(where, 'must be an object');
  unknownKeys(v, PUBLISH_KEYS, where);
  const platforms = v.platforms;
  if (!isObj(platforms) || !Object.keys(platforms).length) fail(`${where}.platforms`, 'must map at least one platform to a directory, e.g. {"linux/amd64": "dist/linux-x64"}');
  for (const [p, dir] of Object.entries(platforms)) {
    try {
      parsePlatformSpec(p, `${where}.platforms`);
    } catch (err) {
      fail(`${where}.platforms`, (err as Error).message.replace(/^[^:]*: /, ''));
    }
    if (typeof dir !== 'string' || !dir) fail(`${where}.platforms["${p}"]`, 'must be a directory path');
  }
  const compression = string(v, 'compression', where);
  if (compression !== undefined && compression !== 'gzip' && compression !== 'zstd') fail(`${where}.compression`, `${JSON.stringify(compression)} is not gzip or zstd`);
  const pubImage = string(v, 'image', where) ?? repositoryOf(image);
  return {
    image: pubImage,
    platforms: platforms as Record<string, string>,
    files: strings(v, 'files', where) ?? [],
    linkLibs: strings(v, 'linkLibs', where) ?? [],
    linkCflags: strings(v, 'linkCflags', where) ?? [],
    ...(compression ? { compression } : {}),
  };
}

/** Validate one `ocipkg` entry. Errors name the file and the key. */
export function parseDependency(v: unknown, where: string): Dependency {
  if (!isObj(v)) fail(where, 'must be an object with at least "image"');
  unknownKeys(v, KEYS, where);
  const image = string(v, 'image', where, true)!;
  let reference: Reference;
  try {
    reference = parseReference(image);
  } catch (err) {
    fail(`${where}.image`, (err as Error).message);
  }
  const version = string(v, 'version', where);
  // `^x` and `~*` parse (as "anything") but say nothing: a range must name a version or be `*`.
  if (version !== undefined && (semver.validRange(version) === null || !/\d/.test(version) && !/^\s*[*xX]?\s*$/.test(version))) fail(`${where}.version`, `${JSON.stringify(version)} is not a semver range`);
  const tagTemplate = string(v, 'tagTemplate', where);
  if (tagTemplate !== undefined) {
    for (const m of tagTemplate.matchAll(/\{([^}]*)\}/g)) if (!TEMPLATE_VARS.includes(m[1]!)) fail(`${where}.tagTemplate`, `unknown placeholder {${m[1]}} (known: ${TEMPLATE_VARS.map((x) => `{${x}}`).join(' ')})`);
    if (tagTemplate.includes('{version}') && version === undefined && !reference.tag) fail(`${where}.tagTemplate`, 'uses {version} but there is no "version" (or tag in "image")');
  }
  const name = string(v, 'name', where) ?? defaultName(reference);
  if (!/^[A-Za-z0-9_][A-Za-z0-9_.+-]*$/.test(name)) fail(`${where}.name`, `${JSON.stringify(name)} is not a usable library name`);
  const dep: Dependency = { where, image, reference, name, copyTo: strings(v, 'copyTo', where) ?? [] };
  if (version !== undefined) dep.version = version;
  if (tagTemplate !== undefined) dep.tagTemplate = tagTemplate;
  const libraries = strings(v, 'libraries', where);
  if (libraries) dep.libraries = libraries;
  if (v.publish !== undefined) dep.publish = parsePublish(v.publish, `${where}.publish`, reference);
  return dep;
}

/** A reference without its tag and digest. */
export function repositoryOf(ref: Reference): string {
  const { tag: _t, digest: _d, ...rest } = ref;
  return formatReference(rest as Reference);
}

/** The last path part of the image: `ghcr.io/x/libfoo` → `libfoo`; for a layout its directory name. */
export function defaultName(ref: Reference): string {
  if (ref.kind === 'registry') return ref.repository.split('/').pop()!;
  return basename(ref.path).replace(/\.(tar|tgz|oci)$/, '');
}

/** Read and validate package.json's `ocipkg` field in `dir`. */
export async function readPackageConfig(dir: string): Promise<PackageConfig> {
  const file = join(dir, 'package.json');
  const text = await readFile(file, 'utf8').catch((err) => {
    throw ioError(err, file);
  });
  let pkg: unknown;
  try {
    pkg = JSON.parse(text);
  } catch (err) {
    fail(file, `not valid JSON (${(err as Error).message})`);
  }
  if (!isObj(pkg)) fail(file, 'must hold a JSON object');
  const field = pkg.ocipkg;
  const label = 'package.json: ocipkg';
  if (field === undefined) fail(file, 'has no "ocipkg" field');
  const entries = Array.isArray(field) ? field.map((e, i) => parseDependency(e, `${label}[${i}]`)) : [parseDependency(field, label)];
  if (!entries.length) fail(label, 'is an empty array');
  const names = new Set<string>();
  for (const d of entries) {
    if (names.has(d.name)) fail(`${d.where}.name`, `${JSON.stringify(d.name)} is declared twice; give each dependency its own "name"`);
    names.add(d.name);
  }
  const out: PackageConfig = { dir, file, dependencies: entries };
  if (typeof pkg.name === 'string') out.packageName = pkg.name;
  if (typeof pkg.version === 'string') out.packageVersion = pkg.version;
  return out;
}
