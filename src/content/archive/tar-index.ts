import type { FileHandle } from 'node:fs/promises';
import { OcipkgError } from '../../errors.js';

/**
 * Index a tar file's regular files by reading only the headers: each entry's data offset and
 * size, so a blob can be streamed straight out of the archive without extracting anything.
 * Handles ustar (prefix + name), GNU long names ('L'), pax extended headers ('x', 'g'),
 * octal and base-256 sizes, and './' prefixes.
 */
export interface TarEntry {
  offset: number;
  size: number;
}

const BLOCK = 512;

function readString(buf: Buffer, start: number, len: number): string {
  const end = buf.indexOf(0, start);
  return buf.toString('utf8', start, end === -1 || end > start + len ? start + len : end);
}

function readSize(buf: Buffer, where: string): number {
  const field = buf.subarray(124, 136);
  if (field[0]! & 0x80) {
    // base-256: big-endian, the high bit of the first byte is the marker
    let n = field[0]! & 0x7f;
    for (let i = 1; i < field.length; i++) n = n * 256 + field[i]!;
    if (!Number.isSafeInteger(n)) throw new OcipkgError('E_INVALID', `${where}: tar entry too large`);
    return n;
  }
  const s = readString(field, 0, 12).trim();
  if (s === '') return 0;
  if (!/^[0-7]+$/.test(s)) throw new OcipkgError('E_INVALID', `${where}: corrupt tar header (size ${JSON.stringify(s)})`);
  return parseInt(s, 8);
}

function checksumOk(header: Buffer): boolean {
  const stored = parseInt(readString(header, 148, 8).trim(), 8);
  let sum = 0;
  for (let i = 0; i < BLOCK; i++) sum += i >= 148 && i < 156 ? 32 : header[i]!;
  return stored === sum;
}

function parsePax(data: Buffer): Record<string, string> {
  const out: Record<string, string> = {};
  let pos = 0;
  while (pos < data.length) {
    const space = data.indexOf(0x20, pos);
    if (space === -1) break;
    const len = parseInt(data.toString('utf8', pos, space), 10);
    if (!(len > 0)) break;
    const record = data.toString('utf8', space + 1, pos + len - 1);
    const eq = record.indexOf('=');
    if (eq > 0) out[record.slice(0, eq)] = record.slice(eq + 1);
    pos += len;
  }
  return out;
}

export function normaliseEntryName(name: string): string {
  let n = name;
  while (n.startsWith('./')) n = n.slice(2);
  return n.replace(/\/+$/, '');
}

export async function indexTar(fh: FileHandle, where: string): Promise<Map<string, TarEntry>> {
  const entries = new Map<string, TarEntry>();
  const { size: fileSize } = await fh.stat();
  const header = Buffer.alloc(BLOCK);
  let pos = 0;
  let longName: string | undefined;
  let pax: Record<string, string> = {};
  while (pos < fileSize) {
    const { bytesRead } = await fh.read(header, 0, BLOCK, pos);
    if (bytesRead < BLOCK) throw new OcipkgError('E_INVALID', `${where}: truncated tar archive`);
    if (header.every((b) => b === 0)) break; // end-of-archive marker
    if (!checksumOk(header)) throw new OcipkgError('E_INVALID', `${where}: not a tar archive (bad header checksum at byte ${pos})`);
    const size = readSize(header, where);
    const type = String.fromCharCode(header[156]!);
    const dataStart = pos + BLOCK;
    const next = dataStart + Math.ceil(size / BLOCK) * BLOCK;
    if (dataStart + size > fileSize) throw new OcipkgError('E_INVALID', `${where}: truncated tar archive`);
    if (type === 'L' || type === 'x') {
      if (size > 1024 * 1024) throw new OcipkgError('E_INVALID', `${where}: oversized tar extended header`);
      const data = Buffer.alloc(size);
      await fh.read(data, 0, size, dataStart);
      if (type === 'L') longName = readString(data, 0, size);
      else pax = parsePax(data);
      pos = next;
      continue;
    }
    if (type !== 'g') {
      const ustar = header.toString('latin1', 257, 262) === 'ustar';
      const prefix = ustar ? readString(header, 345, 155) : '';
      const base = readString(header, 0, 100);
      const name = pax.path ?? longName ?? (prefix ? `${prefix}/${base}` : base);
      const realSize = pax.size !== undefined ? Number(pax.size) : size;
      if (type === '0' || type === '\0' || type === '7') entries.set(normaliseEntryName(name), { offset: dataStart, size: realSize });
      const skip = pax.size !== undefined ? Math.ceil(realSize / BLOCK) * BLOCK : next - dataStart;
      pos = dataStart + skip;
    } else {
      pos = next;
    }
    longName = undefined;
    pax = {};
  }
  return entries;
}
