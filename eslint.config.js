import js from '@eslint/js';
import tseslint from 'typescript-eslint';

/** Imports flow one way: suites, tutorials -> harness -> clusters; reports read only result types. */
const layer = (files, patterns, message) => ({
  files,
  rules: { '@typescript-eslint/no-restricted-imports': ['error', { patterns: [{ group: patterns, message, allowTypeImports: false }] }] },
});

export default tseslint.config(
  { ignores: ['node_modules/', 'out/', 'test-results/', 'playwright-report/'] },
  js.configs.recommended,
  ...tseslint.configs.recommended,
  {
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      'no-restricted-syntax': [
        'error',
        { selector: "CallExpression[callee.property.name='waitForTimeout']", message: 'No bare sleeps: await a condition with a named timeout.' },
      ],
    },
  },
  layer(['clusters/**/*.ts'], ['**/harness/**', '**/suites/**', '**/tutorials/**', '**/reports/**'], 'clusters/ is the bottom layer: it imports neither harness/, suites/, tutorials/ nor reports/.'),
  layer(['harness/**/*.ts'], ['**/suites/**', '**/tutorials/**'], 'harness/ never imports suites/ or tutorials/ (the pages are data on top of the harness, like the cases).'),
  layer(['tutorials/**/*.ts'], ['**/suites/**'], 'tutorials/ sits beside suites/: pages use the harness, never the cases.'),
  layer(['reports/**/*.ts'], ['**/harness/**', '**/clusters/**', '**/suites/**', '**/tutorials/**'], 'reports/ reads only the result types in reports/model.ts.'),
  layer(['harness/probes/**/*.ts'], ['../run/*', '../judge/*', '../apps/*', '../implementations/*', '../faults/*'], 'harness/probes/ only collects evidence: it imports clusters/ and other probes, nothing above.'),
  layer(['harness/implementations/**/*.ts'], ['../run/*', '../apps/*', '../faults/*'], 'an implementation is facts, install and dataplane: it imports probes/ (and judge/ expectations), never the runner or the apps.'),
);
