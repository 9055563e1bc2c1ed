import { pack } from '../../pack/pack.js';
import { LAYER_HELP, LAYER_OPTIONS, layerOptions } from '../layer-options.js';
import type { Verb } from '../verb.js';

export const packVerb: Verb = {
  name: 'pack',
  summary: 'Write DIR as one OCI layer file (tar+gzip or tar+zstd), deterministically.',
  usage: 'DIR OUT [--root-dir P] [--uid N] [--gid N] [--compression gzip|zstd]',
  details: `Entries are sorted, every mtime is SOURCE_DATE_EPOCH (or 0), modes are 0755/0644 (the
executable bit is kept), symlinks stay symlinks: the same tree gives the same digest anywhere.
Prints the layer's digest on stdout and its diff_id (the uncompressed digest) on stderr.

${LAYER_HELP}`,
  options: LAYER_OPTIONS,
  args: 2,
  argNames: 'DIR OUT',
  async run({ positionals, values, stdout, stderr }) {
    const [dir, out] = positionals as [string, string];
    const layer = await pack(dir, out, layerOptions(values));
    stderr.write(`Packed ${dir} → ${out} (${layer.descriptor.mediaType}, ${layer.descriptor.size} bytes, diff_id ${layer.diffId})\n`);
    stdout.write(`${layer.descriptor.digest}\n`);
  },
};
