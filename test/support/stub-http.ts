/**
 * A tiny scripted HTTP server for unit tests of HTTP clients: each request is recorded (method, URL,
 * headers, body — gunzipped when `content-encoding: gzip`) and answered by the test's handler.
 */
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import { gunzipSync } from 'node:zlib';
import type { AddressInfo } from 'node:net';

/** One request the stub received. */
export interface StubRequest {
  method: string;
  url: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingHttpHeaders;
  /** The body as sent (possibly gzipped). */
  rawBody: Buffer;
  /** The body as text, gunzipped if needed. */
  body: string;
}

/** Answers a request; `index` is 0 for the first request. */
export type StubHandler = (req: StubRequest, res: ServerResponse, index: number) => void;

/** A running stub. */
export interface StubServer {
  url: string;
  requests: StubRequest[];
  close(): Promise<void>;
}

/** Starts a stub on a free loopback port. */
export function startStub(handler: StubHandler): Promise<StubServer> {
  const requests: StubRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const rawBody = Buffer.concat(chunks);
      const body =
        req.headers['content-encoding'] === 'gzip'
          ? gunzipSync(rawBody).toString('utf8')
          : rawBody.toString('utf8');
      const u = new URL(req.url ?? '/', 'http://stub');
      const r: StubRequest = {
        method: req.method ?? '',
        url: req.url ?? '',
        path: u.pathname,
        query: u.searchParams,
        headers: req.headers,
        rawBody,
        body,
      };
      requests.push(r);
      handler(r, res, requests.length - 1);
    });
  });
  return new Promise((resolve) => {
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as AddressInfo;
      resolve({
        url: `http://127.0.0.1:${port}`,
        requests,
        close: () =>
          new Promise<void>((done) => {
            server.closeAllConnections();
            server.close(() => done());
          }),
      });
    });
  });
}

/** Sends a JSON response. */
export function sendJson(
  res: ServerResponse,
  status: number,
  body: unknown,
  headers: Record<string, string> = {},
): void {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
}
