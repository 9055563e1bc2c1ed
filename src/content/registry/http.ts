import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import { baselineWasm } from '../../runtime/memory.js';

type ApiRequest = (this: Undici.Dispatcher, opts: Undici.Dispatcher.RequestOptions) => Promise<Undici.Dispatcher.ResponseData>;

export interface UndiciParts {
  Agent: typeof Undici.Agent;
  apiRequest: ApiRequest;
  /** Whether the parts came from the package's index (the fallback) rather than its own modules. */
  whole: boolean;
}

/**
 * undici's dispatchers and its request API, loaded on their own: the package's index also
 * loads fetch, WebSocket, caches and mocks, which costs a small CLI ~8 MiB of memory and
 * start-up time for nothing. These are undici 7's internal modules, so if a release moves them
 * the whole package is loaded instead: slower to start, never broken.
 */
export function loadUndici(load: (id: string) => unknown): UndiciParts {
  try {
    const Agent = load('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
    const apiRequest = load('undici/lib/api/api-request.js') as ApiRequest;
    if (typeof Agent === 'function' && typeof apiRequest === 'function') return { Agent, apiRequest, whole: false };
  } catch {
    // moved or renamed: fall through to the public API
  }
  const u = load('undici') as typeof Undici;
  return { Agent: u.Agent, apiRequest: function (this: Undici.Dispatcher, opts) { return this.request(opts); }, whole: true };
}

const require = createRequire(import.meta.url);
const parts = loadUndici(require);

export const Agent = parts.Agent;

/**
 * The proxy agent tunnels through its client's `connect()`, an API undici's index attaches to
 * every dispatcher; so with a proxy configured the whole package is loaded.
 */
export function envHttpProxyAgent(opts: Undici.EnvHttpProxyAgent.Options): Undici.EnvHttpProxyAgent {
  const { EnvHttpProxyAgent } = require('undici') as typeof Undici;
  // Plain-HTTP registries go through the proxy as ordinary absolute-form requests, as curl
  // sends them (many proxies refuse CONNECT to ports other than 443); HTTPS always tunnels.
  return new EnvHttpProxyAgent({ ...opts, proxyTunnel: false } as Undici.EnvHttpProxyAgent.Options);
}

export type Dispatcher = Undici.Dispatcher;
export type HttpMethod = Undici.Dispatcher.HttpMethod;

/**
 * `dispatcher.request(opts)`, as undici's index would attach it. The first request of the
 * process connects, which is when undici compiles its HTTP parser (see runtime/memory.ts).
 */
export function request(dispatcher: Dispatcher, opts: Undici.Dispatcher.RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  return baselineWasm(() => parts.apiRequest.call(dispatcher, opts));
}
