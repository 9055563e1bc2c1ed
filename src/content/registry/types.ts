import type { Readable } from 'node:stream';

/**
 * The seam between the registry's HTTP transport (auth, retries, redirects, proxies, TLS,
 * error bodies — transport.ts) and the OCI distribution logic on top of it (store.ts).
 */
export type Action = 'pull' | 'push' | 'delete';

export interface Scope {
  repository: string;
  actions: Action[];
}

export interface RegistryRequest {
  method: 'GET' | 'HEAD' | 'PUT' | 'POST' | 'PATCH' | 'DELETE';
  /** Path starting with /v2/, or an absolute URL (e.g. an upload Location) */
  url: string;
  headers?: Record<string, string>;
  /**
   * A body that can be sent again: a Buffer, or a factory that makes a fresh stream for
   * each attempt. A factory that cannot be replayed should throw on its second call; the
   * transport then does not retry.
   */
  body?: Buffer | string | (() => Readable);
  /** What the token must allow. Defaults to pull on the request's repository. */
  scopes: Scope[];
  /** Statuses the caller handles itself; anything else becomes an OcipkgError. Default: 2xx. */
  expect?: number[];
  /** Follow redirects (GET/HEAD only). Authorization is never forwarded to another host. Default true. */
  followRedirects?: boolean;
  /** For messages: what is being asked for (`manifest 1.2.0`, `blob sha256:…`). */
  what?: string;
}

export interface RegistryResponse {
  status: number;
  headers: Record<string, string | string[] | undefined>;
  /** The body; the caller must consume or destroy it. */
  body: Readable;
  /** The URL that finally answered (after redirects). */
  url: string;
}

export interface RegistryTransport {
  /** host[:port] as the user wrote it, normalised (docker.io for Docker Hub) */
  readonly registry: string;
  /** scheme://host[:port] the API is spoken to */
  readonly baseUrl: string;
  request(req: RegistryRequest): Promise<RegistryResponse>;
  close(): Promise<void>;
}
