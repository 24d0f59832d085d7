import { defineConfig } from 'vitest/config';

// Vitest searches parent directories for a config file; this one stops it from using the
// Proctor repository's own (which includes only Proctor's tests) when the demo runs in place.
export default defineConfig({ test: {} });
