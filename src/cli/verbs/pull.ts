import { pull } from '../../artifact/pull.js';
import { targetPlatform } from '../../platform/host.js';
import { withSource } from '../../content/scoped.js';
import type { Verb } from '../verb.js';
import { str } from '../verb.js';
import { Progress } from '../progress.js';

export const pullVerb: Verb = {
  name: 'pull',
  summary: "Extract an artifact's files into a directory, verified and safely.",
  usage: 'REF [-o DIR] [--platform P] [--plain-http]',
  details: `Reads ocipkg artifacts, ocipkg-rs artifacts, ORAS artifacts (titled files) and container
images (layers applied in order, whiteouts honoured). Every blob is verified; entries that would
land outside DIR (.., absolute paths, escaping links, devices) refuse the whole artifact, and
nothing is moved into DIR until all of it is in.

  -o, --output DIR   where to put the files (default .)
  --platform P       for an index: the platform to take (default: this machine, or OCIPKG_PLATFORM)
  --plain-http       speak HTTP, not HTTPS, to the registry`,
  options: { output: { type: 'string', short: 'o' }, platform: { type: 'string' }, 'plain-http': { type: 'boolean' } },
  args: 1,
  argNames: 'REF',
  async run({ positionals, values, stdout, stderr }) {
    const dir = str(values, 'output') ?? '.';
    const platform = targetPlatform(str(values, 'platform'));
    const progress = Progress.for(stderr as NodeJS.WriteStream, 'pulling  ');
    const onBytes = progress.enabled ? (n: number) => progress.add(n) : undefined;
    const res = await withSource(positionals[0]!, { plainHttp: values['plain-http'] === true }, (s) => pull(s.store, s.reference, dir, { platform, ...(onBytes ? { onBytes } : {}) })).finally(() => progress.done());
    stderr.write(`Pulled ${positionals[0]} (${res.manifest.digest}) into ${dir}\n`);
    stdout.write(`${res.root.digest}\n`);
  },
};
