/**
 * References in the three forms of the contract:
 *   HOST[:PORT]/REPO[:TAG][@DIGEST]   a registry (docker grammar, docker.io normalised)
 *   oci:PATH[:TAG][@DIGEST]           an OCI image layout directory
 *   oci-archive:PATH[:TAG]            a tar of an OCI image layout
 * Parsing lives in parseReference (below); formatting in formatReference.
 */
export interface RegistryReference {
  kind: 'registry';
  /** host[:port], normalised (`docker.io` for Docker Hub) */
  registry: string;
  /** repository path, normalised (`library/alpine`) */
  repository: string;
  tag?: string;
  digest?: string;
}

export interface LayoutReference {
  kind: 'oci';
  path: string;
  tag?: string;
  digest?: string;
}

export interface ArchiveReference {
  kind: 'oci-archive';
  path: string;
  tag?: string;
  digest?: string;
}

export type Reference = RegistryReference | LayoutReference | ArchiveReference;

export { parseReference, formatReference } from './reference-parse.js';
