import { createRequire } from 'node:module';
import type * as Undici from 'undici';
import { baselineWasm } from '../../runtime/memory.js';

/*
 * undici's dispatchers and its request API, loaded on their own: the package's index also
 * loads fetch, WebSocket, caches and mocks, which costs a small CLI ~8 MiB of memory and
 * start-up time for nothing. These are undici 7's own modules; the types come from the package.
 */
const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
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
const apiRequest = require('undici/lib/api/api-request.js') as (this: Undici.Dispatcher, opts: Undici.Dispatcher.RequestOptions) => Promise<Undici.Dispatcher.ResponseData>;

export type Dispatcher = Undici.Dispatcher;
export type HttpMethod = Undici.Dispatcher.HttpMethod;

/**
 * `dispatcher.request(opts)`, as undici's index would attach it. The first request of the
 * process connects, which is when undici compiles its HTTP parser (see runtime/memory.ts).
 */
export function request(dispatcher: Dispatcher, opts: Undici.Dispatcher.RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  return baselineWasm(() => apiRequest.call(dispatcher, opts));
}
