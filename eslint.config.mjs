import nx from '@nx/eslint-plugin';
import prettier from 'eslint-config-prettier';
import globals from 'globals';
import tseslint from 'typescript-eslint';

/** Which projects may import which (Nx tags). `tooling` lists who may use test tooling. */
const boundaries = (serverMayUseTooling) => [
  'error',
  {
    allow: [],
    enforceBuildableLibDependency: false,
    // libs/runtime loads the Durable Object sync's drivers from @kiln/storage lazily (the preview
    // image ships without them) and imports its light entry points statically.
    checkDynamicDependenciesExceptions: ['@kiln/storage'],
    depConstraints: [
      // Libraries never import applications.
      { sourceTag: 'type:lib', onlyDependOnLibsWithTags: ['type:lib'] },
      { sourceTag: 'type:app', onlyDependOnLibsWithTags: ['type:lib'] },
      // The web app is a browser/Next bundle: only shared, isomorphic libraries.
      { sourceTag: 'scope:web', onlyDependOnLibsWithTags: ['scope:shared'] },
      { sourceTag: 'scope:shared', onlyDependOnLibsWithTags: ['scope:shared'] },
      {
        sourceTag: 'scope:server',
        onlyDependOnLibsWithTags: ['scope:shared', 'scope:server', ...(serverMayUseTooling ? ['scope:tooling'] : [])],
      },
      { sourceTag: 'scope:api', onlyDependOnLibsWithTags: ['scope:shared', 'scope:server', 'scope:tooling'] },
      { sourceTag: 'scope:runner', onlyDependOnLibsWithTags: ['scope:shared', 'scope:server', 'scope:tooling'] },
      { sourceTag: 'scope:tooling', onlyDependOnLibsWithTags: ['scope:shared', 'scope:server', 'scope:tooling'] },
    ],
  },
];

/** Test code and the helpers only tests import. */
const TEST_FILES = ['**/*.spec.ts', '**/testing/**/*.ts', '**/*-test-*.ts', '**/*-testing.ts'];

export default tseslint.config(
  {
    ignores: [
      '**/dist/**',
      '**/.next/**',
      '**/node_modules/**',
      '**/.nx/**',
      '.kiln/**',
      '**/next-env.d.ts',
      'infra/**',
      // Template apps build inside the runtime image, where their dependencies are (/node_modules).
      'templates/**',
    ],
  },
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      globals: { ...globals.node },
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    plugins: { '@nx': nx },
    rules: {
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/consistent-type-imports': 'off',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@nx/enforce-module-boundaries': boundaries(false),
    },
  },
  {
    files: ['**/*.mjs', '**/*.cjs', '**/*.js'],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    files: TEST_FILES,
    rules: { '@nx/enforce-module-boundaries': boundaries(true) },
  },
  {
    files: ['**/*.spec.ts'],
    rules: {
      // node:test's describe/it return promises the runner tracks itself.
      '@typescript-eslint/no-floating-promises': 'off',
    },
  },
  {
    files: ['apps/web/**/*.{ts,tsx}'],
    languageOptions: { globals: { ...globals.browser } },
  },
  prettier,
);
