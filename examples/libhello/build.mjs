#!/usr/bin/env node
// Builds libhello into an install prefix: include/hello.h, lib/libhello.so.MAJOR.MINOR.PATCH with
// its soname and development symlinks, and lib/libhello.a.
//   node examples/libhello/build.mjs PREFIX [--version 1.2.0] [--answer 42]
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

const here = dirname(fileURLToPath(import.meta.url));

export function buildHello(prefix, { version = '1.0.0', answer = 42, cc = process.env.CC || 'cc' } = {}) {
  const major = version.split('.')[0];
  const lib = join(prefix, 'lib');
  const inc = join(prefix, 'include');
  mkdirSync(lib, { recursive: true });
  mkdirSync(inc, { recursive: true });
  copyFileSync(join(here, 'include', 'hello.h'), join(inc, 'hello.h'));
  const defines = [`-DHELLO_VERSION="${version}"`, `-DHELLO_ANSWER=${Number(answer)}`];
  const src = join(here, 'src', 'hello.c');
  const real = `libhello.so.${version}`;
  execFileSync(cc, ['-O2', '-fPIC', '-shared', `-Wl,-soname,libhello.so.${major}`, ...defines,
    `-I${join(here, 'include')}`, '-o', join(lib, real), src], { stdio: 'inherit' });
  for (const [name, target] of [[`libhello.so.${major}`, real], ['libhello.so', `libhello.so.${major}`]]) {
    rmSync(join(lib, name), { force: true });
    symlinkSync(target, join(lib, name));
  }
  const obj = join(lib, 'hello.o');
  execFileSync(cc, ['-O2', '-fPIC', '-c', ...defines, `-I${join(here, 'include')}`, '-o', obj, src], { stdio: 'inherit' });
  rmSync(join(lib, 'libhello.a'), { force: true });
  execFileSync('ar', ['rcs', join(lib, 'libhello.a'), obj], { stdio: 'inherit' });
  rmSync(obj);
  return prefix;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  const { positionals, values } = parseArgs({
    allowPositionals: true,
    options: { version: { type: 'string' }, answer: { type: 'string' } },
  });
  if (positionals.length !== 1) {
    console.error('usage: node examples/libhello/build.mjs PREFIX [--version X.Y.Z] [--answer N]');
    process.exit(2);
  }
  buildHello(resolve(positionals[0]), { version: values.version, answer: values.answer ?? 42 });
}
