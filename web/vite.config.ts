// Builds the console's single-page app from web/ into dist/web/, which the hub's console server
// serves (src/console/static-files.ts). `npm run dev` serves it with hot reload and forwards the
// API to a running hub (E2E_CONSOLE_URL, default http://127.0.0.1:3000).
import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vite';

const root = fileURLToPath(new URL('.', import.meta.url));
const hub = process.env['E2E_CONSOLE_URL'] ?? 'http://127.0.0.1:3000';

export default defineConfig({
  root,
  base: '/',
  publicDir: 'public',
  // JSX without a framework plugin: the transform is told to use Preact's automatic runtime.
  oxc: { jsx: { runtime: 'automatic', importSource: 'preact' } },
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    // The console's CSP is default-src 'self': no inline scripts, so no inline preload polyfill.
    modulePreload: { polyfill: false },
    assetsInlineLimit: 0,
    sourcemap: true,
    target: 'es2022',
    reportCompressedSize: false,
  },
  server: {
    host: '127.0.0.1',
    proxy: { '/api': hub, '/healthz': hub, '/readyz': hub },
  },
});
