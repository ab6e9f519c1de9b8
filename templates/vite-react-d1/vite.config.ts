import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

// One `vite build` makes both halves of the app: the React app in dist/client (the Worker's
// static assets) and the Worker in dist/worker/index.js (wrangler.jsonc `main`), bundled into a
// single ES module because the Workers runtime loads no TypeScript and no node_modules.
export default defineConfig({
  plugins: [react()],
  // Relative asset URLs: the preview proxy serves the app under /preview/<instance>/ as well as at /.
  base: './',
  builder: {},
  environments: {
    client: {
      build: { outDir: 'dist/client' },
    },
    worker: {
      consumer: 'server',
      resolve: { noExternal: true, conditions: ['workerd', 'worker', 'module', 'browser'] },
      build: {
        outDir: 'dist/worker',
        rollupOptions: {
          input: 'src/worker/index.ts',
          external: [/^cloudflare:/],
          output: { entryFileNames: 'index.js' },
        },
      },
    },
  },
});
