import { OcipkgError } from '../../errors.js';
import { parseReference } from '../../spec/reference.js';
import type { Verb } from '../verb.js';
import { withSource } from '../../content/scoped.js';

export const tagsVerb: Verb = {
  name: 'tags',
  summary: 'List the tags of a repository (or the names in an oci: layout), one a line.',
  usage: 'REPO [--plain-http]',
  details: '  --plain-http   speak HTTP, not HTTPS, to the registry',
  options: { 'plain-http': { type: 'boolean' } },
  args: 1,
  argNames: 'REPO',
  async run({ positionals, values, stdout }) {
    const ref = parseReference(positionals[0]!);
    if (ref.tag || ref.digest) throw new OcipkgError('E_USAGE', `tags: give a repository without a tag or digest, not ${positionals[0]}`);
    await withSource(positionals[0]!, { plainHttp: values['plain-http'] === true }, async ({ store }) => {
      const tags = await store.listTags();
      if (tags.length) stdout.write(`${tags.join('\n')}\n`);
    });
  },
};
