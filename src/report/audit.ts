/**
 * What an audit run publishes: job summary, annotations, outputs and evidence file, all rendered
 * from the one AuditRecord. Key IDs are already redacted in it.
 */
import {
  FINDING_INFO,
  FINDING_KINDS,
  type AuditKeyRecord,
  type AuditRecord,
  type FindingKind,
  type FindingRecord,
  type Verdict
} from '../audit/record.js'
import { lastUsedText } from '../keys.js'
import { ANNOTATIONS_PER_KIND, capAnnotations, type Annotation } from './annotations.js'
import { CONTROLS, type RunContext } from './context.js'
import {
  byteLength,
  escapeHtml,
  section,
  SUMMARY_LIMIT_BYTES,
  table,
  type Cell
} from './summary.js'

export interface AuditReport {
  readonly record: AuditRecord
  readonly run: RunContext
  readonly evidenceFile: string
  readonly version: string
}

/** The controls an audit reports against: the rotation controls plus the one-active-key rule. */
export const AUDIT_CONTROLS = [
  ...CONTROLS,
  {
    id: 'CIS-AWS-one-active-key',
    framework: 'CIS AWS Foundations Benchmark',
    title: 'Ensure there is only one active access key available for any single IAM user',
    note: '1.13 in v1.4.0; 2.12 in v6.0.0'
  }
] as const

export const CREDENTIAL_REPORT_NOTE =
  'The IAM credential report has no access key IDs: keys read from it are named by their slot ' +
  '("key 1" is access_key_1, "key 2" is access_key_2) and their entries have no id. AWS ' +
  'regenerates the report at most every 4 hours, so changes after its GeneratedTime are not in it.'

const SHORT_TITLE: Record<FindingKind, string> = {
  'key-too-old': 'Too old',
  'two-active-keys': 'Two active',
  'expired-exception': 'Expired exceptions',
  'inactive-key-past-grace': 'Inactive past grace',
  'inactive-key': 'Inactive left',
  'never-used': 'Never used'
}

const VERDICT_TEXT: Record<Verdict, string> = {
  'non-compliant': '❌ non-compliant',
  excepted: '⚠️ excepted',
  compliant: '✅ compliant'
}

// ---- Outputs ------------------------------------------------------------------------------------

/** Step outputs: the rotation ones are false/empty, the compliance ones filled in. */
export function buildAuditOutputs(
  record: AuditRecord,
  evidenceFile: string
): Record<string, string> {
  const compliance = record.compliance
  return {
    rotated: 'false',
    'new-access-key-id': '',
    'old-access-key-id': '',
    'old-key-age-days': '',
    'max-active-key-age-days':
      compliance?.maxActiveKeyAgeDays === null || compliance === undefined
        ? ''
        : String(compliance.maxActiveKeyAgeDays),
    compliant: String(record.outcome === 'audited' && compliance?.compliant === true),
    'noncompliant-count': compliance ? String(compliance.noncompliantCount) : '',
    'evidence-file': evidenceFile
  }
}

// ---- Evidence -----------------------------------------------------------------------------------

export function buildAuditEvidence(report: AuditReport): Record<string, unknown> {
  const { record } = report
  return {
    schemaVersion: 1,
    tool: { name: 'rotate-aws-access-key', version: report.version },
    mode: 'audit',
    controls: AUDIT_CONTROLS,
    run: report.run,
    outcome: record.outcome,
    failure: record.failure ?? null,
    account: record.account ?? null,
    caller: record.callerArn ? { arn: record.callerArn } : null,
    scope: record.scope,
    source: record.source
      ? {
          ...record.source,
          ...(record.source.kind === 'credential-report' ? { note: CREDENTIAL_REPORT_NOTE } : {})
        }
      : null,
    settings: record.settings,
    exceptionsFile: record.exceptionsFile ?? null,
    exceptions: record.exceptions,
    totals: record.totals ?? null,
    compliance: record.compliance ?? {
      maxKeyAgeDays: record.settings.maxKeyAgeDays,
      compliant: null
    },
    users: record.users,
    keys: record.keys,
    findings: record.findings,
    startedAt: record.startedAt,
    finishedAt: record.finishedAt ?? null
  }
}

// ---- Annotations --------------------------------------------------------------------------------

/**
 * One error per non-compliant finding and one notice per excepted one, worst first, each kind cut
 * to 9 so that the run's own outcome annotation (the failure, or the closing notice) is the 10th.
 */
