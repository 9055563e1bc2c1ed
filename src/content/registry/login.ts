import { OcipkgError } from '../../errors.js';
import { writeFileAtomic } from '../atomic.js';
import { authKeys, dockerConfigPath, helperFor, readJsonFile, runHelper, storeKey, type DockerConfig } from './credentials.js';
import { createTransport } from './transport.js';

/**
 * `ocipkg login`: check the credentials against the registry (GET /v2/ with the full challenge
 * flow), then store them where docker would: a credential helper when one is configured for
 * the host, else `auths` in $DOCKER_CONFIG/config.json (written atomically, mode 0600).
 */
export async function login(registry: string, username: string, password: string, opts: { plainHttp?: boolean } = {}): Promise<string> {
  const t = createTransport(registry, { credentials: { username, password }, plainHttp: opts.plainHttp ?? false, retries: 1 });
  const res = await t.request({ method: 'GET', url: '/v2/', scopes: [], what: `login to ${registry}` }).catch((err) => {
    if (err instanceof OcipkgError && err.code === 'E_AUTH') throw new OcipkgError('E_AUTH', `login to ${registry} failed: the registry refused the user name or password`);
    throw err;
  });
  res.body.resume();
  const path = dockerConfigPath();
  const config = (await readJsonFile<DockerConfig>(path)) ?? {};
  const helper = helperFor(config, registry);
  if (helper) {
    await runHelper(helper, 'store', JSON.stringify({ ServerURL: storeKey(registry), Username: username, Secret: password }));
    return `docker-credential-${helper}`;
  }
  const auths = { ...config.auths };
  const key = storeKey(registry);
  for (const k of authKeys(registry)) if (k !== key) delete auths[k];
  auths[key] = { auth: Buffer.from(`${username}:${password}`).toString('base64') };
  await writeFileAtomic(path, `${JSON.stringify({ ...config, auths }, null, '\t')}\n`, 0o600);
  return path;
}

/** `ocipkg logout`: remove what login stored; E_NOT_FOUND when nothing was stored for the host. */
export async function logout(registry: string): Promise<string> {
  const path = dockerConfigPath();
  const config = (await readJsonFile<DockerConfig>(path)) ?? {};
  const helper = helperFor(config, registry);
  let removed = false;
  if (helper) {
    removed = await runHelper(helper, 'erase', storeKey(registry)).then(() => true, () => false);
  }
  const auths = { ...config.auths };
  for (const k of authKeys(registry)) {
    if (k in auths) {
      delete auths[k];
      removed = true;
    }
  }
  if (!removed) throw new OcipkgError('E_NOT_FOUND', `not logged in to ${registry} (nothing stored in ${helper ? `docker-credential-${helper} or ` : ''}${path})`);
  if (config.auths) await writeFileAtomic(path, `${JSON.stringify({ ...config, auths }, null, '\t')}\n`, 0o600);
  return helper ? `docker-credential-${helper}` : path;
}
