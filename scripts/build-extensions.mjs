// Bundle the UI extensions with esbuild into extensions/<name>/dist/, one file per target
// module, and report each bundle's size raw and gzipped (Shopify's limit: 64 KB compressed).
// CANCEL_APP_URL bakes the backend's origin in; unset, the bundle asks the page's origin.
// Usage: node scripts/build-extensions.mjs [--json] [--watch]
// --watch (`make dev`): after the build, rebuild a bundle whenever a file it is made of changes.

import { readFileSync, rmSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { gzipSync } from 'node:zlib';
import { build, context } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
export const LIMIT = 64 * 1024;
const EXTENSIONS = ['cancel-thank-you', 'cancel-order-action', 'withdraw-order-action'];

// The `module = "./src/X.js"` lines of an extension's TOML: the entry points Shopify builds.
function modules(extension) {
  const toml = readFileSync(join(root, 'extensions', extension, 'shopify.extension.toml'), 'utf8');
  return [...toml.matchAll(/^module\s*=\s*"([^"]+)"/gm)].map((m) => m[1]);
}

const define = process.env.CANCEL_APP_URL
  ? { __APP_URL__: JSON.stringify(process.env.CANCEL_APP_URL) }
  : {};

function options(dir, module) {
  return {
    entryPoints: [join(dir, module)],
    outfile: join(dir, 'dist', basename(module)),
    bundle: true,
    format: 'esm',
    minify: true,
    target: 'es2020',
    legalComments: 'none',
    define,
    logLevel: 'error',
  };
}

const sizes = [];
const watching = [];
for (const extension of EXTENSIONS) {
  const dir = join(root, 'extensions', extension);
  rmSync(join(dir, 'dist'), { recursive: true, force: true });
  for (const module of modules(extension)) {
    const outfile = join(dir, 'dist', basename(module));
    await build(options(dir, module));
    if (process.argv.includes('--watch')) {
      // esbuild watches every file the bundle read, shared/ included, and rebuilds in place.
      const watcher = await context({ ...options(dir, module), logLevel: 'info' });
      await watcher.watch();
      watching.push(watcher);
    }
    const code = readFileSync(outfile);
    sizes.push({
      extension,
      file: `extensions/${extension}/dist/${basename(module)}`,
      raw: code.length,
      gzip: gzipSync(code, { level: 9 }).length,
    });
  }
}

if (process.argv.includes('--json')) {
  console.log(JSON.stringify(sizes));
} else {
  for (const s of sizes) console.log(`${s.file}: ${s.raw} B raw, ${s.gzip} B gzip`);
}
if (sizes.some((s) => s.gzip >= LIMIT)) {
  console.error(`a bundle is over Shopify's ${LIMIT} B compressed limit`);
  process.exit(1);
}
if (watching.length > 0) {
  console.log('Watching the UI extensions: a change rebuilds its bundles.');
  const stop = async () => {
    await Promise.all(watching.map((watcher) => watcher.dispose()));
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
