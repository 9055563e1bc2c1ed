import { createServer, request as httpRequest, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A small HTTP proxy in front of a real server (the test registry) that can inject faults:
 * answer with a status of its choosing, cut the connection mid-body, end the body early,
 * flip a byte, or rewrite a small response. Every request it sees is recorded with headers.
 */
export type Action =
  | undefined
  | { respond: { status: number; headers?: Record<string, string>; body?: string } }
  | { resetAfter: number }
  | { truncateAfter: number }
  | { corruptAt: number }
  /** Pass the body on slowly: a pause of this many milliseconds after every chunk. */
  | { slow: number }
  /** Send the headers and this many body bytes, then nothing more (the connection stays open). */
  | { stallAfter: number }
  /** Never answer (the connection stays open). */
  | { silent: true }
  /** Take this many bytes of the request's body, then break the connection (an upload cut off). */
  | { dropRequestAfter: number }
  | { rewrite: (status: number, headers: Record<string, string | string[] | undefined>, body: Buffer) => { status: number; headers: Record<string, string | string[] | undefined>; body: Buffer } };

export interface SeenRequest {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
}

export interface Proxy {
  url: string;
  host: string;
  seen: SeenRequest[];
  close(): Promise<void>;
}

export async function startProxy(target: string, rule: (req: IncomingMessage, n: number) => Action, bind = '127.0.0.1'): Promise<Proxy> {
  const seen: SeenRequest[] = [];
  const t = new URL(target);
  const server = createServer((req, res) => {
    seen.push({ method: req.method!, url: req.url!, headers: req.headers });
    const action = rule(req, seen.length);
    if (action && 'silent' in action) {
      req.resume();
      return;
    }
    if (action && 'dropRequestAfter' in action) {
      let got = 0;
      req.on('data', (c: Buffer) => {
        got += c.length;
        if (got >= action.dropRequestAfter) req.socket.destroy();
      });
      return;
    }
    if (action && 'respond' in action) {
      res.writeHead(action.respond.status, action.respond.headers ?? {});
      req.resume();
      res.end(action.respond.body ?? '');
      return;
    }
    forward(req, res, t, action);
  });
  await new Promise<void>((r) => server.listen(0, bind, r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${bind}:${port}`,
    host: `${bind}:${port}`,
    seen,
    close: () =>
      new Promise((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

function forward(req: IncomingMessage, res: ServerResponse, t: URL, action: Action): void {
  // The registry builds upload locations from X-Forwarded-Host, so they point back at the proxy.
  const headers = { ...req.headers, host: t.host, 'x-forwarded-host': req.headers.host };
  const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers }, (upRes) => {
    const status = upRes.statusCode ?? 502;
    if (action && 'rewrite' in action) {
      const chunks: Buffer[] = [];
      upRes.on('data', (c: Buffer) => chunks.push(c));
      upRes.on('end', () => {
        const out = action.rewrite(status, { ...upRes.headers }, Buffer.concat(chunks));
        delete out.headers['content-length'];
        delete out.headers['transfer-encoding'];
        res.writeHead(out.status, { ...out.headers, 'content-length': String(out.body.length) } as Record<string, string>);
        res.end(out.body);
      });
      return;
    }
    res.writeHead(status, upRes.headers);
    let sent = 0;
    upRes.on('data', (chunk: Buffer) => {
      if (sent === Infinity) return;
      if (action && 'resetAfter' in action && sent + chunk.length > action.resetAfter) {
        upRes.destroy();
        // Let the bytes before the cut reach the client and be read (a reset discards what the
        // client has received but not yet consumed, and a loaded CI machine reads late), then
        // break the connection.
        res.write(chunk.subarray(0, Math.max(0, action.resetAfter - sent)), () => setTimeout(() => res.socket?.destroy(), 250));
        sent = Infinity;
        return;
      }
      if (action && 'stallAfter' in action && sent + chunk.length > action.stallAfter) {
        upRes.destroy();
        res.write(chunk.subarray(0, Math.max(0, action.stallAfter - sent)));
        sent = Infinity;
        return;
      }
      if (action && 'truncateAfter' in action && sent + chunk.length > action.truncateAfter) {
        upRes.destroy();
        res.write(chunk.subarray(0, Math.max(0, action.truncateAfter - sent)), () => res.socket?.end());
        sent = Infinity;
        return;
      }
      if (action && 'corruptAt' in action && action.corruptAt >= sent && action.corruptAt < sent + chunk.length) {
        chunk = Buffer.from(chunk);
        chunk[action.corruptAt - sent] = chunk[action.corruptAt - sent]! ^ 0xff;
      }
      sent += chunk.length;
      res.write(chunk);
      if (action && 'slow' in action) {
        upRes.pause();
        setTimeout(() => upRes.resume(), action.slow);
      }
    });
    upRes.on('end', () => res.end());
  });
  up.on('error', () => {
    if (!(action && 'stallAfter' in action)) res.socket?.destroy();
  });
  req.pipe(up);
}
