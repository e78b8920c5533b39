// Lint for src, test and bench (`npm run lint`, run by CI before the tests). TypeScript files are
// linted with type information (tsconfig.json through the project service), so the rules can
// see promises and types; the dashboard's browser code (plain ES modules, no build step) is
// type-checked separately by src/dashboard/dashboard-contract.spec.ts.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const root = path.dirname(fileURLToPath(import.meta.url)); // import.meta.dirname needs Node 20.11

export default tseslint.config(
  { ignores: ['dist/**', 'node_modules/**', 'coverage/**', 'var/**', 'src/dashboard/public/**', 'test/artifacts/**'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    files: ['**/*.ts'],
    languageOptions: { parserOptions: { projectService: true, tsconfigRootDir: root } },
    rules: {
      '@typescript-eslint/no-explicit-any': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', destructuredArrayIgnorePattern: '^_', ignoreRestSiblings: true, caughtErrors: 'none' }],
      'no-console': 'error',
      // Off: the no-unsafe-* family flags every use of a value typed `any` by a library (JSON.parse,
      // ioredis replies, Nest metadata), hundreds of reads that are then checked by zod or a guard.
      // `any` written by us is caught by no-explicit-any; the worth of type-aware linting here is in
      // the promise rules below, which stay on.
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
      // Off: async methods that implement a promise-returning interface without awaiting (dry-run
      // effects, test fakes) are correct as written.
      '@typescript-eslint/require-await': 'off',
      // On (from recommendedTypeChecked), named for the reader: a promise nobody awaits loses its
      // rejection (an unhandled rejection stops the process); a promise passed where a callback
      // returns void (an event handler, setInterval) does the same.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/await-thenable': 'error',
    },
  },
  {
    // `expect(fake.method).toHaveBeenCalled()` reads a method without calling it, on purpose.
    files: ['**/*.spec.ts', 'test/**/*.ts'],
    rules: { '@typescript-eslint/unbound-method': 'off' },
  },
  {
    files: ['**/*.js', '**/*.mjs', '**/*.cjs'],
    ...tseslint.configs.disableTypeChecked,
    languageOptions: { globals: { require: 'readonly', module: 'writable', process: 'readonly', __dirname: 'readonly', console: 'readonly' } },
    rules: { ...tseslint.configs.disableTypeChecked.rules, '@typescript-eslint/no-require-imports': 'off' },
  },
);
