import preact from '@preact/preset-vite';
import { defineConfig } from 'vite';

// Built once into dist/app/ (tests compile to dist/test/, never served) and served by `spark serve` under `/`; relative asset URLs so the
// pages work behind any path prefix a reverse proxy adds.
export default defineConfig({
  base: './',
  plugins: [preact()],
  build: { outDir: 'dist/app', emptyOutDir: true, target: 'es2022', sourcemap: false, reportCompressedSize: false },
});
