// Bundles the action (index.js, post.js) and the CLI (cli.js) with all their
// dependencies, as actions/typescript-action does: a runner executes dist/ as is.
import commonjs from '@rollup/plugin-commonjs';
import json from '@rollup/plugin-json';
import { nodeResolve } from '@rollup/plugin-node-resolve';
import typescript from '@rollup/plugin-typescript';
import { rmSync } from 'node:fs';

const outDir = process.env.ALLHW_BUNDLE_DIR || 'dist';

export default {
  // Node's own modules stay imports (node:sqlite is newer than the resolver's list).
  external: [/^node:/],

  input: { index: 'src/action/index.ts', post: 'src/action/post-entry.ts', cli: 'src/cli/main.ts' },
  output: {
    dir: outDir,
    format: 'es',
    entryFileNames: '[name].js',
    chunkFileNames: 'chunks/[name].js',
    sourcemap: true,
    banner: (chunk) => (chunk.name === 'cli' ? '#!/usr/bin/env node' : ''),
  },
  plugins: [
    // Chunk names follow the sources: without a clean start, chunks of moved
    // or deleted modules would stay in dist/ (and in every commit of it).
    { name: 'clean-output', buildStart: () => rmSync(outDir, { recursive: true, force: true }) },
    typescript({
      tsconfig: './tsconfig.json',
      compilerOptions: { outDir, rootDir: 'src', sourceMap: true, declaration: false },
      noEmitOnError: true,
    }),
    json(),
    nodeResolve({ preferBuiltins: true, exportConditions: ['node'] }),
    commonjs(),
  ],
  onwarn(warning, warn) {
    // Dependencies (the Azure SDK, undici) use `this` at top level and circular imports: harmless.
    if (warning.code === 'CIRCULAR_DEPENDENCY' || warning.code === 'THIS_IS_UNDEFINED') return;
    warn(warning);
  },
};
