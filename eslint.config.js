// ESLint flat config: typescript-eslint's type-checked rules over src/, test/, bench/ and bin/,
// with Prettier owning the layout (eslint-config-prettier last turns off the rules it would fight).
import js from '@eslint/js';
import { defineConfig } from 'eslint/config';
import prettier from 'eslint-config-prettier';
import tseslint from 'typescript-eslint';

// Issue 105: no file over 550 lines (as `wc -l` counts them), no function over 80 lines.
const MAX_FILE_LINES = 550;
const MAX_FUNCTION_LINES = 80;
const SIZED = [
  'src/**/*.ts',
  'console/src/**/*.{ts,tsx}',
  'scripts/**/*.ts',
  'bench/**/*.ts',
  'test/**/*.ts',
];

const testFunctionLines = {
  meta: {
    type: 'suggestion',
    schema: [{ type: 'integer', minimum: 1 }],
    messages: { tooLong: 'Function has too many lines ({{lines}}). Maximum allowed is {{max}}.' },
  },
  create(context) {
    const max = context.options[0];
    function check(node) {
      const parent = node.parent;
      const called = parent.type === 'CallExpression' || parent.type === 'NewExpression';
      if (called && !node.id) return; // an anonymous callback or an IIFE
      const method =
        parent.type === 'MethodDefinition' || (parent.type === 'Property' && parent.method);
      const start = (method ? parent : node).loc.start.line;
      const lines = node.loc.end.line - start + 1;
      if (lines > max) context.report({ node, messageId: 'tooLong', data: { lines, max } });
    }
    return {
      FunctionDeclaration: check,
      FunctionExpression: check,
      ArrowFunctionExpression: check,
    };
  },
};

export default defineConfig(
  { ignores: ['node_modules/', 'coverage/', 'dist/', 'packages/*/dist/', 'test/fixtures/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        // tsconfig.json covers src, packages/*/src, test, bench and bin; vitest.config.ts sits outside it.
        projectService: { allowDefaultProject: ['vitest.config.ts'] },
        tsconfigRootDir: import.meta.dirname,
      },
    },
    linterOptions: { reportUnusedDisableDirectives: 'error' },
    rules: {
      // Promise-heavy code: a promise nobody awaits loses its rejection; a promise where a callback
      // returns void (an event handler, `if (promise)`) is always truthy or never awaited.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      // The house style: `import type { A }` when every name is a type, `import { b, type A }` when mixed.
      '@typescript-eslint/consistent-type-imports': ['error', { fixStyle: 'inline-type-imports' }],
      '@typescript-eslint/no-import-type-side-effects': 'error',
      // `const { secret: _secret, ...rest } = x` is how the code drops a field.
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true }],
      // Apollo plugin hooks, SDK credential providers and their test fakes must return a promise
      // even when they have nothing to await; `async` is the plain way to say so.
      '@typescript-eslint/require-await': 'off',
      // `let timer; const settle = () => clearTimeout(timer); timer = setTimeout(settle)`: the
      // closure reads the variable before its one assignment, so it cannot be a const.
      'prefer-const': ['error', { ignoreReadBeforeAssign: true }],
      // Rejecting with `signal.reason` (typed any) is how the platform rejects on abort
      // (fetch, node:timers/promises); every other rejection must still be an Error.
      '@typescript-eslint/prefer-promise-reject-errors': ['error', { allowThrowingAny: true }],
    },
  },
  {
    // Tests read JSON bodies and log lines as loose records and let `expect` check their shape.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // Plain JavaScript (the CLI shim, this file): no type information to check against.
    files: ['**/*.js', '**/*.mjs'],
    extends: [tseslint.configs.disableTypeChecked],
  },
  {
    files: SIZED,
    ignores: ['src/emulators/**'],
    rules: {
      'max-lines': ['error', { max: MAX_FILE_LINES, skipBlankLines: false, skipComments: false }],
      'max-lines-per-function': [
        'error',
        { max: MAX_FUNCTION_LINES, skipBlankLines: false, skipComments: false },
      ],
    },
  },
  {
    // In tests only named functions count: a `describe(...)` or `it(...)` callback is a block of
    // tests, not a function; the local rule counts every named one exactly as the core rule does.
    files: ['test/**/*.ts'],
    plugins: { size: { rules: { 'max-lines-per-function': testFunctionLines } } },
    rules: {
      'max-lines-per-function': 'off',
      'size/max-lines-per-function': ['error', MAX_FUNCTION_LINES],
    },
  },
  prettier,
);
