import { OcipkgError } from '../errors.js';
import { parseDigest } from './digest.js';
import type { Reference, RegistryReference } from './reference.js';

/*
 * The docker reference grammar (distribution/reference), written from its description:
 *   name      := [domain '/'] component ('/' component)*
 *   domain    := host [':' port]   — a first component counts as a domain only if it has a '.',
 *                                    a ':' or is 'localhost'; else the domain is docker.io
 *   component := [a-z0-9]+ (separator [a-z0-9]+)*, separator := [._] | '__' | '-'+
 *   tag       := [\w][\w.-]{0,127}
 */
const COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const HOST = /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]+)?$/;
const DOCKER_HUB_ALIASES = new Set(['docker.io', 'index.docker.io', 'registry-1.docker.io']);

function bad(input: string, why: string): never {
  throw new OcipkgError('E_REFERENCE', `invalid reference ${JSON.stringify(input)}: ${why}`);
}

function checkDigest(input: string, digest: string): string {
  try {
    parseDigest(digest);
  } catch {
    bad(input, `${JSON.stringify(digest)} is not a valid digest`);
  }
  return digest;
}

function checkTag(input: string, tag: string): string {
  if (!TAG.test(tag)) bad(input, `${JSON.stringify(tag)} is not a valid tag`);
  return tag;
}

function parseLayout(input: string, kind: 'oci' | 'oci-archive'): Reference {
  let rest = input.slice(kind.length + 1);
  let digest: string | undefined;
  const at = rest.lastIndexOf('@');
  if (at >= 0 && /^[a-z0-9]+:/.test(rest.slice(at + 1))) {
    digest = checkDigest(input, rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  const colon = rest.indexOf(':');
  const path = colon >= 0 ? rest.slice(0, colon) : rest;
  const tag = colon >= 0 ? rest.slice(colon + 1) : undefined;
  if (!path) bad(input, 'the path is empty');
  if (tag !== undefined) {
    if (tag === '') bad(input, 'the tag after ":" is empty');
    // Layout tags (ref.name) are freer than registry tags, but must not smuggle separators.
    if (/[\s/@]/.test(tag)) bad(input, `${JSON.stringify(tag)} is not a valid tag`);
  }
  return { kind, path, ...(tag !== undefined ? { tag } : {}), ...(digest ? { digest } : {}) };
}

function parseRegistry(input: string): RegistryReference {
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = checkDigest(input, rest.slice(at + 1));
    rest = rest.slice(0, at);
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const lastColon = rest.lastIndexOf(':');
  if (lastColon > lastSlash) {
    tag = checkTag(input, rest.slice(lastColon + 1));
    rest = rest.slice(0, lastColon);
  }
  if (!rest) bad(input, 'the repository name is empty');
  const parts = rest.split('/');
  let registry = 'docker.io';
  const first = parts[0]!;
  if (parts.length > 1 && (first.includes('.') || first.includes(':') || first === 'localhost' || first.startsWith('['))) {
    if (!HOST.test(first)) bad(input, `${JSON.stringify(first)} is not a valid registry host`);
    registry = DOCKER_HUB_ALIASES.has(first.toLowerCase()) ? 'docker.io' : first;
    parts.shift();
  }
  for (const c of parts) {
    if (c !== c.toLowerCase()) bad(input, 'the repository name must be lowercase');
    if (!COMPONENT.test(c)) bad(input, `${JSON.stringify(c)} is not a valid repository path component`);
  }
  if (registry === 'docker.io' && parts.length === 1) parts.unshift('library');
  const repository = parts.join('/');
  if (registry.length + 1 + repository.length > 255) bad(input, 'the name is longer than 255 characters');
  return { kind: 'registry', registry, repository, ...(tag ? { tag } : {}), ...(digest ? { digest } : {}) };
}

/** Parse any of the three reference forms; throws E_REFERENCE naming the input. */
export function parseReference(input: string): Reference {
  if (typeof input !== 'string' || input.trim() === '') bad(String(input), 'empty');
  if (input !== input.trim()) bad(input, 'leading or trailing whitespace');
  if (input.startsWith('oci-archive:')) return parseLayout(input, 'oci-archive');
  if (input.startsWith('oci:')) return parseLayout(input, 'oci');
  if (input.startsWith('docker://')) return parseRegistry(input.slice('docker://'.length));
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(input)) bad(input, 'a URL is not a reference (write HOST/REPO:TAG)');
  return parseRegistry(input);
}

export function formatReference(ref: Reference): string {
  const suffix = `${ref.tag !== undefined ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
  if (ref.kind === 'registry') return `${ref.registry}/${ref.repository}${suffix}`;
  return `${ref.kind}:${ref.path}${suffix}`;
}

/** The host the API of a registry is served from (Docker Hub's differs from its name). */
export function registryApiHost(registry: string): string {
  return registry === 'docker.io' ? 'registry-1.docker.io' : registry;
}

/** localhost, 127.0.0.0/8 and [::1], with or without a port: spoken to over plain HTTP. */
/** A registry's host without its port (`[::1]:5000` → `[::1]`), lower case: names are case-insensitive. */
export function registryHost(registry: string): string {
  const host = registry.startsWith('[') ? registry.slice(0, registry.indexOf(']') + 1) : registry.split(':')[0]!;
  return host.toLowerCase();
}

export function isLoopbackRegistry(registry: string): boolean {
  const host = registryHost(registry);
  return host === 'localhost' || host === '[::1]' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host);
}
