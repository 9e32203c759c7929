// Builds the console into one folder the silo serves: index.html, app.js (the views and MapLibre, bundled by
// esbuild), app.css, MapLibre's worker beside them, and the third-party licences.
//   node build.mjs [--out DIR]      default DIR: ../artifacts/console
// Run by the silo's build (silo/GridServer.Silo.csproj, target BuildConsole) after `npm ci`.
import { build } from 'esbuild';
import { cpSync, mkdirSync, rmSync, writeFileSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
const outIndex = process.argv.indexOf('--out');
const out = resolve(outIndex > 0 ? process.argv[outIndex + 1] : join(here, '../artifacts/console'));

rmSync(out, { recursive: true, force: true });
mkdirSync(join(out, 'vendor'), { recursive: true });

await build({
  entryPoints: { app: join(here, 'src/main.js') },
  bundle: true,
  format: 'esm',
  target: ['chrome110', 'firefox115', 'safari16'],
  minify: true,
  sourcemap: false,
  legalComments: 'linked',
  outdir: out,
  logLevel: 'warning',
});

cpSync(join(here, 'static'), out, { recursive: true });
const maplibre = join(here, 'node_modules/maplibre-gl');
// MapLibre starts its worker from this file (same origin, so the CSP needs no blob: workers).
cpSync(join(maplibre, 'dist/maplibre-gl-worker.mjs'), join(out, 'vendor/maplibre-gl-worker.mjs'));
const version = JSON.parse(readFileSync(join(maplibre, 'package.json'), 'utf8')).version;
writeFileSync(join(out, 'vendor/LICENSES.txt'),
  `The console bundles MapLibre GL JS ${version} (BSD-3-Clause):\n\n${readFileSync(join(maplibre, 'LICENSE.txt'), 'utf8')}`);
// The silo's build compares this file's time with its inputs' to skip an unchanged build.
writeFileSync(join(out, '.built'), new Date().toISOString() + '\n');
