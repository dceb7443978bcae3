/**
 * The account the audit benchmarks read: `users` IAM users (every tenth with the path `/ci/`)
 * with 0, 1 or 2 keys each, ages spread over 0-199 days, some inactive, some never used.
 * Shared by the audit benchmark test and `npm run bench`, so both measure the same account.
 */
import type { FakeAws } from './aws-fake.js'

/** Adds the users and their keys; returns how many keys it created. */
export function addAuditPopulation(aws: FakeAws, users: number): number {
  let keyCount = 0
  const used = { date: new Date(), service: 's3', region: 'eu-west-1' }
  for (let index = 0; index < users; index += 1) {
    const name = `user-${String(index).padStart(4, '0')}`
    aws.addUser(name, index % 10 === 0 ? { path: '/ci/' } : {})
    // 0, 1 or 2 keys; ages spread over 0-199 days; some inactive, some never used.
    if (index % 3 === 0) continue
    keyCount += index % 3 === 2 ? 2 : 1
    aws.addKey(name, {
      ageDays: index % 200,
      ...(index % 7 === 0 ? {} : { lastUsed: used })
    })
    if (index % 3 === 2) {
      aws.addKey(name, {
        ageDays: (index * 7) % 300,
        ...(index % 2 === 0 ? { status: 'Inactive' as const } : { lastUsed: used })
      })
    }
  }
  return keyCount
}