export function auditAnnotations(record: AuditRecord): Annotation[] {
  const slots = ANNOTATIONS_PER_KIND - 1
  const open = record.findings.filter((finding) => !finding.exception)
  const excepted = record.findings.filter((finding) => finding.exception)
  const errors = capAnnotations<Annotation>(
    open.map((finding): Annotation => ({
      level: 'error',
      title: `${FINDING_INFO[finding.kind].title} (${FINDING_INFO[finding.kind].control})`,
      message: `${finding.message} Fix: ${finding.fix}`
    })),
    slots,
    (hidden) => ({
      level: 'error',
      title: 'More non-compliant findings',
      message: `${hidden} more non-compliant finding(s) are listed in the job summary and the evidence file (GitHub shows at most ${ANNOTATIONS_PER_KIND} annotations of a kind per step).`
    })
  )
  const notices = capAnnotations<Annotation>(
    excepted.map((finding): Annotation => {
      const exception = finding.exception
      return {
        level: 'notice',
        title: `Excepted: ${FINDING_INFO[finding.kind].title}`,
        message: `${finding.message} Excepted until ${exception?.expires ?? ''} by ${record.exceptionsFile ?? 'the register'} line ${exception?.line ?? ''} (${exception?.ticket ?? ''}, approved by ${exception?.approver ?? ''}).`
      }
    }),
    slots,
    (hidden) => ({
      level: 'notice',
      title: 'More excepted findings',
      message: `${hidden} more excepted finding(s) are listed in the job summary and the evidence file.`
    })
  )
  return [...errors, ...notices]
}

/** The closing line: why the step fails, or that it passed. */
export function auditOutcomeText(record: AuditRecord): string {
  if (record.outcome === 'failed') {
    const failure = record.failure
    if (!failure) return 'Audit failed.'
    const fix = failure.fix ? `\nFix: ${failure.fix}` : ''
    return `Audit failed at stage '${failure.stage}': ${failure.message}${fix}`
  }
  const totals = record.totals
  const counted = totals
    ? `${totals.users} IAM user(s), ${totals.keys} key(s) (${totals.activeKeys} active)`
    : 'the IAM users'
  if (record.compliance?.compliant) {
    const excepted = totals && totals.excepted > 0 ? `, ${totals.excepted} finding(s) excepted` : ''
    return `Audited ${counted}: compliant${excepted}.`
  }
  const kinds = FINDING_KINDS.filter((kind) => (totals?.findings[kind].noncompliant ?? 0) > 0)
    .map(
      (kind) => `${totals?.findings[kind].noncompliant} ${FINDING_INFO[kind].title.toLowerCase()}`
    )
    .join(', ')
  return `Audited ${counted}: ${record.compliance?.noncompliantCount ?? 0} non-compliant finding(s) (${kinds}). See the job summary and the evidence file; fix them or record an approved exception.`
}

// ---- Job summary --------------------------------------------------------------------------------

export function renderAuditSummary(report: AuditReport): string {
  const { record } = report
  const parts: string[] = []
  const compliance = record.compliance
  const headline =
    record.outcome === 'failed'
      ? `❌ AWS access key audit failed at ${record.failure?.stage ?? 'an unknown stage'}`
      : compliance?.compliant
        ? '✅ AWS access key audit: compliant'
        : `❌ AWS access key audit: ${compliance?.noncompliantCount ?? 0} non-compliant finding(s)`
  parts.push(`<h2>${escapeHtml(headline)}</h2>\n`)
  parts.push(`<p>${scopeText(record)}</p>\n`)
  if (record.failure) {
    const fix = record.failure.fix ? `<br>\n<b>Fix:</b> ${escapeHtml(record.failure.fix)}` : ''
    parts.push(
      `<blockquote><b>${escapeHtml(record.failure.stage)}:</b> ${escapeHtml(record.failure.message)}${fix}</blockquote>\n`
    )
  }

  const totals = record.totals
  if (totals && compliance) {
    parts.push(
      section(
        'Totals',
        table(
          [
            'Users',
            'Keys',
            'Active keys',
            'Oldest active key (days)',
            'Limit (max-key-age-days)',
            ...FINDING_KINDS.map((kind) => SHORT_TITLE[kind]),
            'Excepted',
            'Non-compliant'
          ],
          [
            [
              String(totals.users),
              String(totals.keys),
              String(totals.activeKeys),
              compliance.maxActiveKeyAgeDays === null
                ? '—'
                : String(compliance.maxActiveKeyAgeDays),
              String(compliance.maxKeyAgeDays),
              ...FINDING_KINDS.map((kind) => {
                const count = totals.findings[kind]
                return count.excepted > 0
                  ? `${count.noncompliant} (+${count.excepted} excepted)`
                  : String(count.noncompliant)
              }),
              String(totals.excepted),
              String(totals.noncompliant)
            ]
          ]
        )
      )
    )
  }

  const tail = [renderExceptions(record), renderRun(report), renderNotes(record)].join('\n')
  let budget = SUMMARY_LIMIT_BYTES - byteLength(parts.join('\n') + tail) - 4096
  if (record.findings.length > 0) {
    const findings = fitTable(
      'Findings (worst first)',
      ['Verdict', 'Finding', 'User', 'Key', 'Detail', 'Fix or exception'],
      record.findings.map(findingRow),
      Math.floor(budget / 2),
      'finding(s)'
    )
    parts.push(findings)
    budget -= byteLength(findings)
  }
  if (record.keys.length > 0) {
    parts.push(
      fitTable(
        'Access keys (worst first)',
        ['Verdict', 'User', 'Key', 'Status', 'Created', 'Age (days)', 'Last used', 'Findings'],
        record.keys.map(keyRow),
        budget,
        'key(s)'
      )
    )
  } else if (record.outcome === 'audited') {
    parts.push('<p>No access keys found.</p>\n')
  }
  parts.push(tail)
  return parts.join('\n')
}

