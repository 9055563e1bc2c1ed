import { install } from '../../install/install.js';
import { targetPlatform } from '../../platform/host.js';
import type { Verb } from '../verb.js';
import { str } from '../verb.js';
import { Progress } from '../progress.js';

export const installVerb: Verb = {
  name: 'install',
  summary: "Resolve, pull and prepare the native libraries in package.json's ocipkg field.",
  usage: '[--frozen] [--offline] [--platform P] [--plain-http]',
  details: `Reads the "ocipkg" field of package.json in the current directory, resolves each entry
(ocipkg-lock.json when current), pulls it verified into the per-user cache, unpacks it once,
writes its CMake config, copies its shared libraries to "copyTo", and updates ocipkg-lock.json.
One line per artifact on stderr.

  --frozen        fail instead of changing ocipkg-lock.json (CI)
  --offline       use the lockfile and the cache only (also OCIPKG_OFFLINE=1)
  --platform P    install for P (os/arch[/variant][+musl]) instead of this machine (also OCIPKG_PLATFORM)
  --plain-http    speak HTTP, not HTTPS, to the registries`,
  options: { frozen: { type: 'boolean' }, offline: { type: 'boolean' }, platform: { type: 'string' }, 'plain-http': { type: 'boolean' } },
  args: 0,
  async run({ values, stderr }) {
    const progress = Progress.for(stderr as NodeJS.WriteStream, 'downloading  ');
    await install(process.cwd(), {
      onBytes: (n) => progress.add(n),
      frozen: values.frozen === true,
      ...(values.offline === true ? { offline: true } : {}),
      platform: targetPlatform(str(values, 'platform')),
      plainHttp: values['plain-http'] === true,
      log: (line) => {
        progress.done();
        stderr.write(`${line}\n`);
      },
    }).finally(() => progress.done());
  },
};
