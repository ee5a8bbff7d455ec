import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { extname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';

/**
 * Serves the console's built single-page app (`dist/web/`, made by `npm run build` from `web/`).
 *
 * The whole build is read into memory once (it is a few hundred KiB; a cap guards against pointing
 * it at a wrong directory), so a request never touches the file system and a request path is only
 * ever a key in a map: no path joins, no traversal. Any other GET that is not an asset gets
 * `index.html` (the SPA's router draws the page for that URL, so deep links work on reload).
 */
export interface StaticFiles {
  /** Answers a GET/HEAD for a non-API path. */
  serve(req: IncomingMessage, res: ServerResponse, pathname: string): Promise<void>;
}

export interface StaticFilesOptions {
  /** Directory of the built app; default `dist/web` beside the compiled server. */
  root?: string;
  /** Refuse to load more than this in all (protects memory if `root` points somewhere wrong). */
  maxTotalBytes?: number;
}

/**
 * Default location: built, this file is `dist/src/console/static-files.js` and the app `dist/web/`;
 * run from the sources (tsx) it is `src/console/static-files.ts` and the app still `dist/web/`.
 */
export const DEFAULT_WEB_ROOT = fileURLToPath(new URL(import.meta.url.includes('/dist/src/') ? '../../web/' : '../../dist/web/', import.meta.url));

const DEFAULT_MAX_TOTAL_BYTES = 64 * 1024 * 1024;
/** Text files smaller than this are not worth compressing. */
const MIN_GZIP_BYTES = 1024;

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json; charset=utf-8',
  '.map': 'application/json; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.webp': 'image/webp',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};
const COMPRESSIBLE = new Set(['.html', '.js', '.mjs', '.css', '.json', '.map', '.svg', '.txt']);

/**
 * Only same-origin scripts, styles, images, fonts and API calls; no inline script or style
 * elements, no plugins, no framing, no <base> rewrites. Script-set style properties (charts, bar
 * widths) go through the CSSOM, which CSP does not restrict.
 */
export const CONSOLE_CSP = "default-src 'self'; base-uri 'none'; object-src 'none'; frame-ancestors 'none'; form-action 'self'";

const SECURITY_HEADERS = {
  'content-security-policy': CONSOLE_CSP,
  'x-content-type-options': 'nosniff',
  'referrer-policy': 'no-referrer',
  'x-frame-options': 'DENY',
  'cross-origin-opener-policy': 'same-origin',
} as const;

interface Asset {
  body: Buffer;
  gzip: Buffer | null;
  type: string;
  etag: string;
  cacheControl: string;
}

type Loaded = { ok: true; assets: Map<string, Asset>; index: Asset } | { ok: false; reason: string };

/** Vite names built assets `name-<hash>.ext` under /assets/: their content never changes under a name. */
function isHashed(urlPath: string): boolean {
  return urlPath.startsWith('/assets/') && /-[A-Za-z0-9_-]{8,}\.[a-z0-9]+$/.test(urlPath);
}

async function listFiles(dir: string): Promise<string[]> {
  const out: string[] = [];
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const p = join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFiles(p)));
    else if (entry.isFile()) out.push(p);
  }
  return out;
}