function scopeText(record: AuditRecord): string {
  const account = record.account ? ` of account ${escapeHtml(record.account)}` : ''
  const who =
    record.scope.kind === 'account'
      ? `Every IAM user${account}`
      : `IAM user(s) ${escapeHtml(record.scope.users.join(', '))}${account}`
  const source = record.source
  let from = ''
  if (source?.kind === 'credential-report') {
    const reused = source.newlyGenerated ? 'generated for this run' : 'an earlier report AWS reused'
    from = ` From the IAM credential report generated <b>${escapeHtml(source.generatedAt)}</b> (${source.ageMinutes} min before this run, ${reused}; AWS regenerates it at most every 4 hours, so changes after that time are not in it).`
    if (source.liveUsers.length > 0) {
      from += ` Read live with ListAccessKeys because a key-id exception names one of their keys: ${escapeHtml(source.liveUsers.join(', '))}.`
    }
  } else if (source?.kind === 'list-access-keys') {
    from = ' Read live with ListAccessKeys and GetAccessKeyLastUsed.'
  }
  const limits = ` Limits: max-key-age-days ${record.settings.maxKeyAgeDays}, delete-after-days ${record.settings.deleteAfterDays}.`
  return `${who}.${from}${limits}`
}

function findingRow(finding: FindingRecord): Cell[] {
  const exception = finding.exception
  return [
    exception ? VERDICT_TEXT.excepted : VERDICT_TEXT['non-compliant'],
    `${FINDING_INFO[finding.kind].title} (${finding.control})`,
    finding.user,
    finding.key ?? '',
    finding.message,
    exception
      ? `Excepted until ${exception.expires} (line ${exception.line}, ${exception.ticket}, approved by ${exception.approver}): ${exception.reason}`
      : finding.fix
  ]
}

function keyRow(key: AuditKeyRecord): Cell[] {
  return [
    VERDICT_TEXT[key.verdict],
    key.user,
    { html: `<code>${escapeHtml(key.key)}</code>` },
    key.status,
    key.createdAt,
    String(key.ageDays),
    lastUsedText(key),
    [
      ...key.findings.map((kind) => SHORT_TITLE[kind].toLowerCase()),
      ...(key.note ? [key.note] : [])
    ].join('; ')
  ]
}

/** A table cut short (with a note) so that the summary stays under GitHub's 1 MiB. */
function fitTable(
  title: string,
  header: readonly string[],
  rows: readonly Cell[][],
  budget: number,
  what: string
): string {
  let shown = rows
  let html = section(title, table(header, shown))
  while (byteLength(html) > budget && shown.length > 1) {
    shown = shown.slice(0, Math.floor(shown.length / 2))
    const note = `<p>${rows.length - shown.length} more ${what} are listed in the evidence file only (summary size limit).</p>\n`
    html = section(title, table(header, shown) + note)
  }
  return html
}

function renderExceptions(record: AuditRecord): string {
  if (!record.exceptionsFile) return ''
  const rows: Cell[][] = record.exceptions.map((entry) => [
    String(entry.line),
    [entry.user ? `user ${entry.user}` : '', entry.keyId ? `key ${entry.keyId}` : '']
      .filter(Boolean)
      .join(', '),
    entry.reason,
    entry.approver,
    entry.ticket,
    entry.expires,
    entry.state === 'expired'
      ? '❌ expired'
      : entry.inScope
        ? '✅ active'
        : 'active (not in this audit)',
    String(entry.excepted)
  ])
  return section(
    `Exceptions register (${record.exceptionsFile})`,
    rows.length === 0
      ? '<p>No entries.</p>\n'
      : table(
          [
            'Line',
            'Applies to',
            'Reason',
            'Approver',
            'Ticket',
            'Expires',
            'State',
            'Findings excepted'
          ],
          rows
        )
  )
}

function renderRun(report: AuditReport): string {
  const { record, run } = report
  const runLink = run.url
    ? `<a href="${escapeHtml(run.url)}">${escapeHtml(run.url)}</a>`
    : 'not in a workflow run'
  return section(
    'Run',
    table(
      ['Outcome', 'Run', 'Actor', 'Ran as', 'Started', 'Finished', 'Evidence file'],
      [
        [
          record.outcome,
          { html: runLink },
          run.actor ?? '',
          record.callerArn ?? '',
          record.startedAt,
          record.finishedAt ?? '',
          report.evidenceFile
        ]
      ]
    )
  )
}

function renderNotes(record: AuditRecord): string {
  const controls = AUDIT_CONTROLS.map(
    (control) =>
      `${escapeHtml(control.framework)} <i>${escapeHtml(control.title)}</i> (${escapeHtml(control.note)})`
  ).join('; ')
  const slots =
    record.source?.kind === 'credential-report' ? ` ${escapeHtml(CREDENTIAL_REPORT_NOTE)}` : ''
  return `<p>Controls: ${controls}. Key IDs show their first and last 4 characters only.${slots}</p>\n`
}
