/**
 * `npm run bench`: ocipkg against skopeo and `curl | sha256sum` on this machine, in one run,
 * against a real registry on loopback. Reports medians and ratios (machines are noisy; ratios
 * travel). Writes the table to stdout; BENCHMARKS.md records a run.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startRegistry } from '../test/helpers/registry.js';

const SIZE_MIB = Number(process.env.BENCH_MIB ?? 256);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const ROOT = join(import.meta.dirname, '..');
const CLI = join(ROOT, 'dist', 'cli', 'main.js');

/** GNU time, when installed, reports each command's peak RSS (the largest process of its tree). */
const GNU_TIME = existsSync('/usr/bin/time') ? '/usr/bin/time' : undefined;
/** Peak RSS in MiB per row name, the largest seen over its runs. */
const peaks = new Map<string, number>();
let current = '';

function time(cmd: string, args: string[], opts: { env?: NodeJS.ProcessEnv; shell?: boolean; cwd?: string } = {}): number {
  const rssFile = join(work, 'rss');
  const [c, a] = GNU_TIME ? [GNU_TIME, ['-f', '%M', '-o', rssFile, cmd, ...args]] : [cmd, args];
  const t0 = process.hrtime.bigint();
  const r = spawnSync(c, a, { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, CI: 'true', ...opts.env }, shell: opts.shell ?? false, cwd: opts.cwd });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  if (GNU_TIME) {
    const mib = Number(readFileSync(rssFile, 'utf8').trim()) / 1024;
    peaks.set(current, Math.max(peaks.get(current) ?? 0, mib));
  }
  return ms;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

function bench(name: string, prepare: () => void, run: () => number): number {
  current = name;
  const times: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    prepare();
    times.push(run());
  }
  const m = median(times);
  process.stderr.write(`  ${name}: ${m.toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')})\n`);
  return m;
}

const work = mkdtempSync(join(tmpdir(), 'ocipkg-bench-'));
const reg = await startRegistry();
try {
  process.stderr.write(`bench: ${SIZE_MIB} MiB of random data in one layer, median of ${RUNS} runs, registry on ${reg.host}\n`);
  const files = join(work, 'files');
  mkdirSync(files);
  writeFileSync(join(files, 'payload.bin'), randomBytes(SIZE_MIB * 1024 * 1024));
  execFileSync(process.execPath, [CLI, 'build', files, '--tag', `${reg.host}/bench/src:1`], { stdio: 'ignore' });
  const manifest = JSON.parse(execFileSync('skopeo', ['inspect', '--tls-verify=false', '--raw', `docker://${reg.host}/bench/src:1`]).toString());
  const layer = manifest.layers[0].digest as string;
  const out = join(work, 'out');
  const clean = () => rmSync(out, { recursive: true, force: true });
  const skopeo = (src: string, dst: string) => time('skopeo', ['--insecure-policy', 'copy', '--src-tls-verify=false', '--dest-tls-verify=false', '--preserve-digests', src, dst]);

  process.stderr.write('pull (registry → oci: layout)\n');
  const curl = bench('curl | sha256sum', () => {}, () => time('sh', ['-c', `curl -sf ${reg.url}/v2/bench/src/blobs/${layer} | sha256sum > /dev/null`]));
  const ocipkgPull = bench('pull: ocipkg copy', clean, () => time(process.execPath, [CLI, 'copy', `${reg.host}/bench/src:1`, `oci:${out}:1`]));
  const skopeoPull = bench('pull: skopeo copy', clean, () => skopeo(`docker://${reg.host}/bench/src:1`, `oci:${out}:1`));

  // A new registry for every push: skopeo remembers where blobs are (its blob-info cache) and
  // would mount them instead of uploading; neither tool may skip the upload.
  process.stderr.write('push (oci: layout → a fresh registry each run)\n');
  const pushBench = async (name: string, run: (host: string) => number): Promise<number> => {
    current = name;
    const times: number[] = [];
    for (let i = 0; i < RUNS; i++) {
      const target = await startRegistry();
      try {
        times.push(run(target.host));
      } finally {
        await target.stop();
      }
    }
    const m = median(times);
    process.stderr.write(`  ${name}: ${m.toFixed(0)} ms (runs: ${times.map((t) => t.toFixed(0)).join(', ')})\n`);
    return m;
  };
  const ocipkgPush = await pushBench('push: ocipkg copy', (host) => time(process.execPath, [CLI, 'copy', `oci:${out}:1`, `${host}/bench/push:1`]));
  const skopeoPush = await pushBench('push: skopeo copy', (host) => skopeo(`oci:${out}:1`, `docker://${host}/bench/push:1`));

  process.stderr.write('install (package.json → cache → unpacked tree)\n');
  const pkg = join(work, 'pkg');
  mkdirSync(pkg);
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'b', ocipkg: { image: `${reg.host}/bench/src:1` } }));
  const cache = join(work, 'cache');
  const cold = bench('install, empty cache', () => {
    rmSync(cache, { recursive: true, force: true });
    rmSync(join(pkg, 'ocipkg-lock.json'), { force: true });
  }, () => time(process.execPath, [CLI, 'install'], { cwd: pkg, env: { OCIPKG_CACHE_DIR: cache } }));
  const warm = bench('install, warm (lockfile + cache)', () => {}, () => time(process.execPath, [CLI, 'install'], { cwd: pkg, env: { OCIPKG_CACHE_DIR: cache } }));

  const r = (a: number, b: number) => `${(a / b).toFixed(2)}×`;
  const rows = [
    ['curl | sha256sum', curl, '', '1.00× curl|sha256sum'],
    ['pull: ocipkg copy', ocipkgPull, `${r(ocipkgPull, skopeoPull)} skopeo`, `${r(ocipkgPull, curl)} curl|sha256sum`],
    ['pull: skopeo copy', skopeoPull, '1.00× skopeo', `${r(skopeoPull, curl)} curl|sha256sum`],
    ['push: ocipkg copy', ocipkgPush, `${r(ocipkgPush, skopeoPush)} skopeo`, ''],
    ['push: skopeo copy', skopeoPush, '1.00× skopeo', ''],
    ['install, empty cache', cold, `${r(cold, skopeoPull)} skopeo pull`, `${r(cold, curl)} curl|sha256sum`],
    ['install, warm (lockfile + cache)', warm, '', ''],
  ];
  const rss = (name: string) => (peaks.has(name) ? `${peaks.get(name)!.toFixed(0)}` : '–');
  console.log(`| ${SIZE_MIB} MiB, median of ${RUNS} | ms | vs skopeo | vs floor | peak RSS MiB |\n|---|---|---|---|---|`);
  const cell = (v: string) => v.replace(/\|/g, '\\|');
  for (const [name, ms, a, b] of rows) console.log(`| ${cell(name as string)} | ${(ms as number).toFixed(0)} | ${cell(a as string)} | ${cell(b as string)} | ${rss(name as string)} |`);
} finally {
  await reg.stop();
  rmSync(work, { recursive: true, force: true });
}
