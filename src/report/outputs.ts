import type { RotationRecord } from '../rotation/record.js'

/** Step outputs (SPEC "Outputs"). Key IDs are redacted; the secret is never an output. */
export function buildOutputs(record: RotationRecord, evidenceFile: string): Record<string, string> {
  const newKeyInUse = record.newKey !== undefined && record.newKey.status !== 'Deleted'
  const rotated =
    newKeyInUse && (record.outcome === 'rotated' || record.failure?.stage === 'retire')
  return {
    rotated: String(rotated),
    'new-access-key-id': newKeyInUse ? (record.newKey?.id ?? '') : '',
    'old-access-key-id': record.oldKey?.id ?? '',
    'old-key-age-days': record.oldKey ? String(record.oldKey.ageDays) : '',
    'max-active-key-age-days':
      record.compliance?.maxActiveKeyAgeDays === null || record.compliance === undefined
        ? ''
        : String(record.compliance.maxActiveKeyAgeDays),
    compliant: record.compliance ? String(record.compliance.compliant) : 'false',
    'evidence-file': evidenceFile
  }
}
