const DAY_MS = 86_400_000

/** Key IDs are shown only as first 4 + last 4 characters (SPEC, Evidence). */
export function redactKeyId(accessKeyId: string): string {
  if (accessKeyId.length <= 8) return '…'
  return `${accessKeyId.slice(0, 4)}…${accessKeyId.slice(-4)}`
}

/** Whole days elapsed since `createdAt` (floor), never negative. */
export function ageInDays(createdAt: Date, now: Date): number {
  return Math.max(0, Math.floor((now.getTime() - createdAt.getTime()) / DAY_MS))
}

/** Whether a key of this age is beyond the compliance limit (IAM.3: rotated within N days). */
export function exceedsMaxAge(createdAt: Date, now: Date, maxKeyAgeDays: number): boolean {
  return now.getTime() - createdAt.getTime() > maxKeyAgeDays * DAY_MS
}

/** When and where a key was last used, as the evidence records it (ISO date; absent parts left out). */
export interface LastUsedRecord {
  readonly date?: string
  readonly service?: string
  readonly region?: string
}

/** "last used 2026-11-20T10:00:00.000Z (s3 in eu-west-1)" or "never used". */
export function lastUsedText(key: { readonly lastUsed?: LastUsedRecord }): string {
  const used = key.lastUsed
  if (!used?.date) return 'never used'
  const where = usedWhere(used)
  return `last used ${used.date}${where ? ` (${where})` : ''}`
}

/** "s3 in eu-west-1" from a key's last use; AWS says N/A for what it did not record. */
export function usedWhere(used: { readonly service?: string; readonly region?: string }): string {
  return [used.service, used.region].filter((part) => part && part !== 'N/A').join(' in ')
}

/** A key's last use from IAM, as the evidence records it. */
export function lastUsedRecord(
  used: { readonly date?: Date; readonly service?: string; readonly region?: string } | undefined
): { lastUsed?: LastUsedRecord } {
  if (!used) return {}
  return {
    lastUsed: {
      ...(used.date ? { date: used.date.toISOString() } : {}),
      ...(used.service ? { service: used.service } : {}),
      ...(used.region ? { region: used.region } : {})
    }
  }
}
