import { transferReport } from '../progress.js';
import { publish } from '../../artifact/publish.js';
import type { Verb } from '../verb.js';

export const publishVerb: Verb = {
  name: 'publish',
  summary: "Build the package's artifact from its ocipkg.publish section and push it.",
  usage: '[--dry-run] [--plain-http]',
  details: `Reads package.json in the current directory:
  "ocipkg": { "image": "ghcr.io/x/lib", "publish": { "platforms": { "linux/amd64": "dist/linux-x64" } } }
Each platform directory is that platform's install prefix (include/, lib/ …). The image index is
tagged with the package version and the git short hash; prints REFERENCE@DIGEST for each.
publish.image (default: the image without its tag), publish.files (paths in every platform),
publish.linkLibs / linkCflags and publish.compression are optional.

  --dry-run      build, print what would be pushed and its digest, push nothing
  --plain-http   speak HTTP, not HTTPS, to the registry`,
  options: { 'dry-run': { type: 'boolean' }, 'plain-http': { type: 'boolean' } },
  args: 0,
  async run({ values, stdout, stderr }) {
    const dryRun = values['dry-run'] === true;
    const { done, ...report } = transferReport(stderr as NodeJS.WriteStream, 'pushing  ');
    const results = await publish(process.cwd(), { plainHttp: values['plain-http'] === true, dryRun, ...report }).finally(done);
    for (const r of results) {
      for (const ref of r.references) stdout.write(`${ref}@${r.digest}\n`);
      stderr.write(dryRun ? `Would push ${r.references.join(', ')} (dry run: nothing pushed)\n` : `Pushed ${r.references.join(', ')}\n`);
    }
  },
};
