import { copy } from '../../copy.js';
import { transferReport } from '../progress.js';
import { parsePlatformSpec } from '../../platform/host.js';
import type { Verb } from '../verb.js';
import { str } from '../verb.js';
import { withDestination, withSource } from '../../content/scoped.js';

export const copyVerb: Verb = {
  name: 'copy',
  summary: 'Copy an image or index with everything it references from SRC to DST.',
  usage: 'SRC DST [--platform P|all] [--plain-http]',
  details: `SRC and DST are references in any form: HOST/REPO[:TAG][@DIGEST], oci:PATH[:TAG], oci-archive:PATH[:TAG].
Blobs DST already has are skipped; the tag is written last.

  --platform P|all   narrow an index to the manifest for P (os/arch[/variant]); all (default) copies every manifest
  --plain-http       speak HTTP, not HTTPS, to the registries (loopback registries always use HTTP)`,
  options: { platform: { type: 'string' }, 'plain-http': { type: 'boolean' } },
  args: 2,
  argNames: 'SRC DST',
  async run({ positionals, values, stdout, stderr }) {
    const [srcRef, dstRef] = positionals as [string, string];
    const p = str(values, 'platform');
    const platform = p === undefined || p === 'all' ? 'all' : parsePlatformSpec(p, '--platform');
    const open = { plainHttp: values['plain-http'] === true };
    const { done, ...report } = transferReport(stderr as NodeJS.WriteStream, 'copying  ');
    const result = await withSource(srcRef, open, (src) => withDestination(dstRef, open, (dst) => copy(src.store, src.reference, dst.store, dst.tag, { platform, ...report }))).finally(done);
    stderr.write(`Copied ${srcRef} → ${dstRef} (${result.copied} copied, ${result.skipped} skipped${result.mounted ? `, ${result.mounted} mounted` : ''})\n`);
    stdout.write(`${result.root.digest}\n`);
  },
};