async function load(root: string, maxTotalBytes: number): Promise<Loaded> {
  let files: string[];
  try {
    if (!(await stat(root)).isDirectory()) return { ok: false, reason: `${root} is not a directory` };
    files = await listFiles(root);
  } catch {
    return { ok: false, reason: `the console UI is not built (${root} is missing): run npm run build` };
  }
  const assets = new Map<string, Asset>();
  let total = 0;
  for (const file of files) {
    const ext = extname(file).toLowerCase();
    const type = CONTENT_TYPES[ext];
    if (type === undefined) continue;
    const body = await readFile(file);
    total += body.length;
    if (total > maxTotalBytes) return { ok: false, reason: `${root} holds more than ${maxTotalBytes} bytes; is it the console build?` };
    const urlPath = `/${relative(root, file).split(sep).join('/')}`;
    assets.set(urlPath, {
      body,
      gzip: COMPRESSIBLE.has(ext) && body.length >= MIN_GZIP_BYTES ? gzipSync(body, { level: 9 }) : null,
      type,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      // index.html names the current hashed bundles, so it must be revalidated on every load.
      cacheControl: isHashed(urlPath) ? 'public, max-age=31536000, immutable' : ext === '.html' ? 'no-cache' : 'public, max-age=3600',
    });
  }
  const index = assets.get('/index.html');
  if (index === undefined) return { ok: false, reason: `${root}/index.html is missing: run npm run build` };
  return { ok: true, assets, index };
}

function acceptsGzip(req: IncomingMessage): boolean {
  const ae = req.headers['accept-encoding'];
  if (typeof ae !== 'string') return false;
  return ae.split(',').some((part) => {
    const [name = '', ...params] = part.split(';').map((x) => x.trim());
    if (name.toLowerCase() !== 'gzip') return false;
    const q = params.find((x) => x.startsWith('q='));
    return q === undefined || Number(q.slice(2)) > 0;
  });
}

function send(req: IncomingMessage, res: ServerResponse, asset: Asset): void {
  const headers: Record<string, string | number> = { ...SECURITY_HEADERS, 'content-type': asset.type, 'cache-control': asset.cacheControl, etag: asset.etag, vary: 'accept-encoding' };
  const inm = req.headers['if-none-match'];
  if (typeof inm === 'string' && inm.split(',').some((t) => t.trim().replace(/^W\//, '') === asset.etag)) {
    res.writeHead(304, headers);
    res.end();
    return;
  }
  const body = asset.gzip !== null && acceptsGzip(req) ? asset.gzip : asset.body;
  if (body === asset.gzip) headers['content-encoding'] = 'gzip';
  headers['content-length'] = body.length;
  res.writeHead(200, headers);
  res.end(req.method === 'HEAD' ? undefined : body);
}

function sendText(res: ServerResponse, status: number, text: string, extra: Record<string, string> = {}): void {
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/plain; charset=utf-8', 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text), ...extra });
  res.end(text);
}

export function createStaticFiles(options: StaticFilesOptions = {}): StaticFiles {
  const root = options.root ?? DEFAULT_WEB_ROOT;
  const maxTotalBytes = options.maxTotalBytes ?? DEFAULT_MAX_TOTAL_BYTES;
  // Loaded on first use, once; a missing build is reported on every request until a restart.
  let loaded: Promise<Loaded> | undefined;

  return {
    async serve(req, res, pathname) {
      if (req.method !== 'GET' && req.method !== 'HEAD') return sendText(res, 405, `${req.method ?? ''} is not supported here\n`, { allow: 'GET, HEAD' });
      loaded ??= load(root, maxTotalBytes);
      const build = await loaded;
      if (!build.ok) return sendText(res, 503, `${build.reason}\n`);
      const asset = build.assets.get(pathname);
      if (asset !== undefined) return send(req, res, asset);
      // A missing file (an old bundle name, a typo) must not turn into HTML that the browser then
      // tries to run as a script: only extension-less paths are app routes.
      if (pathname.startsWith('/assets/') || extname(pathname) !== '') return sendText(res, 404, `no file ${pathname}\n`);
      return send(req, res, build.index);
    },
  };
}

/**
 * `/metrics` is both the hub's Prometheus endpoint and the console's metric explorer URL. A
 * browser navigating there asks for HTML first; Prometheus and curl never do.
 */
export function prefersHtml(req: IncomingMessage): boolean {
  const accept = req.headers.accept;
  if (typeof accept !== 'string') return false;
  const first = accept.split(',')[0]?.trim().toLowerCase() ?? '';
  return first.startsWith('text/html');
}
