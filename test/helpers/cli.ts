import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../..', import.meta.url));
export const CLI = `${ROOT}dist/cli/main.js`;
export const LINK_CLI = `${ROOT}dist/cli/link-main.js`;

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

/**
 * Run a node script. The environment is this one with CI=true and no OCIPKG_DEBUG unless given,
 * plus `env`; with `exactEnv` it is `env` alone.
 */
export function spawnNode(script: string, args: string[], opts: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string; exactEnv?: boolean } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env: NodeJS.ProcessEnv = opts.exactEnv ? { ...opts.env } : { ...process.env, CI: 'true', ...opts.env };
    if (!opts.exactEnv) delete env.OCIPKG_DEBUG;
    if (!opts.exactEnv && opts.env?.OCIPKG_DEBUG) env.OCIPKG_DEBUG = opts.env.OCIPKG_DEBUG;
    const child = spawn(process.execPath, [script, ...args], { cwd: opts.cwd ?? ROOT, env, stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c) => (stdout += c));
    child.stderr.on('data', (c) => (stderr += c));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code: code ?? -1, stdout, stderr }));
    child.stdin.end(opts.input ?? '');
  });
}

/** Run the built `ocipkg` binary (dist/; `npm test` builds first). */
export function runCli(args: string[], opts?: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string }): Promise<CliResult> {
  return spawnNode(CLI, args, opts);
}

/** Run the built `ocipkg-link` binary. */
export function runLink(args: string[], opts?: { env?: NodeJS.ProcessEnv; cwd?: string; input?: string }): Promise<CliResult> {
  return spawnNode(LINK_CLI, args, opts);
}
