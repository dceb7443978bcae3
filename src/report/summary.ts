/**
 * The job summary an auditor reads: one HTML document rendered from the run's record, every value
 * escaped, kept under GitHub's 1 MiB per step.
 */
import type { KeyRecord, RotationRecord, TargetRecord } from '../rotation/record.js'
import { usedWhere } from '../keys.js'
import { CONTROLS, type Report } from './context.js'

/** GitHub drops a step summary above 1 MiB; stay well below it. */
export const SUMMARY_LIMIT_BYTES = 1024 * 1024 - 16 * 1024

export function escapeHtml(value: unknown): string {
  return String(value)
    .replaceAll('&', '&amp;')
    .replaceAll('<', '&lt;')
    .replaceAll('>', '&gt;')
    .replaceAll('"', '&quot;')
    .replaceAll("'", '&#39;')
}

export type Cell = string | { readonly html: string }

function cell(value: Cell, tag: 'td' | 'th' = 'td'): string {
  const html = typeof value === 'string' ? escapeHtml(value) : value.html
  return `<${tag}>${html}</${tag}>`
}

export function table(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  const head = `<tr>${header.map((name) => cell(name, 'th')).join('')}</tr>`
  const body = rows.map((row) => `<tr>${row.map((value) => cell(value)).join('')}</tr>`).join('\n')
  return `<table>\n${head}\n${body}\n</table>\n`
}

const HEADLINE: Record<RotationRecord['outcome'], string> = {
  rotated: '✅ AWS access key rotated',
  skipped: '⏭️ AWS access key rotation not due',
  'dry-run': '🧪 AWS access key rotation: dry run, nothing changed',
  failed: '❌ AWS access key rotation failed'
}

function keyRows(record: RotationRecord): Cell[][] {
  const rows: Cell[][] = []
  const add = (role: string, key: KeyRecord | undefined): void => {
    if (!key) return
    rows.push([
      role,
      { html: `<code>${escapeHtml(key.id)}</code>` },
      shortTime(key.createdAt),
      String(key.ageDays),
      lastUsedCell(key.lastUsed),
      String(key.status),
      shortTime(key.statusChangedAt)
    ])
  }
  add('old (rotated out)', record.oldKey)
  add('new', record.newKey)
  for (const key of record.removedKeys) add('inactive leftover', key)
  if (rows.length === 0) {
    for (const key of record.keysFound) add('found', key)
  }
  return rows
}

function targetRow(target: TargetRecord): Cell[] {
  return [
    { html: `<code>${escapeHtml(target.target)}</code>` },
    target.scope,
    target.secretNames.join(', '),
    target.result,
    target.holds,
    shortTime(target.writtenAt),
    target.detail ?? ''
  ]
}

export function section(title: string, body: string): string {
  return `<h3>${escapeHtml(title)}</h3>\n${body}`
}

export function list(items: readonly string[]): string {
  return `<ul>\n${items.map((item) => `<li>${escapeHtml(item)}</li>`).join('\n')}\n</ul>\n`
}

