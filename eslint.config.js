// Lint: typescript-eslint's recommended rules over src/, test/, bench/ and
// scripts/; formatting is Prettier's alone (eslint-config-prettier turns
// off the rules that would disagree with it).
import js from '@eslint/js';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

export default tseslint.config(
  // What git ignores (results of runs, CMake build trees) is not the project's code either.
  {
    ignores: [
      'dist/**',
      'node_modules/**',
      'allhw-results/**',
      '**/CMakeFiles/**',
      '**/build/**',
      'tmp/**',
      'build-ts/**',
      '.test-work/**',
      '.dist-check/**',
      'examples/**/build*/**',
      'coverage/**',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  prettier,
  {
    languageOptions: {
      ecmaVersion: 2024,
      sourceType: 'module',
      globals: {
        process: 'readonly',
        console: 'readonly',
        Buffer: 'readonly',
        URL: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        setImmediate: 'readonly',
        performance: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextDecoder: 'readonly',
        TextEncoder: 'readonly',
        structuredClone: 'readonly',
        fetch: 'readonly',
        NodeJS: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // Control characters are what several modules look for on purpose: UART
      // glitch bytes, XML-illegal characters, terminal escapes to neutralise.
      'no-control-regex': 'off',
      // Errors about a user's file are re-thrown with our own message and
      // without the cause on purpose: causes (V8's JSON messages, a parser's
      // text) quote the file, and nothing the user sent may be quoted.
      'preserve-caught-error': 'off',
    },
  },
);
