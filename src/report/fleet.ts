/**
 * The report of a fleet run: a roll-up table (one row per IAM user) above each user's own
 * summary, one evidence file holding each user's evidence, and outputs over all users.
 */
import type { FleetRecord } from '../rotation/fleet.js'
import type { RotationRecord } from '../rotation/record.js'
import { CONTROLS, type Report, type RunContext } from './context.js'
import { buildEvidence } from './evidence.js'
import { buildOutputs } from './outputs.js'
import { byteLength, escapeHtml, renderSummary, SUMMARY_LIMIT_BYTES, table } from './summary.js'

export interface FleetReport {
  readonly fleet: FleetRecord
  readonly run: RunContext
  /** Each user's report, as a single-user run would render it. */
  readonly users: readonly Report[]
  readonly evidenceFile: string
  readonly version: string
}

function rollUpRow(name: string, record: RotationRecord): string[] {
  const targets = record.targets
  const written = targets.filter((target) => target.holds === 'new').length
  return [
    name,
    record.failure ? `${record.outcome} at ${record.failure.stage}` : record.outcome,
    record.oldKey
      ? `${record.oldKey.id} (${record.oldKey.ageDays} days, ${record.oldKey.status})`
      : '',
    record.newKey ? `${record.newKey.id} (${record.newKey.status})` : '',
    `${written}/${targets.length}`,
    record.compliance ? (record.compliance.compliant ? '✅' : '❌') : ''
  ]
}

export function renderFleetSummary(report: FleetReport): string {
  const { fleet } = report
  const failed = fleet.users.filter((user) => user.record.outcome === 'failed')
  const headline =
    failed.length > 0
      ? `❌ AWS access key rotation: ${failed.length} of ${fleet.users.length} IAM users failed`
      : `✅ AWS access key rotation: ${fleet.users.length} IAM users, none failed`
  const parts = [
    `<h2>${escapeHtml(headline)}</h2>\n`,
    `<p>Fleet file <code>${escapeHtml(fleet.file)}</code>. Each user is rotated on its own: one user's failure does not stop or change the others.</p>\n`,
    '<h3>Roll-up</h3>\n',
    table(
      ['IAM user', 'Outcome', 'Old key', 'New key', 'Targets with the new key', 'Compliant'],
      fleet.users.map((user) => rollUpRow(user.name, user.record))
    )
  ]
  const rollUp = parts.join('')
  const details = report.users.map((user, index) => {
    const name = fleet.users[index]?.name ?? ''
    return `<details${user.record.outcome === 'failed' ? ' open' : ''}><summary>${escapeHtml(name)}: ${escapeHtml(user.record.outcome)}</summary>\n\n${renderSummary(user)}\n</details>\n`
  })
  const full = [rollUp, ...details].join('\n')
  if (byteLength(full) <= SUMMARY_LIMIT_BYTES) return full
  return `${rollUp}\n<p>The per-user details are in the evidence file only (summary size limit).</p>\n`
}

export function buildFleetEvidence(report: FleetReport): Record<string, unknown> {
  const { fleet } = report
  const failed = fleet.users.filter((user) => user.record.failure)
  return {
    schemaVersion: 1,
    tool: { name: 'rotate-aws-access-key', version: report.version },
    controls: CONTROLS,
    run: report.run,
    fleet: { file: fleet.file, users: fleet.users.length },
    outcome: fleet.outcome,
    failure:
      failed.length === 0
        ? null
        : {
            stage: 'fleet',
            message: `${failed.length} of ${fleet.users.length} IAM users failed: ${failed.map((user) => `${user.name} (${user.record.failure?.stage ?? '?'})`).join(', ')}`
          },
    // Each user's evidence without what the run shares (controls, run, tool), said once above.
    users: report.users.map((user) =>
      Object.fromEntries(
        Object.entries(buildEvidence(user)).filter(
          ([key]) => !['controls', 'run', 'tool'].includes(key)
        )
      )
    ),
    startedAt: fleet.startedAt,
    finishedAt: fleet.finishedAt ?? null
  }
}

/** Outputs over all users; the single-key outputs are empty, since there is no single key. */
export function buildFleetOutputs(
  fleet: FleetRecord,
  evidenceFile: string
): Record<string, string> {
  const each = fleet.users.map((user) => buildOutputs(user.record, evidenceFile))
  const ages = each
    .map((outputs) => outputs['max-active-key-age-days'] ?? '')
    .filter((age) => age !== '')
  return {
    rotated: String(each.some((outputs) => outputs.rotated === 'true')),
    'new-access-key-id': '',
    'old-access-key-id': '',
    'old-key-age-days': '',
    'max-active-key-age-days': ages.length === 0 ? '' : String(Math.max(...ages.map(Number))),
    compliant: String(each.length > 0 && each.every((outputs) => outputs.compliant === 'true')),
    'evidence-file': evidenceFile
  }
}
