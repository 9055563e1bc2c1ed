import { narrow } from '../../copy.js';
import { fetchBytes } from '../../content/fetch-bytes.js';
import { OcipkgError } from '../../errors.js';
import { parseRoot } from '../../spec/parse.js';
import { MediaType } from '../../spec/mediatype.js';
import { parsePlatformSpec } from '../../platform/host.js';
import type { Verb } from '../verb.js';
import { str } from '../verb.js';
import { withSource } from '../../content/scoped.js';

export const inspectVerb: Verb = {
  name: 'inspect',
  summary: 'Print the manifest or index REF names, exactly as stored (or its config with --config).',
  usage: 'REF [--config | --referrers [--artifact-type T]] [--platform P] [--plain-http]',
  details: `  --config       print the image config instead of the manifest
  --referrers    print the artifacts that refer to REF (signatures, SBOMs…) as an image index:
                 the registry's referrers API, else the sha256-<hex> tag schema; for a layout,
                 the manifests in its index.json whose subject is REF
  --artifact-type T   with --referrers: only those of this artifactType
  --platform P   for an index: inspect the manifest for P (os/arch[/variant])
  --plain-http   speak HTTP, not HTTPS, to the registry`,
  options: { config: { type: 'boolean' }, referrers: { type: 'boolean' }, 'artifact-type': { type: 'string' }, platform: { type: 'string' }, 'plain-http': { type: 'boolean' } },
  args: 1,
  argNames: 'REF',
  async run({ positionals, values, stdout }) {
    const p = str(values, 'platform');
    await withSource(positionals[0]!, { plainHttp: values['plain-http'] === true }, async ({ store, reference }) => {
      let desc = await store.resolve(reference);
      if (p) desc = await narrow(store, desc, parsePlatformSpec(p, '--platform'));
      if (values.referrers) {
        if (!store.referrers) throw new OcipkgError('E_UNSUPPORTED', `${store.location}: cannot list referrers`);
        const manifests = await store.referrers(desc.digest, str(values, 'artifact-type'));
        stdout.write(`${JSON.stringify({ schemaVersion: 2, mediaType: MediaType.ImageIndex, manifests }, null, 2)}\n`);
        return;
      }
      const bytes = await fetchBytes(store, desc);
      if (!values.config) {
        stdout.write(bytes);
        if (bytes[bytes.length - 1] !== 0x0a) stdout.write('\n');
        return;
      }
      const node = parseRoot(bytes, `${store.location}@${desc.digest}`, desc.mediaType);
      if (node.kind === 'index') {
        throw new OcipkgError('E_USAGE', `${positionals[0]} is an index; pick a manifest with --platform (${node.index.manifests
          .map((m) => (m.platform ? `${m.platform.os}/${m.platform.architecture}${m.platform.variant ? `/${m.platform.variant}` : ''}` : m.digest))
          .join(', ')})`);
      }
      const config = await fetchBytes(store, node.manifest.config);
      stdout.write(config);
      if (config[config.length - 1] !== 0x0a) stdout.write('\n');
    });
  },
};
