import type { NextConfig } from 'next';

const config: NextConfig = {
  // The container image (infra/web.Dockerfile) runs a self-contained server bundle; `npm start`
  // runs `next start`, which does not support that output.
  ...(process.env['KILN_WEB_STANDALONE'] === '1' ? { output: 'standalone' as const } : {}),
  outputFileTracingRoot: new URL('../..', import.meta.url).pathname,
  poweredByHeader: false,
  reactStrictMode: true,
};

export default config;
