import { createWriteStream } from 'node:fs';
import { chmod, link, mkdir, readdir, rm, symlink } from 'node:fs/promises';
import { join, posix } from 'node:path';
import type { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import * as tar from 'tar-stream';
import { OcipkgError, ioError } from '../errors.js';
import type { LayerCompression } from '../spec/mediatype.js';
import { parseDigest } from '../spec/digest.js';
import { decompressor } from './compress.js';
import { Meter } from './meter.js';
import { TarTail } from './tar-tail.js';
import { FILE_STREAM } from '../content/io.js';

type Node = { kind: 'dir' } | { kind: 'file' } | { kind: 'symlink'; target: string };

const WHITEOUT = '.wh.';
const OPAQUE = '.wh..wh..opq';
const MAX_LINK_HOPS = 40;

type Entry = tar.Extract extends AsyncIterable<infer S> ? S : never;

function unsafe(where: string, name: string, why: string): OcipkgError {
  return new OcipkgError('E_UNSAFE_PATH', `${where}: refusing ${JSON.stringify(name)}: ${why}`);
}

/**
 * A layer entry's name as a clean relative path, or undefined for the root itself. Absolute
 * names and `..` components are refused, not rewritten: a layer that has them was made to attack.
 */
export function entryPath(name: string, where: string): string | undefined {
  if (name.includes('\0')) throw unsafe(where, name, 'NUL in name');
  if (name.startsWith('/') || /^[A-Za-z]:[\\/]/.test(name)) throw unsafe(where, name, 'absolute path');
  if (process.platform === 'win32' && name.includes('\\')) throw unsafe(where, name, 'backslash in name');
  const parts = name.split('/').filter((p) => p !== '' && p !== '.');
  if (parts.includes('..')) throw unsafe(where, name, '.. component');
  return parts.length ? parts.join('/') : undefined;
}

/**
 * Streaming extraction of tar layers into `root`, a directory this extractor creates and owns.
 * It tracks every path it made, so it never needs to ask the filesystem whether a path is a
 * symlink and never writes through one: parents must be directories it created, files are
 * created exclusively after removing what was there, and symlink and hardlink targets must
 * resolve inside root (checked as entries arrive and, for the order-dependent cases of symlink
 * chains, again once every layer is in). Devices and FIFOs are refused. Whiteouts (`.wh.NAME`,
 * `.wh..wh..opq`) are applied when layers of a container image are stacked.
 */
export class Extractor {
  private readonly nodes = new Map<string, Node>();

  constructor(
    readonly root: string,
    private readonly opts: { whiteouts?: boolean } = {},
  ) {}

  async init(): Promise<void> {
    await mkdir(this.root, { recursive: false }).catch((err) => {
      throw ioError(err, this.root);
    });
  }

  /** Extract one layer. `diffId`, when given, is checked against the uncompressed stream. */
  async apply(layer: Readable, compression: LayerCompression, where: string, diffId?: string): Promise<void> {
    const meter = new Meter(diffId ? [parseDigest(diffId).algorithm] : []);
    const extract = tar.extract();
    const feed = pipeline(layer, decompressor(compression), meter, new TarTail(), extract).catch((err: Error) => {
      throw err instanceof OcipkgError ? err : new OcipkgError('E_INVALID', `${where}: not a readable layer (${err.message})`);
    });
    const consume = (async () => {
      try {
        for await (const entry of extract) await this.entry(entry, where);
      } catch (err) {
        extract.destroy();
        throw err instanceof OcipkgError ? err : new OcipkgError('E_INVALID', `${where}: not a readable layer (${(err as Error).message})`);
      }
    })();
    const [a, b] = await Promise.allSettled([consume, feed]);
    if (b.status === 'rejected' && !(a.status === 'rejected' && a.reason instanceof OcipkgError && a.reason.code === 'E_UNSAFE_PATH')) throw b.reason;
    if (a.status === 'rejected') throw a.reason;
    if (diffId && meter.digest(diffId) !== diffId) {
      throw new OcipkgError('E_DIGEST_MISMATCH', `${where}: uncompressed content is ${meter.digest(diffId)}, the config's diff_id says ${diffId}`);
    }
  }

  /** Write one plain file (an ORAS-style titled blob) at `name`, under the same rules as a tar entry. */
  async file(name: string, content: Readable, where: string): Promise<void> {
    const path = entryPath(name, where);
    if (path === undefined) throw unsafe(where, name, 'not a file name');
    await this.parents(path, where);
    await this.writeFile(path, content, 0o644);
  }

  /** Replace whatever is at `path` (parents already checked) with a new file of `content`. */
  private async writeFile(path: string, content: Readable | Entry, mode: number): Promise<void> {
    if (this.nodes.has(path)) await this.remove(path);
    this.nodes.set(path, { kind: 'file' });
    const abs = join(this.root, path);
    await pipeline(content, createWriteStream(abs, { flags: 'wx', mode, ...FILE_STREAM }));
    await chmod(abs, mode);
  }

  /** Re-check every symlink with the whole tree known; call after the last layer. */
  finish(where: string): void {
    for (const [path, node] of this.nodes) {
      if (node.kind === 'symlink') this.resolveInside(`${posix.dirname(path)}/${node.target}`, where, path);
    }
  }

  private async entry(entry: Entry, where: string): Promise<void> {
    const h = entry.header;
    const drain = async () => {
      for await (const _ of entry);
    };
    const path = entryPath(h.name, where);
    if (path === undefined) return drain();
    const base = posix.basename(path);
    if (this.opts.whiteouts && base.startsWith(WHITEOUT)) {
      await this.parents(path, where);
      const dir = posix.dirname(path);
      if (base === OPAQUE) await this.clearChildren(dir === '.' ? '' : dir);
      else await this.remove(posix.join(dir, base.slice(WHITEOUT.length)));
      return drain();
    }
    await this.parents(path, where);
    const abs = join(this.root, path);
    const existing = this.nodes.get(path);
    switch (h.type) {
      case 'directory':
        if (existing && existing.kind !== 'dir') await this.remove(path);
        if (!existing || existing.kind !== 'dir') await mkdir(abs).catch((err) => { throw ioError(err, abs); });
        await chmod(abs, ((h.mode ?? 0o755) & 0o777) | 0o700);
        this.nodes.set(path, { kind: 'dir' });
        return drain();
      case 'file':
      case 'contiguous-file':
        return this.writeFile(path, entry, (h.mode ?? 0o644) & 0o777);
      case 'symlink': {
        const target = h.linkname ?? '';
        if (!target || target.startsWith('/') || target.includes('\0')) throw unsafe(where, path, `symlink to ${JSON.stringify(target)} points outside the target`);
        this.resolveInside(`${posix.dirname(path)}/${target}`, where, path);
        if (existing) await this.remove(path);
        await symlink(target, abs);
        this.nodes.set(path, { kind: 'symlink', target });
        return drain();
      }
      case 'link': {
        const target = entryPath(h.linkname ?? '', where);
        if (target === undefined || this.nodes.get(target)?.kind !== 'file') throw unsafe(where, path, `hardlink to ${JSON.stringify(h.linkname)} is not a file inside the target`);
        await this.parents(target, where);
        if (existing) await this.remove(path);
        await link(join(this.root, target), abs);
        this.nodes.set(path, { kind: 'file' });
        return drain();
      }
      case 'character-device':
      case 'block-device':
      case 'fifo':
        throw unsafe(where, path, `${h.type} entries are not extracted`);
      default:
        throw unsafe(where, path, `unknown entry type ${String(h.type)}`);
    }
  }

  /** Make every parent of `path` a directory we created; a symlink or file in the way is refused or replaced. */
  private async parents(path: string, where: string): Promise<void> {
    const parts = path.split('/');
    for (let i = 1; i < parts.length; i++) {
      const dir = parts.slice(0, i).join('/');
      const node = this.nodes.get(dir);
      if (node?.kind === 'dir') continue;
      if (node?.kind === 'symlink') throw unsafe(where, path, `its parent ${dir} is a symlink`);
      if (node?.kind === 'file') await this.remove(dir);
      await mkdir(join(this.root, dir)).catch((err) => { throw ioError(err, join(this.root, dir)); });
      this.nodes.set(dir, { kind: 'dir' });
    }
  }

  /** Follow `path` through the symlinks we made; it must stay inside root. */
  private resolveInside(path: string, where: string, name: string): void {
    const stack: string[] = [];
    const todo = path.split('/').reverse();
    let hops = 0;
    while (todo.length) {
      const part = todo.pop()!;
      if (part === '' || part === '.') continue;
      if (part === '..') {
        if (!stack.length) throw unsafe(where, name, `symlink points outside the target`);
        stack.pop();
        continue;
      }
      stack.push(part);
      const node = this.nodes.get(stack.join('/'));
      if (node?.kind === 'symlink') {
        if (++hops > MAX_LINK_HOPS) throw unsafe(where, name, 'too many levels of symlinks');
        if (node.target.startsWith('/')) throw unsafe(where, name, 'symlink points outside the target');
        stack.pop();
        todo.push(...node.target.split('/').reverse());
      }
    }
  }

  private async remove(path: string): Promise<void> {
    const prefix = `${path}/`;
    for (const p of [...this.nodes.keys()]) if (p === path || p.startsWith(prefix)) this.nodes.delete(p);
    await rm(join(this.root, path), { recursive: true, force: true });
  }

  private async clearChildren(dir: string): Promise<void> {
    const abs = join(this.root, dir);
    const children = await readdir(abs).catch(() => [] as string[]);
    for (const c of children) await this.remove(dir ? `${dir}/${c}` : c);
  }
}
