import { defineConfig } from 'vitest/config'

/** The fault matrix and the concurrency test: slow, so `npm run test:faults`, not `npm test`. */
export default defineConfig({
  test: {
    include: ['__tests__/faults/**/*.test.ts'],
    testTimeout: 900_000,
    hookTimeout: 30_000
  }
})
