import { OcipkgError } from '../../errors.js';
import { login, logout } from '../../content/registry/login.js';
import { readAll } from '../../content/fetch-bytes.js';
import type { Verb } from '../verb.js';
import { str } from '../verb.js';

function registryOf(arg: string): string {
  const host = arg.replace(/^https?:\/\//, '').replace(/\/.*$/, '');
  if (!host) throw new OcipkgError('E_USAGE', `login: ${JSON.stringify(arg)} is not a registry host`);
  return ['index.docker.io', 'registry-1.docker.io'].includes(host) ? 'docker.io' : host;
}

export const loginVerb: Verb = {
  name: 'login',
  summary: 'Check credentials against a registry and store them in the docker config.',
  usage: 'HOST -u USER --password-stdin [--plain-http]',
  details: `The password is read from standard input (never from the command line, where other users and
shell history could see it). Credentials go to the credential helper configured for HOST
(credHelpers/credsStore), else to auths in $DOCKER_CONFIG/config.json (~/.docker/config.json).`,
  options: { username: { type: 'string', short: 'u' }, 'password-stdin': { type: 'boolean' }, password: { type: 'string', short: 'p' }, 'plain-http': { type: 'boolean' } },
  args: 1,
  argNames: 'HOST',
  async run({ positionals, values, stderr }) {
    if (values.password !== undefined) throw new OcipkgError('E_USAGE', 'login: a password on the command line is refused; pipe it to --password-stdin');
    const user = str(values, 'username');
    if (!user) throw new OcipkgError('E_USAGE', 'login: -u USER is required');
    if (!values['password-stdin']) throw new OcipkgError('E_USAGE', 'login: --password-stdin is required (the password is read from standard input)');
    const password = (await readAll(process.stdin, 64 * 1024, 'standard input')).toString('utf8').replace(/\r?\n$/, '');
    if (!password) throw new OcipkgError('E_USAGE', 'login: no password on standard input');
    const registry = registryOf(positionals[0]!);
    const where = await login(registry, user, password, { plainHttp: values['plain-http'] === true });
    stderr.write(`Login succeeded: ${registry} (stored in ${where})\n`);
  },
};

export const logoutVerb: Verb = {
  name: 'logout',
  summary: 'Remove the stored credentials of a registry.',
  usage: 'HOST',
  options: {},
  args: 1,
  argNames: 'HOST',
  async run({ positionals, stderr }) {
    const registry = registryOf(positionals[0]!);
    const where = await logout(registry);
    stderr.write(`Removed the credentials of ${registry} from ${where}\n`);
  },
};
