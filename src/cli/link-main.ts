#!/usr/bin/env node
import { resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { OcipkgError } from '../errors.js';
import { copyRuntime } from '../link/copy.js';
import { cflags, detectFormat, includeFlags, ldflags, libDirFlags, libFlags, quotePath, rpathFlags, type OutputFormat } from '../link/flags.js';
import { findPackageDir, ready } from '../link/resolve-installed.js';
import { targetPlatform } from '../platform/host.js';
import { version } from './version.js';
import { reportError } from './report.js';
import { isEntryPoint, stopOnClosedStdout } from './entry.js';

const MODES = ['include', 'cflags', 'libs', 'lib-dir', 'ldflags', 'rpath', 'prefix', 'cmake-prefix', 'copy'] as const;
type Mode = (typeof MODES)[number];

const HELP = `usage: ocipkg-link [NAME] (--include | --cflags | --libs | --lib-dir | --ldflags | --rpath | --prefix | --cmake-prefix | --copy DIR)

Prints what a build needs to use a native dependency from package.json's "ocipkg" field, on one
line, for node-gyp's <!@(...) and a shell's $(...). NAME picks the dependency when there are
several. A dependency not installed yet is installed first, so \`node-gyp rebuild\` alone works.

  --include        include directories
  --cflags         -I flags plus the compiler flags the artifact records
  --lib-dir        library directories
  --libs           linker inputs: -L… -lNAME (full .lib paths on Windows) plus recorded flags
  --ldflags        --libs plus --rpath
  --rpath          runtime search path: $ORIGIN (next to the addon) and the cache prefix
  --prefix         the unpacked artifact
  --cmake-prefix   a directory for CMAKE_PREFIX_PATH: find_package(NAME CONFIG REQUIRED) works
  --copy DIR       copy the shared libraries (.so*, .dylib, .dll) into DIR; prints the copies

  --platform P     for another platform than this machine (also OCIPKG_PLATFORM)
  --format F       gyp or shell; default gyp when run by node-gyp, else shell
  --offline        lockfile and cache only (also OCIPKG_OFFLINE=1)
`;

export function render(mode: Exclude<Mode, 'copy'>, r: Awaited<ReturnType<typeof ready>>, format: OutputFormat): string[] {
  switch (mode) {
    case 'include':
      return includeFlags(r.info, format);
    case 'cflags':
      return cflags(r.info, format);
    case 'libs':
      return libFlags(r.info, format);
    case 'lib-dir':
      return libDirFlags(r.info, format);
    case 'ldflags':
      return ldflags(r.info, format);
    case 'rpath':
      return rpathFlags(r.info, format);
    case 'prefix':
      return [quotePath(r.prefix, format)];
    case 'cmake-prefix':
      return [quotePath(r.cmakePrefix, format)];
  }
}

export async function linkMain(argv: string[], io = { stdout: process.stdout, stderr: process.stderr }): Promise<number> {
  try {
    let parsed;
    try {
      parsed = parseArgs({
        args: argv,
        allowPositionals: true,
        options: {
          ...Object.fromEntries(MODES.filter((m) => m !== 'copy').map((m) => [m, { type: 'boolean' as const }])),
          copy: { type: 'string' },
          platform: { type: 'string' },
          format: { type: 'string' },
          offline: { type: 'boolean' },
          help: { type: 'boolean', short: 'h' },
          version: { type: 'boolean', short: 'V' },
        },
      });
    } catch (err) {
      throw new OcipkgError('E_USAGE', `ocipkg-link: ${(err as Error).message.split('\n')[0]} (see ocipkg-link --help)`);
    }
    const { positionals } = parsed;
    const values = parsed.values as Record<string, string | boolean | undefined>;
    if (values.help) {
      io.stdout.write(HELP);
      return 0;
    }
    if (values.version) {
      io.stdout.write(`${version()}\n`);
      return 0;
    }
    const modes = MODES.filter((m) => values[m] !== undefined && values[m] !== false);
    if (modes.length !== 1) throw new OcipkgError('E_USAGE', `ocipkg-link: give exactly one of ${MODES.map((m) => `--${m}`).join(', ')}`);
    if (positionals.length > 1) throw new OcipkgError('E_USAGE', `ocipkg-link: expected at most one NAME, got ${positionals.join(' ')}`);
    const format = values.format ?? detectFormat();
    if (format !== 'gyp' && format !== 'shell') throw new OcipkgError('E_USAGE', `--format: ${JSON.stringify(format)} is not gyp or shell`);
    const dir = await findPackageDir(process.cwd());
    const platform = targetPlatform(values.platform as string | undefined);
    const r = await ready(dir, positionals[0], platform, { log: (l) => io.stderr.write(`${l}\n`), ...(values.offline ? { offline: true } : {}) });
    const mode = modes[0]!;
    const words = mode === 'copy' ? (await copyRuntime(r.info, resolve(values.copy as string))).map((p) => quotePath(p, format)) : render(mode, r, format);
    io.stdout.write(`${words.join(' ')}\n`);
    return 0;
  } catch (err) {
    return reportError(err, io.stderr);
  }
}

if (isEntryPoint(import.meta.url)) {
  stopOnClosedStdout();
  process.exitCode = await linkMain(process.argv.slice(2));
}
