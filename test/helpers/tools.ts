import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

async function run(cmd: string, args: string[], opts: { cwd?: string } = {}): Promise<string> {
  try {
    const { stdout } = await exec(cmd, args, { maxBuffer: 64 * 1024 * 1024, ...opts });
    return stdout;
  } catch (err) {
    const e = err as { stderr?: string; message: string };
    throw new Error(`${cmd} ${args.join(' ')} failed: ${(e.stderr || e.message).trim()}`);
  }
}

/** skopeo with no signature policy and plain HTTP to loopback registries. */
export function skopeo(args: string[]): Promise<string> {
  const [verb, ...rest] = args;
  const tls = verb === 'copy' ? ['--src-tls-verify=false', '--dest-tls-verify=false'] : verb === 'inspect' || verb === 'list-tags' ? ['--tls-verify=false'] : [];
  return run('skopeo', ['--insecure-policy', verb!, ...tls, ...rest]);
}

export function umoci(args: string[], opts: { cwd?: string } = {}): Promise<string> {
  return run('umoci', args, opts);
}
