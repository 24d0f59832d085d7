import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

/** The dashboard: `npm run build` writes it to dist/web, which `proctor serve` serves at `/`. */
export default defineConfig({
  root: fileURLToPath(new URL('.', import.meta.url)),
  plugins: [react()],
  build: {
    outDir: fileURLToPath(new URL('../dist/web', import.meta.url)),
    emptyOutDir: true,
    sourcemap: true,
    chunkSizeWarningLimit: 1000,
  },
  // `npx vite --config web/vite.config.ts` serves the dashboard with hot reload against a local `proctor serve`.
  server: { proxy: { '/api': 'http://127.0.0.1:4400' } },
});
