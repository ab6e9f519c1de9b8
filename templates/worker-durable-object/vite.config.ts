import { defineConfig } from 'vite';

// Bundles the Worker into one ES module, dist/index.js (wrangler.jsonc `main`): the Workers
// runtime loads no TypeScript and no node_modules. `cloudflare:*` modules are the runtime's own.
export default defineConfig({
  build: {
    ssr: 'src/index.ts',
    outDir: 'dist',
    rollupOptions: { external: [/^cloudflare:/], output: { entryFileNames: 'index.js' } },
  },
  ssr: { noExternal: true, target: 'webworker' },
});
