import { transferReport } from '../progress.js';
import { append } from '../../artifact/append.js';
import { OcipkgError } from '../../errors.js';
import { parsePlatformSpec } from '../../platform/host.js';
import { LAYER_HELP, LAYER_OPTIONS, layerOptions } from '../layer-options.js';
import { withDestination, withSource } from '../../content/scoped.js';
import type { Verb } from '../verb.js';
import { str } from '../verb.js';

export const appendVerb: Verb = {
  name: 'append',
  summary: 'Make a new image: BASE plus one layer from DIR, without downloading BASE’s layers.',
  usage: 'DIR --from BASE --tag DEST [--platform P] [--root-dir P] [--uid N] [--gid N] [--compression gzip|zstd]',
  details: `Only BASE's manifest and config are read. In DEST, BASE's layers are skipped when present
and mounted when DEST is another repository of the same registry. The config gets the new
layer's diff_id and a history entry. For an index BASE every platform gets the layer, or only
--platform P (the result is then that platform's manifest).

  --from BASE         the image to extend (any reference form)
  --tag DEST          where to write the result (any reference form)
  --platform P        for an index BASE: extend only this platform
${LAYER_HELP}
  --plain-http        speak HTTP, not HTTPS, to the registries`,
  options: { ...LAYER_OPTIONS, from: { type: 'string' }, tag: { type: 'string', short: 't' }, platform: { type: 'string' }, 'plain-http': { type: 'boolean' } },
  args: 1,
  argNames: 'DIR',
  async run({ positionals, values, stdout, stderr }) {
    const from = str(values, 'from');
    const dest = str(values, 'tag');
    if (!from) throw new OcipkgError('E_USAGE', 'append: --from BASE is required');
    if (!dest) throw new OcipkgError('E_USAGE', 'append: --tag DEST is required');
    const p = str(values, 'platform');
    const { done, ...report } = transferReport(stderr as NodeJS.WriteStream, 'pushing  ');
    const opts = { ...layerOptions(values), ...(p ? { platform: parsePlatformSpec(p) } : {}), ...report };
    const open = { plainHttp: values['plain-http'] === true };
    const root = await withSource(from, open, (b) => withDestination(dest, open, (d) => append(b.store, b.reference, d.store, d.tag, positionals[0]!, opts))).finally(done);
    stderr.write(`Appended ${positionals[0]} to ${from} → ${dest}\n`);
    stdout.write(`${root.digest}\n`);
  },
};