export function renderSummary(report: Report): string {
  const { record, run } = report
  const parts: string[] = []
  const failedAt = record.failure ? ` at ${record.failure.stage}` : ''
  parts.push(`<h2>${escapeHtml(HEADLINE[record.outcome] + failedAt)}</h2>\n`)
  if (record.decision)
    parts.push(
      `<p>Decision: <b>${escapeHtml(record.decision.action)}</b>, ${escapeHtml(record.decision.reason)}.</p>\n`
    )

  if (record.failure) {
    const fix = record.failure.fix ? `<br>\n<b>Fix:</b> ${escapeHtml(record.failure.fix)}` : ''
    parts.push(
      `<blockquote><b>${escapeHtml(record.failure.stage)}:</b> ${escapeHtml(record.failure.message)}${fix}</blockquote>\n`
    )
  }
  if (record.instructions.length > 0)
    parts.push(section('What a person has to do', list(record.instructions)))

  const compliance = record.compliance
  if (compliance) {
    const verdict = compliance.compliant ? '✅ compliant' : '❌ not compliant'
    const age =
      compliance.maxActiveKeyAgeDays === null
        ? 'no active key'
        : `${compliance.maxActiveKeyAgeDays} days`
    parts.push(
      section(
        'Compliance',
        table(
          ['Verdict', 'Oldest active key', 'Limit (max-key-age-days)', 'Active keys'],
          [[verdict, age, String(compliance.maxKeyAgeDays), String(compliance.activeKeys)]]
        )
      )
    )
  }

  parts.push(
    section(
      'Identity',
      table(
        ['Account', 'IAM user', 'Action ran as', 'Self-rotation'],
        [
          [
            record.account ?? '',
            record.user?.arn ?? '',
            record.callerArn ?? '',
            record.selfRotation === undefined ? '' : String(record.selfRotation)
          ]
        ]
      )
    )
  )

  const keys = keyRows(record)
  if (keys.length > 0) {
    parts.push(
      section(
        'Keys',
        table(
          ['Key', 'ID', 'Created', 'Age (days)', 'Last used', 'Final status', 'Status changed'],
          keys
        )
      )
    )
  }
  const newKey = record.newKey
  if (newKey?.verifiedArn) {
    parts.push(
      `<p>New key verified with STS GetCallerIdentity as <code>${escapeHtml(newKey.verifiedArn)}</code> after ${escapeHtml(newKey.verificationMs ?? '')} ms (${escapeHtml(newKey.verificationAttempts ?? '')} calls).</p>\n`
    )
  }

  const history = rotationHistory(report)
  if (history.length > 0) {
    parts.push(section('Rotation history', table(['Event', 'Key and date'], history)))
  }
  if (record.exception) {
    const entry = record.exception
    parts.push(
      section(
        'Excepted by the exceptions register',
        table(
          ['Line', 'Reason', 'Approver', 'Ticket', 'Expires'],
          [[String(entry.line), entry.reason, entry.approver, entry.ticket, entry.expires]]
        )
      )
    )
  }
  if (record.recovery) {
    const recovery = record.recovery
    parts.push(
      section(
        'Interrupted rotation found',
        table(
          ['Key of the earlier run', 'Created', 'Targets it had reached', 'What this run did'],
          [
            [
              recovery.pendingKey,
              shortTime(recovery.createdAt),
              recovery.touchedTargets.join(', ') || 'none',
              recovery.outcome
            ]
          ]
        )
      )
    )
  }

  if (record.plan.length > 0)
    parts.push(section(record.outcome === 'dry-run' ? 'Plan' : 'Follow-up', list(record.plan)))

  parts.push(renderTargets(record.targets, SUMMARY_LIMIT_BYTES - byteLength(parts.join('')) - 4096))

  if (record.smoke.length > 0) {
    parts.push(
      section(
        'Smoke checks',
        table(
          ['Check', 'Name', 'Result', 'Run'],
          record.smoke.map((check) => [
            check.kind,
            check.name,
            check.result,
            check.url
              ? { html: `<a href="${escapeHtml(check.url)}">${escapeHtml(check.url)}</a>` }
              : (check.detail ?? '')
          ])
        )
      )
    )
  }

  const runLink = run.url
    ? `<a href="${escapeHtml(run.url)}">${escapeHtml(run.url)}</a>`
    : 'not in a workflow run'
  parts.push(
    section(
      'Run',
      table(
        ['Outcome', 'Run', 'Actor', 'Started', 'Finished', 'Evidence file'],
        [
          [
            record.outcome,
            { html: runLink },
            run.actor ?? '',
            shortTime(record.startedAt),
            shortTime(record.finishedAt),
            report.evidenceFile
          ]
        ]
      )
    )
  )
  parts.push(
    `<p>Controls: ${CONTROLS.map((control) => `${escapeHtml(control.framework)} <i>${escapeHtml(control.title)}</i> (${escapeHtml(control.note)})`).join('; ')}. Key IDs show their first and last 4 characters only.</p>\n`
  )
  return parts.join('\n')
}

const DAY_MS = 86_400_000

/** "2026-11-20 10:00:00Z (s3 in eu-west-1)", or "never". */
function lastUsedCell(used: KeyRecord['lastUsed']): string {
  if (!used?.date) return 'never'
  const where = usedWhere(used)
  return `${shortTime(used.date)}${where ? ` (${where})` : ''}`
}

/** `2026-11-21 12:00:01Z`: the evidence file keeps the full ISO time; tables stay narrow. */
export function shortTime(iso: string | undefined): string {
  if (!iso) return ''
  return iso.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z')
}

/**
 * A key's creation date is its last rotation: the current key's, and, when this run rotated, how
 * old the previous key had become.
 */
function rotationHistory(report: Report): Cell[][] {
  const { record } = report
  const rows: Cell[][] = []
  const current =
    record.outcome === 'rotated' || record.newKey?.status === 'Active'
      ? record.newKey
      : record.oldKey
  if (!current) return rows
  rows.push([
    'Current key created (last rotation)',
    `${current.id}, ${shortTime(current.createdAt)}`
  ])
  if (record.outcome === 'rotated' && record.oldKey) {
    rows.push([
      'Previous key, when rotated',
      `${record.oldKey.id}: ${record.oldKey.ageDays} days old, created ${shortTime(record.oldKey.createdAt)}`
    ])
  }
  if (report.rotateAfterDays !== undefined) {
    const due = new Date(Date.parse(current.createdAt) + report.rotateAfterDays * DAY_MS)
    rows.push([
      `Next rotation due (rotate-after-days: ${report.rotateAfterDays})`,
      due.toISOString().slice(0, 10)
    ])
  }
  const limit = new Date(Date.parse(current.createdAt) + report.maxKeyAgeDays * DAY_MS)
  rows.push([
    `Compliance limit (max-key-age-days: ${report.maxKeyAgeDays})`,
    limit.toISOString().slice(0, 10)
  ])
  return rows
}

export function byteLength(text: string): number {
  return Buffer.byteLength(text, 'utf8')
}

/** The target table, cut short (with a note) when a huge fleet would push the summary over 1 MiB. */
function renderTargets(targets: readonly TargetRecord[], budget: number): string {
  if (targets.length === 0) return ''
  const header = ['Target', 'Scope', 'Secrets', 'Result', 'Holds', 'Written at', 'Detail']
  let rows = targets.map(targetRow)
  let html = section('Targets', table(header, rows))
  while (byteLength(html) > budget && rows.length > 1) {
    rows = rows.slice(0, Math.floor(rows.length / 2))
    const note = `<p>${targets.length - rows.length} more target(s) are listed in the evidence file only (summary size limit).</p>\n`
    html = section('Targets', table(header, rows) + note)
  }
  return html
}
