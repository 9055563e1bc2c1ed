import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * A real CNCF distribution registry (Debian's docker-registry) on a free 127.0.0.1 port, with
 * its storage in a temp dir, optionally behind htpasswd basic auth. `requests()` parses the
 * registry's own access log, so tests assert what the registry received, not what we think we sent.
 */
export interface RequestLogEntry {
  method: string;
  path: string;
  status: number;
}

export interface Registry {
  host: string;
  url: string;
  storageDir: string;
  requests(): RequestLogEntry[];
  /** Forget the requests seen so far. */
  resetRequests(): void;
  /** Wait until the access log has caught up (it is written after the response). */
  settle(): Promise<void>;
  stop(): Promise<void>;
}

const running = new Set<ChildProcess>();
process.on('exit', () => {
  for (const p of running) p.kill('SIGKILL');
});

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

const ACCESS = /"([A-Z]+) (\S+) HTTP\/[\d.]+" (\d{3}) /;

/**
 * `tls` serves HTTPS with that certificate and key (PEM files); `url` is then https. Callers
 * trust the certificate themselves (NODE_EXTRA_CA_CERTS in a child), since loopback registries
 * are spoken to over plain HTTP unless the name is not a loopback one (through a proxy).
 */
export async function startRegistry(opts: { auth?: { user: string; password: string }; tls?: { cert: string; key: string } } = {}): Promise<Registry> {
  const dir = await mkdtemp(join(tmpdir(), 'ocipkg-registry-'));
  const storageDir = join(dir, 'storage');
  let authBlock = '';
  if (opts.auth) {
    const line = execFileSync('htpasswd', ['-Bbn', opts.auth.user, opts.auth.password]).toString().trim();
    await writeFile(join(dir, 'htpasswd'), `${line}\n`);
    authBlock = `auth:\n  htpasswd:\n    realm: ocipkg-test\n    path: ${join(dir, 'htpasswd')}\n`;
  }
  for (let attempt = 0; attempt < 5; attempt++) {
    const port = await freePort();
    const config = `version: 0.1
log:
  level: info
  formatter: text
  accesslog:
    disabled: false
storage:
  filesystem:
    rootdirectory: ${storageDir}
  delete:
    enabled: true
  maintenance:
    uploadpurging:
      enabled: false
http:
  addr: 127.0.0.1:${port}
  secret: ocipkg-test-secret
${opts.tls ? `  tls:\n    certificate: ${opts.tls.cert}\n    key: ${opts.tls.key}\n` : ''}${authBlock}`;
    await writeFile(join(dir, 'config.yml'), config);
    const child = spawn('docker-registry', ['serve', join(dir, 'config.yml')], { stdio: ['ignore', 'pipe', 'pipe'] });
    running.add(child);
    let output = '';
    let log: RequestLogEntry[] = [];
    let pendingLine = '';
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.length > 200_000) output = output.slice(-100_000);
      const text = pendingLine + chunk.toString();
      const lines = text.split('\n');
      pendingLine = lines.pop() ?? '';
      for (const l of lines) {
        const m = ACCESS.exec(l);
        if (m) log.push({ method: m[1]!, path: m[2]!, status: Number(m[3]) });
      }
    };
    child.stdout!.on('data', onData);
    child.stderr!.on('data', onData);
    const url = `${opts.tls ? 'https' : 'http'}://127.0.0.1:${port}`;
    const up = await waitUp(url, child, opts.tls && (await readFile(opts.tls.cert, 'utf8')));
    if (!up) {
      child.kill('SIGKILL');
      running.delete(child);
      if (/address already in use/.test(output)) continue;
      await rm(dir, { recursive: true, force: true });
      throw new Error(`docker-registry did not start: ${output.slice(-2000)}`);
    }
    log = [];
    return {
      host: `127.0.0.1:${port}`,
      url,
      storageDir,
      requests: () => [...log],
      resetRequests: () => {
        log = [];
      },
      settle: () => new Promise((r) => setTimeout(r, 150)),
      stop: async () => {
        if (child.exitCode === null) {
          const exited = new Promise((r) => child.once('exit', r));
          child.kill('SIGTERM');
          await Promise.race([exited, new Promise((r) => setTimeout(r, 3000))]);
          if (child.exitCode === null) child.kill('SIGKILL');
        }
        running.delete(child);
        await rm(dir, { recursive: true, force: true });
      },
    };
  }
  throw new Error('docker-registry: no free port after 5 attempts');
}

/** GET /v2/ answered (200, or 401 behind auth); over TLS, checked against `ca`. */
function probe(url: string, ca?: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const req = (ca ? httpsGet : httpGet)(`${url}/v2/`, ca ? { ca, servername: 'localhost', checkServerIdentity: () => undefined } : {}, (res) => {
      res.resume();
      res.on('end', () => resolve(res.statusCode ?? 0));
    });
    req.on('error', reject);
  });
}

async function waitUp(url: string, child: ChildProcess, ca?: string): Promise<boolean> {
  const deadline = Date.now() + 15_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) return false;
    try {
      const status = await probe(url, ca);
      if (status === 200 || status === 401) return true;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  return false;
}
