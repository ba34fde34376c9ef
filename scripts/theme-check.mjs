#!/usr/bin/env node
// Run Shopify's Theme Check on the theme app extension, offline, and fail on any offense.
//
//   node scripts/theme-check.mjs [extension-dir] [--config theme-check:theme-app-extension] [--json]
//
// Exit status: 0 without offenses, 1 with any offense (errors, warnings and infos alike), 2 when
// Theme Check itself could not run. THEME_CHECK_DEBUG=1 prints where the Liquid docs came from.
//
// Theme Check normally refreshes its Liquid docs (filters, objects, tags, JSON schemas) from
// GitHub on every run and caches them in the user's cache folder. Neither is welcome here: CI
// has no network and results must not change with whatever GitHub serves today. So the docs
// that ship inside @shopify/theme-check-docs-updater are laid out the way the refresh expects
// (`data/*.json`, `schemas/**`) in a temporary folder, SHOPIFY_TLD_ROOT points the refresh at
// it, and XDG_CACHE_HOME keeps the "download" in that folder too. Both are set before the
// package is imported, because it reads them at import time.

import { mkdtempSync, mkdirSync, copyFileSync, readFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const require = createRequire(import.meta.url);

function parseArgs(argv) {
  const options = {
    root: path.join(repoRoot, 'extensions', 'cancel-button'),
    config: 'theme-check:theme-app-extension',
    json: false,
  };
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--json') options.json = true;
    else if (arg === '--config') options.config = argv[++i];
    else options.root = path.resolve(arg);
  }
  return options;
}

/** Lay the bundled Liquid docs out as a local "theme-liquid-docs" checkout; returns its path. */
function offlineDocs(workDir) {
  const bundled = path.join(
    path.dirname(require.resolve('@shopify/theme-check-docs-updater/package.json')),
    'data',
  );
  const docs = path.join(workDir, 'theme-liquid-docs');
  mkdirSync(path.join(docs, 'data'), { recursive: true });
  for (const name of ['latest', 'filters', 'objects', 'tags', 'shopify_system_translations']) {
    copyFileSync(path.join(bundled, `${name}.json`), path.join(docs, 'data', `${name}.json`));
  }
  for (const manifest of ['manifest_theme', 'manifest_theme_app_extension']) {
    const source = path.join(bundled, `${manifest}.json`);
    mkdirSync(path.join(docs, 'schemas'), { recursive: true });
    copyFileSync(source, path.join(docs, 'schemas', `${manifest}.json`));
    for (const { uri } of JSON.parse(readFileSync(source, 'utf8')).schemas) {
      const target = path.join(docs, 'schemas', uri);
      mkdirSync(path.dirname(target), { recursive: true });
      copyFileSync(path.join(bundled, path.basename(uri)), target);
    }
  }
  return docs;
}

const SEVERITY = ['error', 'warning', 'info'];

function format(offense, root) {
  const file = path.relative(root, fileURLToPath(offense.uri));
  const { line, character } = offense.start;
  const severity = SEVERITY[offense.severity] ?? String(offense.severity);
  return `${file}:${line}:${character + 1} ${severity} ${offense.check}: ${offense.message}`;
}

async function main() {
  const options = parseArgs(process.argv.slice(2));
  const workDir = mkdtempSync(path.join(tmpdir(), 'theme-check-'));
  try {
    process.env.SHOPIFY_TLD_ROOT = offlineDocs(workDir);
    process.env.XDG_CACHE_HOME = path.join(workDir, 'cache');
    const { themeCheckRun } = await import('@shopify/theme-check-node');
    const log = [];
    const { theme, offenses } = await themeCheckRun(options.root, options.config, (m) =>
      log.push(m),
    );
    if (process.env.THEME_CHECK_DEBUG) console.error(log.join('\n'));
    if (theme.length === 0) {
      console.error(`theme-check: no theme files found under ${options.root}`);
      return 2;
    }
    if (options.json) {
      const rows = offenses.map((o) => ({
        check: o.check,
        severity: SEVERITY[o.severity],
        file: path.relative(options.root, fileURLToPath(o.uri)),
        line: o.start.line,
        column: o.start.character + 1,
        message: o.message,
      }));
      console.log(JSON.stringify({ files: theme.length, offenses: rows }, null, 2));
    } else {
      for (const offense of offenses) console.log(format(offense, options.root));
      console.log(
        `theme-check (${options.config}): ${theme.length} files inspected, ` +
          `${offenses.length} offense${offenses.length === 1 ? '' : 's'}`,
      );
    }
    return offenses.length === 0 ? 0 : 1;
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
