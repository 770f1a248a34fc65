/**
 * Running the real OpenTelemetry SDK and OTLP exporters in a child Node process, and capturing what they send.
 *
 * Why a child: the OTLP/HTTP exporters load `http` with a dynamic `import()`, which jest's module VM refuses
 * without `--experimental-vm-modules`. The child is plain Node (`--conditions=meterline-source --import tsx`),
 * so it can also `require` the workspace's TypeScript sources.
 */
import { spawn } from 'node:child_process';
import { createServer, type IncomingHttpHeaders, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';

/** What a child process printed and how it ended. */
export interface ChildResult {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs CommonJS `source` in a child Node with the repository root as cwd (so `require('./otel-processor/…')` works). */
export function runChildScript(source: string, env: Record<string, string> = {}): Promise<ChildResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(
      process.execPath,
      ['--conditions=meterline-source', '--import', 'tsx', '-e', source],
      {
        cwd: join(__dirname, '../..'),
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

/** One captured export request. */
export interface CapturedRequest {
  path: string;
  contentType: string;
  headers: IncomingHttpHeaders;
  /** The body, gunzipped when it was sent with `content-encoding: gzip`. */
  body: Buffer;
}

/** A local OTLP/HTTP receiver recording raw bodies. */
export interface CaptureServer {
  /** Base URL, e.g. `http://127.0.0.1:1234` (exporters get `${url}/v1/traces`). */
  url: string;
  requests: CapturedRequest[];
  close(): Promise<void>;
}

/** Answers a captured request; the default answers 200 with an empty body of the request's content type. */
export type CaptureResponder = (req: CapturedRequest, res: ServerResponse) => void;

function defaultResponder(req: CapturedRequest, res: ServerResponse): void {
  const json = req.contentType.includes('json');
  res.writeHead(200, { 'content-type': json ? 'application/json' : 'application/x-protobuf' });
  res.end(json ? '{}' : '');
}

/** Starts a capturing receiver on a free loopback port. */
export function startCaptureServer(respond: CaptureResponder = defaultResponder): Promise<CaptureServer> {
  const requests: CapturedRequest[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const raw = Buffer.concat(chunks);
      const captured: CapturedRequest = {
        path: new URL(req.url ?? '/', 'http://x').pathname,
        contentType: req.headers['content-type'] ?? '',
        headers: req.headers,
        body: req.headers['content-encoding'] === 'gzip' ? gunzipSync(raw) : raw,
      };
      requests.push(captured);
      respond(captured, res);
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
