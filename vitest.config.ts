import { defineConfig } from 'vitest/config'

export default defineConfig({
  test: {
    include: ['__tests__/**/*.test.ts'],
    // The fault matrix runs with `npm run test:faults` (vitest.faults.config.ts).
    exclude: ['__tests__/faults/**', 'node_modules/**'],
    testTimeout: 60_000,
    hookTimeout: 30_000,
    server: {
      deps: {
        // GitHub's workflow parser imports its schema JSON without an import attribute, which
        // only a bundler accepts: let Vite transform it instead of Node loading it.
        inline: ['@actions/workflow-parser']
      }
    }
  }
})
