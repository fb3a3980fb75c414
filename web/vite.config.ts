import react from '@vitejs/plugin-react';
import { loadEnv } from 'vite';
import { defineConfig } from 'vitest/config';

export default defineConfig(({ mode }) => {
  // The Go server during development (make run); the dev server proxies the real-time and API
  // endpoints to it so that the app talks to one origin, as it does when embedded.
  // LIVEDASH_DEV_SERVER (environment or .env.local) points elsewhere.
  const server = loadEnv(mode, '.', 'LIVEDASH_').LIVEDASH_DEV_SERVER || 'http://127.0.0.1:8080';
  return {
    plugins: [react()],
    build: {
      outDir: 'dist',
      emptyOutDir: true,
      target: 'es2022',
      // Hashed file names under /assets/: web/embed.go serves them as immutable.
      assetsDir: 'assets',
    },
    server: {
      proxy: {
        '/ws': { target: server, ws: true },
        '/dashboard/sse': { target: server },
        '/dashboard/broadcast': { target: server },
        '/websocket': { target: server },
        '/api': { target: server },
        '/metrics': { target: server },
      },
    },
    test: {
      environment: 'node',
      include: ['src/**/*.test.{ts,tsx}'],
      setupFiles: ['src/test/setup.ts'],
      restoreMocks: true,
    },
  };
});
