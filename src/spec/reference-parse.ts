import { OcipkgError } from '../errors.js';
import type { Reference } from './reference.js';

// Placeholder until the parser lands; throws so nothing depends on a half-parser.
export function parseReference(input: string): Reference {
  throw new OcipkgError('E_REFERENCE', `${input}: reference parsing not implemented`);
}

export function formatReference(ref: Reference): string {
  if (ref.kind === 'registry') return `${ref.registry}/${ref.repository}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
  return `${ref.kind}:${ref.path}${ref.tag ? `:${ref.tag}` : ''}${ref.digest ? `@${ref.digest}` : ''}`;
}
