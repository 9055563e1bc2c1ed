import { createRequire } from 'node:module';
import type * as Undici from 'undici';

/*
 * undici's dispatchers and its request API, loaded on their own: the package's index also
 * loads fetch, WebSocket, caches and mocks, which costs a small CLI ~8 MiB of memory and
 * start-up time for nothing. These are undici 7's own modules; the types come from the package.
 */
const require = createRequire(import.meta.url);

export const Agent = require('undici/lib/dispatcher/agent.js') as typeof Undici.Agent;
export const EnvHttpProxyAgent = require('undici/lib/dispatcher/env-http-proxy-agent.js') as typeof Undici.EnvHttpProxyAgent;
const apiRequest = require('undici/lib/api/api-request.js') as (this: Undici.Dispatcher, opts: Undici.Dispatcher.RequestOptions) => Promise<Undici.Dispatcher.ResponseData>;

export type Dispatcher = Undici.Dispatcher;
export type HttpMethod = Undici.Dispatcher.HttpMethod;

/** `dispatcher.request(opts)`, as undici's index would attach it. */
export function request(dispatcher: Dispatcher, opts: Undici.Dispatcher.RequestOptions): Promise<Undici.Dispatcher.ResponseData> {
  return apiRequest.call(dispatcher, opts);
}
